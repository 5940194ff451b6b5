from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders and notifications")

    def ready(self) -> None:
        # Staff changes are announced by bookings, which cannot import reminders.
        from reminders.signals import signals_connect

        signals_connect()
