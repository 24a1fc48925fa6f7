"""Settings come from the environment, with safe defaults and a clean production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_VARS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_python(code, **env):
    base = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    base.update(DJANGO_SETTINGS_MODULE="aims_portal.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True
    )


def settings_of(*names, **env):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: str(getattr(s, n)) for n in {list(names)!r}}}))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_sqlite_and_inline_tasks(tmp_path):
    values = settings_of(
        "DATABASES",
        "CELERY_TASK_ALWAYS_EAGER",
        "DEBUG",
        DJANGO_ENV="development",
        AIMS_DATA_DIR=str(tmp_path),
    )
    assert "sqlite3" in values["DATABASES"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "True"
    assert values["DEBUG"] == "True"


def test_inline_task_runs_without_a_broker(tmp_path):
    code = (
        "import django; django.setup(); from aims_portal.tasks import ping; "
        "print(ping.delay('x').get(timeout=5))"
    )
    result = run_python(code, DJANGO_ENV="test", AIMS_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "'pong': True" in result.stdout


def test_service_urls_switch_to_postgresql_and_redis():
    values = settings_of(
        "DATABASES",
        "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        DJANGO_ENV="test",
        DATABASE_URL="postgres://aims@db.example:5432/aims",
        CELERY_BROKER_URL="redis://cache.example:6379/1",
    )
    assert "django.db.backends.postgresql" in values["DATABASES"]
    assert "db.example" in values["DATABASES"]
    assert values["CELERY_BROKER_URL"] == "redis://cache.example:6379/1"
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "False"


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(
        "import django; django.setup()", DJANGO_ENV="production", ALLOWED_HOSTS="aims.example"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def deploy_check(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env = {k: v for k, v in env.items() if not k.startswith("LEDGER_TSA")}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="x7!" * 20 + "production-grade-secret-for-the-check",
        ALLOWED_HOSTS="aims.example",
        AIMS_DATA_DIR=str(tmp_path),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_passes_check_deploy(tmp_path):
    chain = tmp_path / "tsa-chain.pem"
    chain.write_text("a certificate chain, read when the first token is verified")
    result = deploy_check(
        tmp_path, LEDGER_TSA_URL="https://tsa.example/tsr", LEDGER_TSA_CERT_FILE=str(chain)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_without_a_time_stamping_authority_fails_check_deploy(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode != 0
    assert "aims.E001" in result.stdout + result.stderr


def test_a_misspelt_yes_no_setting_stops_the_start():
    result = run_python("import django; django.setup()", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_yes_no_settings_read_each_accepted_word():
    from aims_portal.settings import env_bool

    for word, expected in (("TRUE", True), ("on", True), ("1", True), ("No", False), ("0", False)):
        os.environ["AIMS_TEST_FLAG"] = word
        try:
            assert env_bool("AIMS_TEST_FLAG", not expected) is expected, word
        finally:
            del os.environ["AIMS_TEST_FLAG"]
    assert env_bool("AIMS_TEST_FLAG", True) is True


def test_tests_write_their_files_in_a_folder_of_the_run(settings, media_root):
    # Rendered documents left in the portal's data folder by one run met the next run.
    assert Path(settings.MEDIA_ROOT) == media_root
    assert not Path(media_root).is_relative_to(settings.DATA_DIR)
