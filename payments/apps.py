from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from payments.deposits import deposit_receivers_connect

        deposit_receivers_connect()
        _policy_writes_bump_config_version()


def _policy_writes_bump_config_version() -> None:
    # The assistant keeps a tenant's policy with its setup, keyed on config_version
    # (bookings.setup): a saved or deleted policy must be read again.
    from django.db.models.signals import post_delete, post_save

    from payments.models import PaymentPolicy
    from tenants.services import tenant_config_changed

    def changed(sender, instance, **kwargs) -> None:
        tenant_config_changed(instance.tenant_id)

    post_save.connect(changed, sender=PaymentPolicy, weak=False, dispatch_uid="config_version_save_PaymentPolicy")
    post_delete.connect(changed, sender=PaymentPolicy, weak=False, dispatch_uid="config_version_delete_PaymentPolicy")
