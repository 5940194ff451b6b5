"""The web server publishes the inbound task by name: it must know the task without a worker's autodiscovery."""

import os
import subprocess
import sys
from pathlib import Path

from conversations.services.inbound import INBOUND_PROCESS_TASK

ROOT = Path(__file__).resolve().parents[2]

# What gunicorn does: load the WSGI application, nothing else. The test suite itself
# imports every tasks module, so only a fresh process shows what production sees.
_PROBE = """
import lyo.wsgi
from celery import current_app
print(sorted(name for name in current_app.tasks if not name.startswith("celery.")))
"""


def test_a_fresh_web_process_has_the_inbound_task_registered():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lyo.settings", "DEBUG": "1"}
    env.pop("DATABASE_URL", None)  # loading the application opens no connection; SQLite is enough
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert INBOUND_PROCESS_TASK in result.stdout
