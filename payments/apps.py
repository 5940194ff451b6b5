from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from bookings.models import Appointment
    from tenants.models import Tenant


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from bookings.apis import payment_status_reader_register
        from payments.deposits import deposit_receivers_connect

        deposit_receivers_connect()
        _policy_writes_bump_config_version()
        # The booking API's payment_status, which bookings cannot read itself.
        payment_status_reader_register(_api_payment_statuses)


def _api_payment_statuses(tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, str]:
    from payments.selectors import appointment_payment_statuses

    return appointment_payment_statuses(tenant=tenant, appointments=appointments)


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
