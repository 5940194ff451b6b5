"""Reads of a tenant's customers."""

from customers.models import Customer
from tenants.models import Tenant


def customer_for_channel_identity(
    *, tenant: Tenant, channel: str, user_id: str = "", phone: str = ""
) -> Customer | None:
    """The tenant's customer on ``channel`` with this user id, else with this phone number."""
    customers = Customer.objects.filter(tenant=tenant, channel=channel)
    if user_id:
        customer = customers.filter(channel_user_id=user_id).first()
        if customer is not None:
            return customer
    if phone:
        return customers.filter(phone=phone).first()
    return None
