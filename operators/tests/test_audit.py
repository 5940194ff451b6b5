"""The audit trail: every token change is recorded (never the token); owners read their own
tenant's records; nobody edits or deletes one through the admin."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from chatwoot.tests.conftest import connection_create
from operators.tests.conftest import WORKING_TOKEN
from tenants.audit import audit_record
from tenants.models import AuditEvent, Tenant, TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT_LIST = reverse("admin:tenants_auditevent_changelist")
NEW_TOKEN = "EAAG-brand-new-token-9f8e7d"
NEW_BOT_TOKEN = "cw-bot-token-new-3x7y9z"
NEW_SECRET = "a-brand-new-webhook-secret-42"


def _only_event() -> AuditEvent:
    (event,) = AuditEvent.objects.all()
    return event


def _fields(event: AuditEvent) -> tuple:
    return event.tenant_id, event.actor_id, event.actor_label, event.action, event.target


def _tenant_page_post(client, tenant: Tenant, **changes):
    url = reverse("admin:tenants_tenant_change", args=[tenant.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    data.update(changes)
    for prefix in ("service_set", "openinghours_set", "closure_set", "resource_set", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return client.post(url, data)


def test_a_token_set_on_the_tenant_page_is_recorded_without_the_token(client):
    tenant = TenantFactory()
    owner = MembershipFactory(tenant=tenant, role=TenantMembership.Role.OWNER, user__username="paola").user
    client.force_login(owner)
    assert _tenant_page_post(client, tenant, new_whatsapp_access_token=NEW_TOKEN).status_code == 302
    event = _only_event()
    assert _fields(event) == (tenant.pk, owner.pk, "paola", AuditEvent.Action.TOKEN_SET, "WhatsApp access token")
    assert NEW_TOKEN not in str(AuditEvent.objects.values().get())


def test_a_token_removed_on_the_tenant_page_is_recorded(admin_client, admin_user):
    tenant = TenantFactory()
    _tenant_page_post(admin_client, tenant, clear_instagram_access_token="on")
    assert _fields(_only_event()) == (
        tenant.pk, admin_user.pk, admin_user.username, AuditEvent.Action.TOKEN_CLEARED, "Instagram access token"
    )


def test_saving_the_tenant_page_without_a_token_change_records_nothing(admin_client):
    tenant = TenantFactory()
    assert _tenant_page_post(admin_client, tenant, name="Renamed").status_code == 302
    assert not AuditEvent.objects.exists()


def test_chatwoot_secret_changes_are_recorded(client):
    connection = connection_create()
    owner = MembershipFactory(tenant=connection.tenant, role=TenantMembership.Role.OWNER, user__username="ugo").user
    client.force_login(owner)
    response = client.post(reverse("admin:chatwoot_chatwootconnection_change", args=[connection.pk]), {
        "tenant": connection.tenant.pk, "base_url": connection.base_url, "account_id": 1, "inbox_ids": "",
        "is_active": "on", "new_bot_access_token": NEW_BOT_TOKEN, "clear_webhook_secret": "on",
    })
    assert response.status_code == 302
    events = {(e.action, e.target): (e.tenant_id, e.actor_id, e.actor_label) for e in AuditEvent.objects.all()}
    assert events == {
        (AuditEvent.Action.TOKEN_SET, "Chatwoot bot token"): (connection.tenant_id, owner.pk, "ugo"),
        (AuditEvent.Action.TOKEN_CLEARED, "Chatwoot webhook secret"): (connection.tenant_id, owner.pk, "ugo"),
    }
    assert NEW_BOT_TOKEN not in str(list(AuditEvent.objects.values()))


def test_set_tenant_token_records_the_operator():
    tenant = TenantFactory()
    call_command("set_tenant_token", tenant.slug, stdin=io.StringIO(WORKING_TOKEN + "\n"), stdout=io.StringIO())
    assert _fields(_only_event()) == (
        tenant.pk, None, "manage.py set_tenant_token", AuditEvent.Action.TOKEN_SET, "WhatsApp access token"
    )


# --- the list ---------------------------------------------------------------------------


@pytest.fixture
def two_trails():
    a, b = TenantFactory(name="Tenant A"), TenantFactory(name="Tenant B")
    audit_record(tenant=a, actor=None, actor_label="manage.py erase_customer",
                 action=AuditEvent.Action.PERSONAL_DATA_ERASE, target="customer 1")
    audit_record(tenant=b, actor=None, actor_label="manage.py erase_customer",
                 action=AuditEvent.Action.PERSONAL_DATA_ERASE, target="customer 2")
    return a, b


def test_owners_see_only_their_own_tenants_records(client, two_trails):
    a, b = two_trails
    client.force_login(MembershipFactory(tenant=a, role=TenantMembership.Role.OWNER).user)
    response = client.get(AUDIT_LIST)
    assert response.status_code == 200
    assert [e.target for e in response.context["cl"].result_list] == ["customer 1"]
    other = AuditEvent.objects.get(tenant=b)
    assert client.get(reverse("admin:tenants_auditevent_change", args=[other.pk])).status_code == 302  # not theirs


def test_nobody_adds_changes_or_deletes_a_record_through_the_admin(admin_client, two_trails):
    event = AuditEvent.objects.get(tenant=two_trails[0])
    assert admin_client.get(reverse("admin:tenants_auditevent_add")).status_code == 403
    change = reverse("admin:tenants_auditevent_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"target": "customer 99"}).status_code == 403
    assert admin_client.post(reverse("admin:tenants_auditevent_delete", args=[event.pk]), {"post": "yes"}) \
        .status_code == 403
    response = admin_client.post(AUDIT_LIST, {"action": "delete_selected", "_selected_action": [event.pk],
                                              "post": "yes"})
    assert response.status_code == 200  # no such action: the list again
    assert AuditEvent.objects.get(pk=event.pk).target == "customer 1"


def test_staff_who_are_not_owners_do_not_see_the_records(client, two_trails):
    client.force_login(MembershipFactory(tenant=two_trails[0]).user)
    assert client.get(AUDIT_LIST).status_code == 403


def test_a_record_keeps_who_did_it_after_the_user_is_gone():
    tenant = TenantFactory()
    user = UserFactory(username="former")
    audit_record(tenant=tenant, actor=user, action=AuditEvent.Action.TOKEN_SET, target="WhatsApp access token")
    user.delete()
    event = _only_event()
    assert (event.actor_id, event.actor_label) == (None, "former")
