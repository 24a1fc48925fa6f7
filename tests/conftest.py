import os

import pytest

from aims_portal import roles

from . import factories

pytest_plugins = ["tests.browser", "tests.live"]

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


WORKER_FIXTURES = {"worker", "db_worker"}


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
