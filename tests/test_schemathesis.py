"""Schemathesis against the portal's own OpenAPI schema, on a live server and PostgreSQL.

Every operation of /api/v1/schema/ is called with generated requests (valid and invalid),
as an administrator with an API token, on the demo data. Checks: no 5xx, every response
matches the schema. The run is bounded
(a few examples per operation, a time budget) so that it stays under three minutes.
"""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from aims_portal.api_tokens import api_token_create

from .conftest import require_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# status_code_conformance is left out: most operations do not document their 400/403/404/409
# answers yet (168 findings on the first run), see the hardening report.
CHECKS = "not_a_server_error,response_schema_conformance"
MAX_EXAMPLES = int(os.environ.get("AIMS_SCHEMATHESIS_EXAMPLES", "4"))
TIME_BUDGET = 150  # seconds for the whole run
REPORT_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "schemathesis"


@pytest.fixture
def postgres():
    url = require_service("DATABASE_URL", "PostgreSQL (the API is fuzzed on the real database)")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail(f"DATABASE_URL is not PostgreSQL: {url.split('@')[-1]}")
    return url


def _run_schemathesis(live_server, token):
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    report = REPORT_DIR / "report.json"
    report.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/v1/schema/?format=json",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,fuzzing",
        "--workers",
        "1",
        "--seed",
        "42",
        "--no-shrink",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--max-time",
        str(TIME_BUDGET),
        # Our own token must live through the run: the personal-token endpoint (which
        # replaces and revokes it) is covered by tests/test_security_api_tokens.py.
        "--exclude-path",
        "/api/v1/auth/token/",
        "--no-color",
        "--report",
        "json,junit",
        "--report-dir",
        str(REPORT_DIR),
        "--report-json-path",
        str(report),
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIME_BUDGET + 60,
        check=False,
        cwd=REPORT_DIR,  # its own state folder (.schemathesis/) lands there, not in the repo
    )
    (REPORT_DIR / "output.txt").write_text(result.stdout + result.stderr)
    return result, report


def test_every_api_operation_conforms_to_the_schema(postgres, live_server):
    call_command("seed_demo", stdout=StringIO())
    admin = get_user_model().objects.get(username="admin")
    token = api_token_create(admin).key

    result, _report = _run_schemathesis(live_server, token)
    output = result.stdout + result.stderr
    print(output[-3000:])
    assert result.returncode == 0, f"schemathesis found failures:\n{output[-12000:]}"
    operations = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    assert operations and cases, output[-2000:]
    print(f"schemathesis: {operations[1]} operations, {cases[1]} test cases, 0 failures")
    assert int(operations[1]) > 100
    # Operations that answered only 401/403 are the attestation registrations (they take a
    # system's attestation token, not a user's) and, when the time budget leaves few examples,
    # an operation whose few tries all hit a refused workflow step. Our token itself must have
    # lived through the run, or every "pass" above would be a refusal.
    still_valid = requests.get(
        f"{live_server.url}/api/v1/registry/systems/",
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert still_valid.status_code == 200, still_valid.text[:500]
