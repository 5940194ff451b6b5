from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _tenant_lookup_forget(**kwargs) -> None:
    from tenants.selectors import tenant_lookup_forget

    tenant_lookup_forget()


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from tenants.models import Tenant

        # A tenant saved or deleted here is looked up afresh by this process's webhooks at once.
        post_save.connect(_tenant_lookup_forget, sender=Tenant, dispatch_uid="tenant_lookup_forget_save")
        post_delete.connect(_tenant_lookup_forget, sender=Tenant, dispatch_uid="tenant_lookup_forget_delete")
