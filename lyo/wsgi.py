"""The WSGI application gunicorn serves: signed webhook POSTs on a short middleware chain.

Meta's webhooks arrive at hundreds a second and need none of what the staff pages
need (session, authentication, CSRF, two-factor, messages, htmx, language, lockout):
their POSTs go to a second Django handler built with ``settings.WEBHOOK_MIDDLEWARE``.
Everything else, and the webhooks' GET handshakes, take the full ``MIDDLEWARE``. The
URLs, views and request/response signals are the same for both.
"""

import os
import re

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings")

# /webhooks/whatsapp, /webhooks/instagram, /webhooks/stripe, /webhooks/chatwoot[/<token>], slash or not.
WEBHOOK_PATH = re.compile(r"^/webhooks/(whatsapp|instagram|stripe|chatwoot(/[^/]+)?)/?$")


class ShortChainHandler(WSGIHandler):
    """A Django WSGI handler whose middleware is ``settings.WEBHOOK_MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django's loader reads settings.MIDDLEWARE; it is swapped only while this one
        # handler is built, once, at import time, before any request is served.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.WEBHOOK_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def application_build():
    """The WSGI callable: signed webhook POSTs to the short chain, the rest to the full one."""
    full_chain = get_wsgi_application()
    short_chain = ShortChainHandler()

    def application(environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and WEBHOOK_PATH.match(environ.get("PATH_INFO", "")):
            return short_chain(environ, start_response)
        return full_chain(environ, start_response)

    return application


application = application_build()
