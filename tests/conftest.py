import os

import pytest

from aims_portal import roles

from . import factories

pytest_plugins = ["tests.browser", "tests.live", "tests.oidc_provider"]

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def make_user(db):
    def make(role=None, **kwargs):
        return factories.UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def lead(make_user):
    return make_user(roles.GOVERNANCE_LEAD, username="lead")


@pytest.fixture
def owner(make_user):
    return make_user(roles.SYSTEM_OWNER, username="owner")


@pytest.fixture
def executive(make_user):
    return make_user(roles.EXECUTIVE, username="exec")


@pytest.fixture
def auditor(make_user):
    return make_user(roles.AUDITOR, username="auditor")


@pytest.fixture
def admin_user(make_user):
    return make_user(roles.ADMIN, username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def users(lead, owner, executive, auditor, admin_user):
    return {
        roles.GOVERNANCE_LEAD: lead,
        roles.SYSTEM_OWNER: owner,
        roles.EXECUTIVE: executive,
        roles.AUDITOR: auditor,
        roles.ADMIN: admin_user,
    }


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


def require_service(env_var, what):
    """Tests that need a real service: skipped on a developer machine without it, failed in
    CI (where bin/test sets the variables), never silently passed."""
    value = os.environ.get(env_var)
    if not value:
        if IN_CI:
            pytest.fail(f"{env_var} is not set under CI=true: {what} is required")
        pytest.skip(f"{env_var} not set: {what} not available on this machine")
    return value


@pytest.fixture(scope="session", autouse=True)
def local_tsa(tmp_path_factory):
    """A real RFC 3161 time-stamping authority on 127.0.0.1 for the whole session (one per
    xdist worker): every checkpoint made in a test is time-stamped and verified for real.
    Settings point at it, and so does the environment, for subprocesses (Celery workers).
    A TSA that cannot start fails the tests; nothing runs without one."""
    from django.test import override_settings

    from integrity import local_tsa as tsa_server

    try:
        tsa = tsa_server.start(tmp_path_factory.mktemp("tsa"))
    except (RuntimeError, OSError) as error:
        pytest.fail(f"the local time-stamping authority did not start: {error}", pytrace=False)
    values = {"LEDGER_TSA_URL": tsa.url, "LEDGER_TSA_CERT_FILE": str(tsa.cert_file)}
    saved_env = {name: os.environ.get(name) for name in [*values, "LEDGER_TSA_CERT"]}
    os.environ.update(values)
    os.environ.pop("LEDGER_TSA_CERT", None)
    override = override_settings(**values, LEDGER_TSA_CERT="")
    override.enable()
    try:
        yield tsa
    finally:
        override.disable()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        tsa.stop()


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory):
    """The files tests write (rendered documents, uploads) go to a folder of this run, never
    to the portal's data folder, so no file outlives the run that made it or meets a later
    one. Tests that need a folder of their own still set MEDIA_ROOT themselves."""
    from django.test import override_settings

    folder = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


WORKER_FIXTURES = {"worker", "db_worker", "webhook_worker"}


@pytest.fixture(autouse=True)
def celery_inline(request):
    """Tasks run inline in tests, as on a machine without a broker, even when CI points
    CELERY_BROKER_URL at Redis: nothing else would consume them. Only the tests that start a
    real worker (tests/test_celery_worker.py) send tasks through the broker."""
    if WORKER_FIXTURES & set(request.fixturenames):
        yield
        return
    from aims_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
