from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    """What the operator of the service runs: onboarding, demo data, the tenant page, the operator commands.

    Named ``operators`` because ``operator`` is a module of Python's standard library.
    """

    name = "operators"
    verbose_name = _("Operator tools")
