"""Settings for the test suite: production settings with test secrets.

The suite runs with ``DEBUG`` off, so that it exercises what production does
(signatures checked, no default secrets). ``DATABASE_URL`` and ``REDIS_URL`` are
taken from the environment as usual: CI points them at PostgreSQL and Redis.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key")
# Two fixed Fernet keys; tests of rotation swap them.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LTE=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "test-verify-token")
os.environ.setdefault("META_APP_SECRET", "test-app-secret")
# Tests never reach the internet: anything that escapes a mock hits a closed port.
os.environ.setdefault("GRAPH_API_BASE", "http://127.0.0.1:9")
# The Chatwoot of the tests' fakes (chatwoot/tests/conftest.py): allowed by name, never resolved.
os.environ.setdefault("CHATWOOT_ALLOWED_HOSTS", "chat.example.com")
# The tenant-scoping tripwire raises here (tenants/scoping.py).
os.environ.setdefault("TENANT_SCOPES_ENFORCED", "1")

from lyo.settings import *  # noqa: F403

# Tests run Celery in-process with exceptions propagated; the integration tests that
# need a real worker configure their own app.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# In-process tasks: one per message, as the tests count them (inbound_queue's own tests turn it on).
INBOUND_TASK_PER_CONVERSATION = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The test client speaks plain http; the redirect itself is tested with production settings.
SECURE_SSL_REDIRECT = False
