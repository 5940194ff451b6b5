"""Suite-wide pytest configuration."""

from django.conf import settings


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    broker = "Redis" if settings.REDIS_URL else "none (tasks in-process)"
    return [f"lyo: database {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('NAME')}), broker {broker}"]
