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
        # The booking API's payment_status, which bookings cannot read itself.
        payment_status_reader_register(_api_payment_statuses)


def _api_payment_statuses(tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, str]:
    from payments.selectors import appointment_payment_statuses

    return appointment_payment_statuses(tenant=tenant, appointments=appointments)
