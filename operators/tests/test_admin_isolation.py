"""Nothing of tenant B reaches a staff member of tenant A through any admin page.

Not only the row lists and the change pages (test_admin_scoping.py): the ways an
admin page shows a *referenced* row: the label next to a raw-id input, the options
of an autocomplete, the add form prefilled from the query string, the change list
filtered by a foreign key. Tenant B's rows carry marker strings; the tests walk every
registered admin with B's ids in every foreign-key and many-to-many parameter and
look for the markers in what comes back.
"""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from bookings.tests.factories import (
    AppointmentFactory,
    ClosureFactory,
    OpeningHoursFactory,
    ResourceFactory,
    ServiceFactory,
)
from chatwoot.models import ChatwootConnection
from conversations.tests.factories import MessageFactory
from reminders.models import MessageTemplate, Purpose, ReminderSettings
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

MARKER = "Zqxmarker"


def _tenant_seed(slug: str, marker: str) -> dict:
    """One row of every tenant-owned model, each showing ``marker`` wherever it names itself."""
    tenant = TenantFactory(slug=slug, name=f"{marker} Tenant", address=f"{marker} street 1")
    first = MessageFactory(
        conversation__customer__tenant=tenant,
        conversation__customer__display_name=f"{marker} Customer",
        conversation__customer__phone=f"39{abs(hash(marker)) % 10**9:09d}",
        text=f"{marker} first secret message",
    )
    reply = MessageFactory(
        conversation=first.conversation, direction="out", text=f"{marker} reply", reply_to=first,
    )
    resource = ResourceFactory(tenant=tenant, name=f"{marker} table")
    service = ServiceFactory(tenant=tenant, name_it=f"{marker} servizio", name_en=f"{marker} service")
    resource.services.add(service)
    membership = MembershipFactory(tenant=tenant, user__username=f"{marker.lower()}user",
                                   role=TenantMembership.Role.OWNER)
    rows = {
        "tenant": tenant,
        "service": service,
        "openinghours": OpeningHoursFactory(tenant=tenant),
        "closure": ClosureFactory(tenant=tenant, reason=f"{marker} closed"),
        "resource": resource,
        "customer": first.conversation.customer,
        "conversation": first.conversation,
        "message": reply,
        "appointment": AppointmentFactory(
            tenant=tenant, customer=first.conversation.customer, resource=resource, service=service,
            notes=f"{marker} notes",
        ),
        "remindersettings": ReminderSettings.objects.create(tenant=tenant),
        "messagetemplate": MessageTemplate.objects.create(
            tenant=tenant, purpose=Purpose.REMINDER, language="it", name=f"{marker.lower()}_template",
        ),
        "chatwootconnection": ChatwootConnection.objects.create(
            tenant=tenant, base_url=f"https://{marker.lower()}.example", account_id=4242,
        ),
        "tenantmembership": membership,
        "user": membership.user,
    }
    return rows


def _b_markers(rows: dict) -> list[str]:
    customer = rows["customer"]
    return [MARKER, MARKER.lower(), customer.phone, rows["appointment"].reference]


@pytest.fixture
def tenants_seeded():
    return _tenant_seed("a", "Alpha"), _tenant_seed("b", MARKER)


@pytest.fixture(params=[TenantMembership.Role.STAFF, TenantMembership.Role.OWNER])
def member_of_a(request, client, tenants_seeded):
    rows_a, _ = tenants_seeded
    client.force_login(MembershipFactory(tenant=rows_a["tenant"], role=request.param).user)
    return client


def _row_of(rows: dict, model) -> object | None:
    return rows.get(model._meta.model_name)


def _relation_params(model, rows: dict) -> dict[str, str]:
    """Every forward foreign-key / many-to-many field of ``model``, given B's row of the model it points to."""
    params = {}
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete):
            continue
        target = _row_of(rows, field.related_model)
        if target is not None:
            params[field.name] = str(target.pk)
    return params


def _registered_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, action: str, *args) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)
    except NoReverseMatch:
        return None


def _pages_with_b_ids(model, rows_a: dict, rows_b: dict) -> list[str]:
    params = _relation_params(model, rows_b)
    filters = {f"{name}__id__exact": value for name, value in params.items()}
    pages = []
    query = urlencode({**params, "_changelist_filters": urlencode(filters)})
    add = _url(model, "add")
    if add:
        pages.append(f"{add}?{query}")
    own = _row_of(rows_a, model)
    change = own is not None and _url(model, "change", own.pk)
    if change:
        pages.append(f"{change}?{query}")
    changelist = _url(model, "changelist")
    for name, value in filters.items():
        pages.append(f"{changelist}?{urlencode({name: value})}")
    return pages


