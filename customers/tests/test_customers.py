"""WhatsApp customer identity (docs/channels.md): business-scoped id first, phone number second."""

import pytest

from customers.models import Channel, Customer
from customers.services import (
    CustomerIdentityMissing,
    customer_display_name_set,
    customer_get_or_create_for_whatsapp,
    customer_number_change,
)
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def get(tenant, user_id="", wa_id="", name=""):
    return customer_get_or_create_for_whatsapp(tenant=tenant, user_id=user_id, wa_id=wa_id, name=name)


def test_new_customer_stores_both_ids_and_the_name():
    tenant = TenantFactory()
    customer = get(tenant, "IT.1", "393470000001", "Giulia")
    assert (customer.channel, customer.channel_user_id, customer.phone, customer.display_name) == (
        Channel.WHATSAPP, "IT.1", "393470000001", "Giulia"
    )


def test_found_by_user_id_even_when_the_phone_is_missing():
    tenant = TenantFactory()
    first = get(tenant, "IT.1", "393470000001")
    assert get(tenant, "IT.1", "") == first
    assert Customer.objects.count() == 1


def test_found_by_phone_learns_the_user_id():
    tenant = TenantFactory()
    old = CustomerFactory(tenant=tenant, phone="393470000001", channel_user_id=None)
    customer = get(tenant, "IT.1", "393470000001")
    assert customer.pk == old.pk
    assert Customer.objects.get(pk=old.pk).channel_user_id == "IT.1"


def test_username_only_customer_gains_a_phone_when_meta_sends_one():
    tenant = TenantFactory()
    customer = get(tenant, "IT.1", "")
    assert customer.phone is None
    assert get(tenant, "IT.1", "393470000001").pk == customer.pk
    assert Customer.objects.get(pk=customer.pk).phone == "393470000001"


def test_recycled_number_goes_to_the_new_person_and_the_old_keeps_their_id():
    tenant = TenantFactory()
    old = get(tenant, "IT.OLD", "393470000001")
    new = get(tenant, "IT.NEW", "393470000001")
    assert new.pk != old.pk
    assert (new.channel_user_id, new.phone) == ("IT.NEW", "393470000001")
    assert Customer.objects.get(pk=old.pk).phone is None


def test_same_person_is_a_separate_customer_of_each_tenant():
    a, b = TenantFactory(), TenantFactory()
    assert get(a, "IT.1", "393470000001").pk != get(b, "IT.1", "393470000001").pk


def test_no_identity_at_all_is_refused():
    with pytest.raises(CustomerIdentityMissing):
        get(TenantFactory())


def test_number_change_moves_the_customer_to_the_new_number():
    tenant = TenantFactory()
    customer = get(tenant, "", "393470000001")
    changed = customer_number_change(tenant=tenant, user_id="", old_wa_id="393470000001", new_wa_id="393479999999")
    assert changed.pk == customer.pk
    assert list(Customer.objects.values_list("phone", flat=True)) == ["393479999999"]


def test_number_change_never_touches_another_tenants_customer():
    tenant, other = TenantFactory(), TenantFactory()
    theirs = get(other, "", "393470000001")
    assert customer_number_change(
        tenant=tenant, user_id="", old_wa_id="393470000001", new_wa_id="393479999999"
    ) is None
    assert Customer.objects.get(pk=theirs.pk).phone == "393470000001"
    assert Customer.objects.filter(tenant=tenant).count() == 0


@pytest.mark.django_db
def test_a_new_profile_name_is_one_update_of_that_customer_only(django_assert_num_queries):
    customer, other = CustomerFactory(display_name="Giulia"), CustomerFactory(display_name="Marco")
    stale = Customer.objects.get(pk=customer.pk)
    with django_assert_num_queries(1):
        customer_display_name_set(customer=customer, name="Giulia R.")
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.display_name, customer.display_name) == ("Giulia R.", "Giulia R.")
    assert stored.updated_at == customer.updated_at > stale.updated_at
    assert Customer.objects.get(pk=other.pk).display_name == "Marco"
