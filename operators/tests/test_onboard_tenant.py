"""manage.py onboard_tenant: from a file or flags, all or nothing, token never on the command line."""

import contextlib
import io
import sys
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from bookings.models import Closure, OpeningHours, Resource, Service
from operators.tests.conftest import EXPIRED_TOKEN, PHONE_NUMBER_ID, WORKING_TOKEN
from tenants.models import Tenant, TenantMembership
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

SALON_YAML = """
name: Salone Bella
slug: salone-bella
kind: salon
timezone: Europe/Rome
language: it
address: Corso Italia 10, Milano
whatsapp:
  phone_number_id: "106540352242999"
  business_account_id: "102290129340398"
  display_phone_number: "+39 333 111 2222"
booking:
  slot_minutes: 15
  cancellation_cutoff_hours: 24
opening_hours:
  tue-fri: ["09:00-13:00", "14:00-19:00"]
  sat: [{opens: 09:00, closes: 17:00}]
closures:
  - {from: 2026-12-24, to: 2026-12-26, reason: Natale}
services:
  - {name_it: Taglio donna, name_en: Women's haircut, duration_minutes: 45, price: 35.00, aliases: [taglio, haircut]}
  - {name_it: Colore, name_en: Colour, duration_minutes: 90, buffer_minutes: 15, price: 60}
resources:
  - {kind: staff, name: Giulia, services: [Taglio donna, Colore]}
  - {kind: staff, name: Marco, services: [Taglio donna]}
"""


def _snapshot() -> tuple:
    return tuple(
        model.objects.count()
        for model in (Tenant, Service, Resource, OpeningHours, Closure, TenantMembership, get_user_model())
    )