def _assert_nothing_of_b(response, rows_b: dict, page: str) -> None:
    assert response.status_code < 500, page
    body = response.content.decode()
    for marker in _b_markers(rows_b):
        assert marker not in body, f"{marker!r} of tenant B shown on {page}"


def test_member_of_a_sees_nothing_of_b_with_b_ids_in_any_admin_page(member_of_a, tenants_seeded):
    rows_a, rows_b = tenants_seeded
    walked = 0
    for model, _model_admin in _registered_admins():
        for page in _pages_with_b_ids(model, rows_a, rows_b):
            _assert_nothing_of_b(member_of_a.get(page), rows_b, page)
            walked += 1
    assert walked > 30  # the walk reached the admins (a broken URL builder would pass vacuously)


def _autocomplete_sources():
    """(model, field name) of every autocomplete field of every admin and of their inlines."""
    for model, model_admin in _registered_admins():
        for field_name in model_admin.autocomplete_fields:
            yield model, field_name
        for inline in model_admin.inlines:
            for field_name in inline.autocomplete_fields:
                yield inline.model, field_name


def test_member_of_a_finds_nothing_of_b_in_any_autocomplete(member_of_a, tenants_seeded):
    _, rows_b = tenants_seeded
    sources = list(_autocomplete_sources())
    assert sources  # the admin has autocomplete fields: the walk must not be empty
    for model, field_name in sources:
        for term in ("", MARKER, rows_b["customer"].phone):
            query = {
                "app_label": model._meta.app_label, "model_name": model._meta.model_name,
                "field_name": field_name, "term": term,
            }
            page = f"{reverse('admin:autocomplete')}?{urlencode(query)}"
            _assert_nothing_of_b(member_of_a.get(page), rows_b, page)


def test_raw_id_label_of_own_row_is_shown(member_of_a, tenants_seeded):
    rows_a, _ = tenants_seeded
    query = urlencode({"conversation": rows_a["conversation"].pk, "reply_to": rows_a["message"].pk})
    response = member_of_a.get(f"{reverse('admin:conversations_message_add')}?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Customer" in body
    assert "Alpha reply" in body


def test_add_form_keeps_own_initial_values_and_drops_other_tenants(member_of_a, tenants_seeded):
    rows_a, rows_b = tenants_seeded
    query = urlencode({"customer": rows_b["customer"].pk, "service": rows_a["service"].pk})
    response = member_of_a.get(f"{reverse('admin:bookings_appointment_add')}?{query}")
    form = response.context["adminform"].form
    assert form.initial.get("service") == str(rows_a["service"].pk)
    assert "customer" not in form.initial


def test_superuser_sees_other_tenants_raw_id_labels(client, tenants_seeded):
    _, rows_b = tenants_seeded
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    query = urlencode({"conversation": rows_b["conversation"].pk, "reply_to": rows_b["message"].pk})
    response = client.get(f"{reverse('admin:conversations_message_add')}?{query}")
    body = response.content.decode()
    assert f"{MARKER} Customer" in body
    assert f"{MARKER} reply" in body


@pytest.mark.parametrize("list_filter", [("conversation",), (("conversation", admin.RelatedFieldListFilter),)])
def test_a_plain_foreign_key_list_filter_offers_only_own_rows(rf, tenants_seeded, list_filter):
    from conversations.admin import MessageAdmin
    from conversations.models import Message

    rows_a, _ = tenants_seeded
    # A second conversation of A's: a filter with one choice is not shown at all.
    MessageFactory(conversation__customer__tenant=rows_a["tenant"], conversation__customer__display_name="Alpha Two")
    probe = type("ProbeMessageAdmin", (MessageAdmin,), {"list_filter": list_filter})(Message, admin.site)
    request = rf.get(reverse("admin:conversations_message_changelist"))
    request.user = MembershipFactory(tenant=rows_a["tenant"]).user
    response = probe.changelist_view(request)
    response.render()
    body = response.content.decode()
    assert "Alpha Customer" in body  # the filter is there, with A's conversation
    assert MARKER not in body
