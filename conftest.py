"""Suite-wide pytest configuration."""

import pytest
from django.conf import settings


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    broker = "Redis" if settings.REDIS_URL else "none (tasks in-process)"
    return [f"lyo: database {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('NAME')}), broker {broker}"]


@pytest.fixture(autouse=True)
def _tenant_lookup_fresh():
    """Each test finds tenants afresh: a tenant remembered by number would outlive its test's rollback."""
    from tenants.selectors import tenant_lookup_forget

    tenant_lookup_forget()
    yield
    tenant_lookup_forget()


@pytest.fixture(autouse=True)
def _vocabulary_cache_cleared():
    """Each test reads tenant vocabularies and setups afresh: a cached one would outlive its test's rollback."""
    from bookings.setup import booking_setup_cache_clear
    from conversations.assistant.understanding.vocabulary import vocabulary_cache_clear

    vocabulary_cache_clear()
    booking_setup_cache_clear()
    yield
    vocabulary_cache_clear()
    booking_setup_cache_clear()
