"""The WhatsApp channel's fixtures, for the tests here that run a webhook through the whole pipeline."""

from whatsapp.tests.conftest import (  # noqa: F401 - fixtures
    _broker_pause_forgotten,
    celery_retries_inline,
    graph,
    post_webhook,
    tenant,
)
