"""Production settings refuse to start without their secrets; defaults are embedded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-secret",
    "FIELD_ENCRYPTION_KEY": "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LTE=",
    "ALLOWED_HOSTS": "lyo.example.com",
    "WHATSAPP_WEBHOOK_VERIFY_TOKEN": "verify",
    "META_APP_SECRET": "app-secret",
}


def _settings_process(env_overrides: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    # A clean environment: nothing of the test run's own settings leaks in.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "")}
    env.update({"DJANGO_SETTINGS_MODULE": "lyo.settings", **env_overrides})
    program = "import django, json; from django.conf import settings; django.setup();" + code
    return subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "ALLOWED_HOSTS", "WHATSAPP_WEBHOOK_VERIFY_TOKEN", "META_APP_SECRET"],
)
def test_production_refuses_to_start_without_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _settings_process(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr.splitlines()[-1]


def test_production_starts_with_every_required_variable():
    result = _settings_process(PRODUCTION_ENV, "print(json.dumps([settings.DEBUG, settings.ALLOWED_HOSTS]))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, ["lyo.example.com"]]


def test_previous_secret_keys_are_read_from_the_environment_for_a_rotation():
    env = {**PRODUCTION_ENV, "SECRET_KEY_FALLBACKS": "old-key-one,old-key-two"}
    result = _settings_process(env, "print(json.dumps(settings.SECRET_KEY_FALLBACKS))")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["old-key-one", "old-key-two"]


def test_embedded_defaults_sqlite_and_in_process_tasks():
    result = _settings_process(
        {"DEBUG": "1"},
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER,"
        " settings.LYO_SEND_BACKEND, settings.GRAPH_API_BASE, settings.GRAPH_API_VERSION]))",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.db.backends.sqlite3", True, "graph", "https://graph.facebook.com", "v25.0"
    ]


def test_redis_url_makes_redis_the_broker_and_cache():
    result = _settings_process(
        {
            "DEBUG": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lyo",
        },
        "print(json.dumps([settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL,"
        " settings.CACHES['default']['BACKEND'], settings.DATABASES['default']['ENGINE']]))",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False, "redis://127.0.0.1:6379/3", "django.core.cache.backends.redis.RedisCache",
        "django.db.backends.postgresql",
    ]


def test_unknown_send_backend_is_refused():
    result = _settings_process({"DEBUG": "1", "LYO_SEND_BACKEND": "carrier-pigeon"})
    assert result.returncode != 0
    assert "LYO_SEND_BACKEND" in result.stderr


def test_a_dotenv_file_next_to_the_project_is_read_and_the_environment_wins(tmp_path):
    # The settings look for ``.env`` in the project directory (the parent of ``lyo/``),
    # so the real settings file runs from a copy in a scratch project directory: the
    # repository's own ``.env``, if a developer has one, stays out of it.
    project = tmp_path / "project"
    (project / "lyo").mkdir(parents=True)
    settings_copy = project / "lyo" / "settings.py"
    settings_copy.write_bytes((ROOT / "lyo" / "settings.py").read_bytes())
    program = (
        "import importlib.util, json, sys;"
        f"spec = importlib.util.spec_from_file_location('copied_settings', {str(settings_copy)!r});"
        "s = importlib.util.module_from_spec(spec); spec.loader.exec_module(s);"
        "print(json.dumps([s.DEBUG, s.GRAPH_API_VERSION, s.LYO_SEND_BACKEND, s.CSRF_TRUSTED_ORIGINS]))"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), "LYO_SEND_BACKEND": "graph"}

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    # Without the file: production, which refuses to start without its secrets.
    without = run()
    assert without.returncode != 0
    assert "ImproperlyConfigured" in without.stderr

    (project / ".env").write_text(
        "# a developer's local settings\n"
        "DEBUG=1\n"
        "GRAPH_API_VERSION=v99.0\n"
        "CSRF_TRUSTED_ORIGINS=https://dev.example.com\n"
        "LYO_SEND_BACKEND=console\n"
    )
    result = run()
    assert result.returncode == 0, result.stderr
    # LYO_SEND_BACKEND is also in the process environment, which wins over the file.
    assert json.loads(result.stdout) == [True, "v99.0", "graph", ["https://dev.example.com"]]
