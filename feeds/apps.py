from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    """Calendar feeds: the bookings as an iCalendar subscription at a secret address."""

    name = "feeds"
    verbose_name = _("Calendar feeds")
