from django.apps import AppConfig


class MetaConfig(AppConfig):
    """The Meta channels' shared floor; it has no models."""

    name = "meta"
