"""Connecting Chatwoot in the admin: owners set secrets they never see again; other tenants see nothing."""

import pytest
from django.db import connection as db_connection
from django.urls import reverse

from chatwoot.models import ChatwootConnection
from chatwoot.signature import secret_digest
from chatwoot.tests.conftest import BOT_TOKEN, SECRET, connection_create
from tenants.encryption import secret_decrypt
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:chatwoot_chatwootconnection_add")
LIST = reverse("admin:chatwoot_chatwootconnection_changelist")


def _change(connection: ChatwootConnection) -> str:
    return reverse("admin:chatwoot_chatwootconnection_change", args=[connection.pk])


def _owner_client(client, tenant):
    client.force_login(MembershipFactory(tenant=tenant, role="owner").user)
    return client


def test_owner_connects_chatwoot_and_the_secrets_are_stored_encrypted_never_shown(client):
    tenant = TenantFactory()
    owner = _owner_client(client, tenant)
    response = owner.post(ADD, {
        "tenant": tenant.pk, "base_url": "https://chat.example.com", "account_id": 1, "inbox_ids": "5, 3",
        "is_active": "on", "new_bot_access_token": BOT_TOKEN, "new_webhook_secret": SECRET,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection = ChatwootConnection.objects.get(tenant=tenant)
    assert (connection.inbox_ids, connection.bot_access_token, connection.webhook_secret) == ([3, 5], BOT_TOKEN, SECRET)
    assert connection.webhook_secret_digest == secret_digest(SECRET)

    page = owner.get(_change(connection)).content.decode()
    assert BOT_TOKEN not in page and SECRET not in page
    assert "3, 5" in page


def test_the_columns_never_hold_the_token_or_the_secret_in_clear_and_decrypt_back(client):
    tenant = TenantFactory()
    response = _owner_client(client, tenant).post(ADD, {
        "tenant": tenant.pk, "base_url": "https://chat.example.com", "account_id": 1, "inbox_ids": "3",
        "is_active": "on", "new_bot_access_token": BOT_TOKEN, "new_webhook_secret": SECRET,
    })
    assert response.status_code == 302, response.context["adminform"].form.errors

    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT bot_access_token, webhook_secret, webhook_secret_digest FROM lyo_chatwoot_connections"
            " WHERE tenant_id = %s",
            [tenant.pk.hex],
        )
        (stored_token, stored_secret, stored_digest) = cursor.fetchone()
    for stored in (stored_token, stored_secret, stored_digest):
        assert BOT_TOKEN not in stored and SECRET not in stored
    assert (secret_decrypt(stored_token), secret_decrypt(stored_secret)) == (BOT_TOKEN, SECRET)
    connection = ChatwootConnection.objects.get(tenant=tenant)
    assert (connection.bot_access_token, connection.webhook_secret) == (BOT_TOKEN, SECRET)


def test_replacing_the_bot_token_forgets_that_chatwoot_rejected_the_old_one(client):
    connection = connection_create(token_invalid_at="2026-11-25T10:00:00Z")
    owner = _owner_client(client, connection.tenant)
    response = owner.post(_change(connection), {
        "tenant": connection.tenant.pk, "base_url": connection.base_url, "account_id": 1, "inbox_ids": "3",
        "is_active": "on", "new_bot_access_token": "cw-new-token",
    })
    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.bot_access_token, connection.token_invalid_at, connection.webhook_secret) == (
        "cw-new-token", None, SECRET
    )


@pytest.mark.parametrize("secret", ["short", "has/a/slash-0123456789abcdef"])
def test_a_guessable_or_unusable_webhook_secret_is_refused(client, secret):
    tenant = TenantFactory()
    response = _owner_client(client, tenant).post(ADD, {
        "tenant": tenant.pk, "base_url": "https://chat.example.com", "account_id": 1, "new_webhook_secret": secret,
    })
    assert response.status_code == 200
    assert "new_webhook_secret" in response.context["adminform"].form.errors
    assert not ChatwootConnection.objects.exists()


def test_removing_the_secret_removes_its_digest(client):
    connection = connection_create()
    _owner_client(client, connection.tenant).post(_change(connection), {
        "tenant": connection.tenant.pk, "base_url": connection.base_url, "account_id": 1, "inbox_ids": "",
        "is_active": "on", "clear_webhook_secret": "on",
    })
    connection.refresh_from_db()
    assert (connection.webhook_secret, connection.webhook_secret_digest, connection.inbox_ids) == ("", None, [])


def test_staff_who_are_not_owners_see_the_connection_but_cannot_change_it(client):
    connection = connection_create()
    client.force_login(MembershipFactory(tenant=connection.tenant, role="staff").user)
    assert client.get(_change(connection)).status_code == 200
    response = client.post(_change(connection), {
        "tenant": connection.tenant.pk, "base_url": "https://evil.example.com", "account_id": 1,
    })
    assert response.status_code == 403
    assert ChatwootConnection.objects.get(pk=connection.pk).base_url == connection.base_url


def test_another_tenants_connection_is_a_404_and_not_listed(client):
    mine, theirs = connection_create(), connection_create(secret="theirs-secret-0123456789abcdef")
    owner = _owner_client(client, mine.tenant)
    assert owner.get(_change(theirs)).status_code == 404
    assert owner.post(_change(theirs), {"base_url": "https://evil.example.com"}).status_code == 404
    assert [c.pk for c in owner.get(LIST).context["cl"].result_list] == [mine.pk]
    assert ChatwootConnection.objects.get(pk=theirs.pk).base_url == "https://chat.example.com"


def test_one_connection_per_tenant(client):
    connection = connection_create()
    response = _owner_client(client, connection.tenant).post(ADD, {
        "tenant": connection.tenant.pk, "base_url": "https://other.example.com", "account_id": 2,
    })
    assert response.status_code == 200
    assert ChatwootConnection.objects.count() == 1
