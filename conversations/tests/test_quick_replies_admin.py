"""Quick replies in the admin: each business edits its own; titles are unique within one business."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from conversations.models import QuickReply
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:conversations_quickreply_changelist")
ADD = reverse("admin:conversations_quickreply_add")


@pytest.fixture
def mine():
    return TenantFactory(name="Trattoria Uno")


@pytest.fixture
def staff(client, mine):
    client.force_login(MembershipFactory(tenant=mine).user)
    return client


def test_staff_list_only_their_own_quick_replies(staff, mine):
    own = QuickReply.objects.create(tenant=mine, title="Orari", text="12-15, 19-23")
    QuickReply.objects.create(tenant=TenantFactory(), title="Parcheggio", text="In piazza")
    response = staff.get(LIST)
    assert response.status_code == 200
    assert [q.pk for q in response.context["cl"].result_list] == [own.pk]


def test_another_tenants_quick_reply_is_404_and_unchanged(staff):
    theirs = QuickReply.objects.create(tenant=TenantFactory(), title="Parcheggio", text="In piazza")
    change = reverse("admin:conversations_quickreply_change", args=[theirs.pk])
    assert staff.get(change).status_code == 404
    assert staff.post(change, {"title": "Mio", "text": "preso"}).status_code == 404
    delete = reverse("admin:conversations_quickreply_delete", args=[theirs.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.title, theirs.text) == ("Parcheggio", "In piazza")


def test_a_new_quick_reply_lands_in_the_staffs_tenant(staff, mine):
    other = TenantFactory()
    response = staff.post(ADD, {"tenant": str(other.pk), "title": "Orari", "text": "12-15, 19-23"})
    # Another tenant is not among the choices: the form refuses it, nothing is written there.
    assert response.status_code == 200 and "tenant" in response.context["adminform"].form.errors
    assert not QuickReply.objects.filter(tenant=other).exists()
    response = staff.post(ADD, {"tenant": str(mine.pk), "title": "Orari", "text": "12-15, 19-23"})
    assert response.status_code == 302
    assert QuickReply.objects.get(title="Orari").tenant == mine


def test_one_title_per_tenant(staff, mine):
    QuickReply.objects.create(tenant=mine, title="Orari", text="12-15")
    response = staff.post(ADD, {"tenant": str(mine.pk), "title": "Orari", "text": "Altro"})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert QuickReply.objects.filter(tenant=mine).count() == 1
    QuickReply.objects.create(tenant=TenantFactory(), title="Orari", text="Un'altra attività")  # fine elsewhere
    with pytest.raises(IntegrityError):
        QuickReply.objects.create(tenant=mine, title="Orari", text="Doppione")
