"""API tokens: issued by `manage.py api_token`, stored hashed, expiring, revocable; DRF's plain tokens are gone."""

import binascii
import os
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tenants.api_tokens import api_token_create
from tenants.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/appointments"


def _get_with(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(API)


def _api_token(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("api_token", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def staff():
    return MembershipFactory().user


def test_a_token_created_by_the_command_authenticates_the_api(staff):
    stdout, stderr = _api_token("create", staff.username)
    token = stdout.strip()
    assert len(token) == 64 and "\n" not in token  # the token alone on stdout
    assert token not in stderr and token[:15] in stderr and "cannot be shown again" in stderr
    response = _get_with(token)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_database_holds_no_plaintext_token(staff):
    token = api_token_create(user=staff).token
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(AuthToken._meta.db_table)}")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored
    assert token[15:] not in stored  # only knox's short lookup prefix is kept in clear


def test_a_token_expires_after_the_configured_days(staff, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    issued = api_token_create(user=staff)
    assert issued.expiry == pytest.approx(timezone.now() + timedelta(days=30), abs=timedelta(seconds=5))
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert _get_with(issued.token).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        assert _get_with(issued.token).status_code == 401
    assert not AuthToken.objects.filter(user=staff).exists()  # knox deletes it when refused


def test_using_a_token_does_not_extend_it(staff):
    issued = api_token_create(user=staff)
    _get_with(issued.token)
    assert AuthToken.objects.get(user=staff).expiry == issued.expiry


def test_rotation_new_token_then_revoke_the_old_one(staff):
    old = api_token_create(user=staff)
    new_token = _api_token("create", staff.username)[0].strip()
    listed = _api_token("list", staff.username)[0]
    assert old.key in listed and new_token[:15] in listed and old.token not in listed

    assert _api_token("revoke", staff.username, old.key)[0].strip() == f"1 API token(s) of {staff.username} revoked."
    assert _get_with(old.token).status_code == 401
    assert _get_with(new_token).status_code == 200


def test_revoke_all_ends_every_token_of_the_user(staff):
    tokens = [api_token_create(user=staff).token for _ in range(2)]
    other = api_token_create(user=MembershipFactory().user).token
    _api_token("revoke", staff.username, "--all")
    assert [_get_with(token).status_code for token in tokens] == [401, 401]
    assert _get_with(other).status_code == 200


def test_revoking_an_unknown_key_is_an_error(staff):
    api_token_create(user=staff)
    with pytest.raises(CommandError, match="has no token deadbeef"):
        _api_token("revoke", staff.username, "deadbeef")
    with pytest.raises(CommandError, match="or pass --all"):
        _api_token("revoke", staff.username)
    assert AuthToken.objects.filter(user=staff).count() == 1


def test_only_active_staff_get_a_token():
    customer_like = UserFactory(is_staff=False)
    with pytest.raises(CommandError, match="is not an active staff user"):
        _api_token("create", customer_like.username)
    with pytest.raises(CommandError, match="No user nobody"):
        _api_token("create", "nobody")
    assert not AuthToken.objects.exists()


def test_an_old_drf_token_header_no_longer_authenticates(staff):
    assert not apps.is_installed("rest_framework.authtoken")
    drf_key = binascii.hexlify(os.urandom(20)).decode()  # what DRF issued: 40 hex characters
    assert _get_with(drf_key).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_plaintext_token_table():
    from importlib import import_module

    migration = import_module("tenants.migrations.0007_drop_plaintext_api_tokens")
    with connection.schema_editor() as editor:
        editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)")
        editor.execute("INSERT INTO authtoken_token VALUES ('plaintext-key', 1)")
    with connection.schema_editor() as editor:
        migration.drf_token_table_drop(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
