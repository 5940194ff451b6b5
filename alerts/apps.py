from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Staff alerts")

    def ready(self) -> None:
        # The apps below announce facts (conversations.signals, bookings.signals) and may
        # not import this one; the receivers here decide who is told.
        from alerts.signals import signals_connect

        signals_connect()
        # Delivery is published by the task's registered name, from the web server too:
        # the name must be known in every process (Celery's autodiscovery runs in workers only).
        import alerts.tasks  # noqa: F401
