"""A real OpenID provider for the tests: the certified ``oidc-provider`` npm package, run by
tests/oidc/provider.mjs on 127.0.0.1 for the whole session. ``sso`` points the portal's
settings at it for one test."""

import copy
import json
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CALLBACK = "/accounts/sso/callback/"
AFTER_LOGOUT = "/accounts/login/"


@dataclass
class TestProvider:
    issuer: str
    client_id: str
    client_secret: str
    accounts_file: Path

    def set_account(self, login, **claims):
        """Create or replace the provider's account ``login`` (read at its next sign-in)."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = {"email": f"{login}@example.test", "email_verified": True, **claims}
        self.accounts_file.write_text(json.dumps(accounts))

    def portal_settings(self):
        csp = copy.deepcopy(django_settings.CONTENT_SECURITY_POLICY)
        csp["DIRECTIVES"]["form-action"].append(self.issuer)
        return {
            "AIMS_OIDC_PROVIDER_NAME": "Test IdP",
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/auth",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/me",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.issuer}/session/end",
            "CONTENT_SECURITY_POLICY": csp,
        }


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory, live_server):
    """The provider, with one confidential client whose redirect URIs are the test client's
    (http://testserver) and the live server's. Fails the test if it cannot start."""
    folder = tmp_path_factory.mktemp("oidc")
    accounts = folder / "accounts.json"
    accounts.write_text("{}")
    bases = ["http://testserver", live_server.url]
    config = {
        "port": 0,
        "client_id": "aims-portal",
        "client_secret": secrets.token_urlsafe(32),
        "redirect_uris": [base + CALLBACK for base in bases],
        "post_logout_redirect_uris": [base + AFTER_LOGOUT for base in bases],
        "accounts_file": str(accounts),
    }
    (folder / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(folder / "config.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = ""
        for _ in range(20):  # the package prints its development-mode warnings first
            line = process.stdout.readline().strip()
            if line.startswith("listening ") or not line:
                break
        if not line.startswith("listening "):
            pytest.fail(f"the test OpenID provider did not start: {line!r}", pytrace=False)
        yield TestProvider(
            issuer=line.removeprefix("listening "),
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            accounts_file=accounts,
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(oidc_provider, settings):
    """The portal configured for the test provider (settings restored after the test)."""
    for name, value in oidc_provider.portal_settings().items():
        setattr(settings, name, value)
    return oidc_provider
