from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from tenants.models import Tenant
        from tenants.selectors import tenant_lookup_forget

        # A tenant saved or deleted here is looked up afresh by this process's webhooks at once.
        for signal in (post_save, post_delete):
            signal.connect(lambda **kwargs: tenant_lookup_forget(), sender=Tenant, weak=False,
                           dispatch_uid=f"tenant_lookup_forget_{signal is post_save}")
