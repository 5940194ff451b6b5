from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The ground floor: metrics, log context, logging, model rows. It imports no other Lyo app."""

    name = "common"
