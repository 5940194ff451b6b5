"""Lyo: a multi-tenant WhatsApp and Instagram booking assistant."""

from lyo.celery import app as celery_app

__version__ = "0.1.0"
__all__ = ["__version__", "celery_app"]
