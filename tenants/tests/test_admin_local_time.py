"""Every tenant-owned admin list and page shows times on the row's business's clock, whoever looks.

19:00 UTC on 3 December is 20:00 in Rome and 14:00 in New York.
"""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.tests.factories import CustomerFactory
from tenants.models import AuditEvent, TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


@pytest.fixture
def rome(db):
    return TenantFactory(name="Trattoria Roma", timezone="Europe/Rome")


@pytest.fixture
def new_york(db):
    return TenantFactory(name="Diner NYC", timezone="America/New_York", language="en")


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_superuser=True))
    client.cookies["django_language"] = "en"
    return client


def _cells(html: str, column: str) -> list[str]:
    cells = re.findall(rf'<t[dh] class="field-{column}[^"]*"[^>]*>(.*?)</t[dh]>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def _at(row, **fields):
    """Set auto-dated fields (created_at, ...) the way they would be, bypassing auto_now."""
    type(row).objects.filter(pk=row.pk).update(**fields)


def test_conversations_list_their_last_message_at_each_business_time(operator, rome, new_york):
    for tenant, name in ((rome, "Bianchi"), (new_york, "Smith")):
        conversation = ConversationFactory(customer=CustomerFactory(tenant=tenant, display_name=name))
        _at(conversation, last_inbound_at=MOMENT)
    html = operator.get(reverse("admin:conversations_conversation_changelist")).content.decode()
    assert set(zip(_cells(html, "customer"), _cells(html, "last_inbound_at"), strict=True)) == {
        ("Bianchi", "3 Dec 2026 20:00"), ("Smith", "3 Dec 2026 14:00"),
    }


def test_messages_list_and_page_at_their_business_time(operator, rome, new_york):
    rome_message = MessageFactory(conversation=ConversationFactory(customer=CustomerFactory(tenant=rome)),
                                  text="Ciao")
    ny_message = MessageFactory(conversation=ConversationFactory(customer=CustomerFactory(tenant=new_york)),
                                text="Hello")
    for message in (rome_message, ny_message):
        _at(message, created_at=MOMENT, sent_at=MOMENT)
    html = operator.get(reverse("admin:conversations_message_changelist")).content.decode()
    assert set(zip(_cells(html, "created_at"), _cells(html, "short_text"), strict=True)) == {
        ("3 Dec 2026 20:00", "Ciao"), ("3 Dec 2026 14:00", "Hello"),
    }
    page = operator.get(reverse("admin:conversations_message_change", args=[ny_message.pk])).content.decode()
    assert re.search(r'field-sent_at\b.*?<div class="readonly">Dec\. 3, 2026, 2 p\.m\.</div>', page, re.S)


def test_a_conversations_messages_are_dated_on_its_business_clock(operator, new_york):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=new_york))
    message = MessageFactory(conversation=conversation)
    _at(message, created_at=MOMENT)
    page = operator.get(reverse("admin:conversations_conversation_change", args=[conversation.pk])).content.decode()
    assert "Dec. 3, 2026, 2 p.m." in page
    assert "Dec. 3, 2026, 7 p.m." not in page


def test_customers_list_when_they_first_wrote_at_their_business_time(operator, rome, new_york):
    for tenant, name in ((rome, "Bianchi"), (new_york, "Smith")):
        customer = CustomerFactory(tenant=tenant, display_name=name)
        _at(customer, created_at=MOMENT)
    operator.cookies["django_language"] = "it"
    html = operator.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert set(zip(_cells(html, "__str__"), _cells(html, "created_at"), strict=True)) == {
        ("Bianchi", "3 Dic 2026 20:00"), ("Smith", "3 Dic 2026 14:00"),
    }


def test_audit_records_at_their_business_time(client, rome, new_york):
    owner = UserFactory()
    for tenant in (rome, new_york):
        MembershipFactory(user=owner, tenant=tenant, role=TenantMembership.Role.OWNER)
        event = AuditEvent.objects.create(tenant=tenant, actor=owner, actor_label="owner", action="token_set",
                                          target=f"{tenant.name} token")
        _at(event, created_at=MOMENT)
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("admin:tenants_auditevent_changelist")).content.decode()
    assert set(zip(_cells(html, "created_at"), _cells(html, "target"), strict=True)) == {
        ("3 Dec 2026 20:00", "Trattoria Roma token"), ("3 Dec 2026 14:00", "Diner NYC token"),
    }
    ny_event = AuditEvent.objects.get(tenant=new_york)
    assert str(ny_event) == "3 Dec 2026 14:00 owner: Token or secret set (Diner NYC token)"


def test_the_tenant_pages_closures_are_on_the_business_clock(operator, new_york):
    new_york.closure_set.create(starts_at=MOMENT, ends_at=datetime(2026, 12, 4, 19, tzinfo=UTC), reason="Inventory")
    page = operator.get(reverse("admin:tenants_tenant_change", args=[new_york.pk])).content.decode()
    assert re.search(r'name="closure_set-0-starts_at_1" value="14:00:00"', page)


def test_a_staff_member_of_one_business_never_sees_anothers_messages(client, rome, new_york):
    other = MessageFactory(conversation=ConversationFactory(customer=CustomerFactory(tenant=new_york)))
    client.force_login(MembershipFactory(tenant=rome).user)
    assert client.get(reverse("admin:conversations_message_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:conversations_message_history", args=[other.pk])).status_code == 404
    listed = client.get(reverse("admin:conversations_message_changelist")).context["cl"].result_list
    assert list(listed) == []