def _run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """The command as the shell runs it: argv parsing, exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    # run_from_argv closes every connection when done, which would end the test's transaction.
    no_close = mock.patch("django.core.management.base.connections.close_all")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), no_close:
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            ManagementUtility(["manage.py", *argv]).execute()
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        finally:
            sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def salon_file(tmp_path):
    path = tmp_path / "salone.yaml"
    path.write_text(SALON_YAML)
    return path


def test_onboarding_from_a_file_creates_everything(salon_file, monkeypatch):
    monkeypatch.setenv("SALONE_TOKEN", WORKING_TOKEN)
    code, out, err = _run("onboard_tenant", "--file", str(salon_file), "--token-env", "SALONE_TOKEN",
                          "--base-url", "https://lyo.example.com")
    assert code == 0, err
    tenant = Tenant.objects.get(slug="salone-bella")
    assert (tenant.name, tenant.kind, tenant.timezone, tenant.whatsapp_phone_number_id) == (
        "Salone Bella", "salon", "Europe/Rome", PHONE_NUMBER_ID
    )
    assert (tenant.whatsapp_business_account_id, tenant.slot_minutes, tenant.cancellation_cutoff_hours) == (
        "102290129340398", 15, 24
    )
    assert tenant.whatsapp_access_token == WORKING_TOKEN
    assert OpeningHours.objects.filter(tenant=tenant).count() == 9  # 4 days x 2 + Saturday
    assert OpeningHours.objects.filter(tenant=tenant, weekday=5).get().closes.hour == 17
    closure = Closure.objects.get(tenant=tenant)
    # Whole days in Rome: from the 24th 00:00 (23:00 UTC on the 23rd) to the 27th 00:00.
    assert (closure.starts_at, closure.ends_at) == (
        datetime(2026, 12, 23, 23, tzinfo=UTC), datetime(2026, 12, 26, 23, tzinfo=UTC)
    )
    assert sorted(Service.objects.filter(tenant=tenant).values_list("name_it", "duration_minutes", "buffer_minutes")) \
        == [("Colore", 90, 15), ("Taglio donna", 45, 0)]
    giulia = Resource.objects.get(tenant=tenant, name="Giulia")
    assert sorted(giulia.services.values_list("name_it", flat=True)) == ["Colore", "Taglio donna"]
    assert "Created tenant Salone Bella (salone-bella)" in out
    assert "Callback URL:  https://lyo.example.com/webhooks/whatsapp" in out
    assert "Verify token:  test-verify-token" in out
    assert "subscribe to `messages`" in out
    assert WORKING_TOKEN not in out + err


# SALON_YAML, as the same document in JSON.
SALON_JSON = """
{
  "name": "Salone Bella",
  "slug": "salone-bella",
  "kind": "salon",
  "timezone": "Europe/Rome",
  "language": "it",
  "address": "Corso Italia 10, Milano",
  "whatsapp": {
    "phone_number_id": "106540352242999",
    "business_account_id": "102290129340398",
    "display_phone_number": "+39 333 111 2222"
  },
  "booking": {"slot_minutes": 15, "cancellation_cutoff_hours": 24},
  "opening_hours": {
    "tue-fri": ["09:00-13:00", "14:00-19:00"],
    "sat": [{"opens": "09:00", "closes": "17:00"}]
  },
  "closures": [{"from": "2026-12-24", "to": "2026-12-26", "reason": "Natale"}],
  "services": [
    {"name_it": "Taglio donna", "name_en": "Women's haircut", "duration_minutes": 45, "price": 35.00,
     "aliases": ["taglio", "haircut"]},
    {"name_it": "Colore", "name_en": "Colour", "duration_minutes": 90, "buffer_minutes": 15, "price": 60}
  ],
  "resources": [
    {"kind": "staff", "name": "Giulia", "services": ["Taglio donna", "Colore"]},
    {"kind": "staff", "name": "Marco", "services": ["Taglio donna"]}
  ]
}
"""
_NOT_CONTENT = {"id", "tenant", "tenant_id", "created_at", "updated_at"}


def _tenant_contents(slug: str) -> dict:
    """Everything onboarding wrote for the tenant, without ids and timestamps."""
    tenant = Tenant.objects.get(slug=slug)

    def content(row: dict) -> dict:
        return {k: v for k, v in row.items() if k not in _NOT_CONTENT}

    def rows(model, *order):
        return [content(row) for row in model.objects.filter(tenant=tenant).order_by(*order).values()]

    return {
        "tenant": content(Tenant.objects.filter(pk=tenant.pk).values().get()),
        "opening_hours": rows(OpeningHours, "weekday", "opens"),
        "closures": rows(Closure, "starts_at"),
        "services": rows(Service, "name_it"),
        "resources": rows(Resource, "name"),
        "resource_services": sorted(
            Resource.objects.filter(tenant=tenant).values_list("name", "services__name_it")
        ),
        "memberships": list(TenantMembership.objects.filter(tenant=tenant).values_list("user__username", "role")),
    }


def test_a_json_file_onboards_exactly_what_the_same_yaml_does(salon_file, tmp_path):
    call_command("onboard_tenant", file=salon_file, stdout=io.StringIO())
    from_yaml = _tenant_contents("salone-bella")
    Tenant.objects.get(slug="salone-bella").delete()
    assert _snapshot()[:5] == (0, 0, 0, 0, 0)

    json_file = tmp_path / "salone.json"
    json_file.write_text(SALON_JSON)
    out = io.StringIO()
    call_command("onboard_tenant", file=json_file, stdout=out)

    assert "Created tenant Salone Bella (salone-bella)" in out.getvalue()
    from_json = _tenant_contents("salone-bella")
    assert from_json == from_yaml
    # Not two empty shapes that happen to agree: the document's contents are there.
    assert (from_json["tenant"]["name"], from_json["tenant"]["whatsapp_phone_number_id"]) == (
        "Salone Bella", PHONE_NUMBER_ID
    )
    assert (len(from_json["opening_hours"]), len(from_json["closures"])) == (9, 1)
    services = [
        (s["name_it"], s["duration_minutes"], s["buffer_minutes"], str(s["price"])) for s in from_json["services"]
    ]
    assert services == [("Colore", 90, 15, "60.00"), ("Taglio donna", 45, 0, "35.00")]
    assert from_json["resource_services"] == [
        ("Giulia", "Colore"), ("Giulia", "Taglio donna"), ("Marco", "Taglio donna")
    ]


def test_running_it_again_updates_without_duplicating(salon_file):
    call_command("onboard_tenant", file=salon_file, stdout=io.StringIO())
    first = _snapshot()
    call_command("onboard_tenant", file=salon_file, address="Via Po 2", stdout=io.StringIO())
    assert _snapshot() == first
    assert Tenant.objects.get(slug="salone-bella").address == "Via Po 2"


def test_flags_alone_onboard_a_restaurant():
    out = io.StringIO()
    call_command(
        "onboard_tenant", slug="da-mario", name="Da Mario", kind="restaurant", timezone="Europe/Rome",
        phone_number_id="106540352242000", hours=["tue-sun 12:00-15:00 last 14:00 19:00-23:30 last 22:00"],
        slot_minutes="30", stdout=out,
    )
    tenant = Tenant.objects.get(slug="da-mario")
    assert tenant.slot_minutes == 30
    assert OpeningHours.objects.filter(tenant=tenant).count() == 12
    assert OpeningHours.objects.filter(tenant=tenant, last_start__hour=22).count() == 6
    # Honest about what is missing.
    assert "Warning: no access token" in out.getvalue()
    assert "Warning: no active tables" in out.getvalue()


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("timezone: Europe/Rome", "timezone: Europe/Roma"), "timezone: 'Europe/Roma' is not an IANA time zone name"),
        (('sat: [{opens: 09:00, closes: 17:00}]', 'sat: ["09:00-17:00", "16:00-18:00"]'),
         "opening_hours.sat: saturday 09:00-17:00 overlaps saturday 16:00-18:00"),
        (("- {kind: staff, name: Marco", "- {kind: staff, name: Giulia"), "resources[1].name: 'Giulia' repeats"),
    ],
)
def test_a_bad_file_exits_non_zero_naming_the_problem_and_writes_nothing(salon_file, edit, named):
    salon_file.write_text(SALON_YAML.replace(*edit))
    before = _snapshot()
    code, _, err = _run("onboard_tenant", "--file", str(salon_file), "--staff-email", "giulia@example.com")
    assert code == 1
    assert "Nothing was written" in err
    assert named in err
    assert _snapshot() == before


def test_a_phone_number_id_of_another_tenant_is_refused(salon_file):
    other = TenantFactory(name="Trattoria", slug="trattoria", whatsapp_phone_number_id=PHONE_NUMBER_ID)
    before = _snapshot()
    code, _, err = _run("onboard_tenant", "--file", str(salon_file))
    assert code == 1
    assert f"whatsapp.phone_number_id: {PHONE_NUMBER_ID} is already used by tenant 'Trattoria' (trattoria)" in err
    assert _snapshot() == before
    assert Tenant.objects.get(pk=other.pk).whatsapp_phone_number_id == PHONE_NUMBER_ID


def test_a_failure_late_in_the_write_rolls_everything_back(salon_file, monkeypatch):
    # The staff step runs last, inside the same transaction as the tenant rows.
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("operators.services.staff_member_invite", explode)
    before = _snapshot()
    with pytest.raises(RuntimeError):
        call_command("onboard_tenant", file=salon_file, staff_email="giulia@example.com", stdout=io.StringIO())
    assert _snapshot() == before


def test_verify_reports_a_working_token(salon_file, fake_graph):
    code, out, err = _run("onboard_tenant", "--file", str(salon_file), "--token-stdin", "--verify",
                          stdin=WORKING_TOKEN + "\n")
    assert code == 0, err
    assert (f"WhatsApp check: works: phone number id {PHONE_NUMBER_ID} is +39 333 111 2222 (Trattoria da Mario)"
            in out)
    (request,) = fake_graph.requests
    assert request["path"].startswith(f"/v25.0/{PHONE_NUMBER_ID}?")
    # The token travels in the Authorization header, never in the URL.
    assert request["authorization"] == f"Bearer {WORKING_TOKEN}"
    assert WORKING_TOKEN not in request["path"]
    assert Tenant.objects.get(slug="salone-bella").whatsapp_access_token == WORKING_TOKEN


def test_verify_reports_an_expired_token_and_writes_nothing(salon_file, fake_graph):
    before = _snapshot()
    code, _, err = _run("onboard_tenant", "--file", str(salon_file), "--token-stdin", "--verify",
                        stdin=EXPIRED_TOKEN)
    assert code == 3
    assert "Nothing was written. WhatsApp check: the access token is expired or invalid (Graph error 190:" in err
    assert EXPIRED_TOKEN not in err
    assert _snapshot() == before


def test_verify_reports_a_wrong_phone_number_id(salon_file, fake_graph):
    salon_file.write_text(SALON_YAML.replace("106540352242999", "106540352240000"))
    code, _, err = _run("onboard_tenant", "--file", str(salon_file), "--token-stdin", "--verify",
                        stdin=WORKING_TOKEN)
    assert code == 3
    assert "phone number id 106540352240000 is wrong, or this token has no access to it (Graph error 100" in err
    assert not Tenant.objects.exists()


def test_the_token_is_refused_on_the_command_line(salon_file):
    code, out, err = _run("onboard_tenant", "--file", str(salon_file), "--token", "tok-on-argv-123456789")
    assert code == 1
    assert "never taken from the command line" in err
    assert "tok-on-argv-123456789" not in out + err
    assert not Tenant.objects.exists()


def test_no_option_takes_a_token_value():
    from operators.management.commands.onboard_tenant import Command

    parser = Command().create_parser("manage.py", "onboard_tenant")
    takes_token = [a.option_strings for a in parser._actions if "token" in a.dest and a.dest != "token_on_argv"]
    # --token-env takes the *name* of a variable, --token-stdin nothing.
    assert sorted(takes_token) == [["--token-env"], ["--token-stdin"]]


def test_staff_email_creates_a_login_with_a_one_time_password_link(salon_file, client):
    out = io.StringIO()
    call_command("onboard_tenant", file=salon_file, staff_email="Giulia@Example.com",
                 base_url="https://lyo.example.com", stdout=out)
    user = get_user_model().objects.get(email="giulia@example.com")
    assert user.is_staff and not user.has_usable_password()
    membership = TenantMembership.objects.get(user=user)
    assert (membership.tenant.slug, membership.role) == ("salone-bella", "owner")
    (link_line,) = [line for line in out.getvalue().splitlines() if "One-time link" in line]
    path = link_line.split("https://lyo.example.com", 1)[1]

    # The link works once: it leads to a form that sets the password.
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "a-Long-pass-2026", "new_password2": "a-Long-pass-2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-Long-pass-2026")
    assert client.get(path, follow=True).context["validlink"] is False


def test_staff_password_prints_a_generated_password(salon_file):
    out = io.StringIO()
    call_command("onboard_tenant", file=salon_file, staff_email="marco@example.com", staff_password=True, stdout=out)
    (line,) = [line for line in out.getvalue().splitlines() if "Password (shown once)" in line]
    password = line.rsplit(" ", 1)[1]
    assert get_user_model().objects.get(email="marco@example.com").check_password(password)


def test_a_bad_staff_email_writes_nothing(salon_file):
    with pytest.raises(CommandError, match="--staff-email: 'giulia' is not an email address"):
        call_command("onboard_tenant", file=salon_file, staff_email="giulia", stdout=io.StringIO())
    assert not Tenant.objects.exists()


def test_verify_says_when_meta_cannot_be_reached(salon_file, settings):
    settings.GRAPH_API_BASE = "http://127.0.0.1:9"  # nothing listens
    code, _, err = _run("onboard_tenant", "--file", str(salon_file), "--token-stdin", "--verify",
                        stdin=WORKING_TOKEN)
    assert code == 3
    assert "Nothing was written. WhatsApp check: could not verify: Graph API unreachable (ConnectionError)" in err
    assert not Tenant.objects.exists()
