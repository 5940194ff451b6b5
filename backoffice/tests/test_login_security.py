"""The admin login: wrong passwords lock the account out (a superuser unlocks it), two-factor codes for staff
(required for owners with LYO_REQUIRE_2FA), in the visitor's language."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.login_throttling import client_ip_address
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
SETUP = reverse("admin:two_factor_setup")
VERIFY = reverse("admin:two_factor_verify")


PASSWORD = "pw"  # UserFactory's


def _log_in(client, username: str, password: str = PASSWORD, **headers):
    return client.post(LOGIN, {"username": username, "password": password, "next": INDEX}, **headers)


def _code(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += later * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def staff_user():
    return MembershipFactory(tenant=TenantFactory(language="en"), role=TenantMembership.Role.STAFF).user


@pytest.fixture
def owner():
    return MembershipFactory(tenant=TenantFactory(language="en"), role=TenantMembership.Role.OWNER).user


@pytest.fixture
def two_factor_required(settings):
    settings.LYO_REQUIRE_2FA = True


# --- Lockout ---------------------------------------------------------------------


def test_six_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, staff_user):
    for _ in range(4):
        assert _log_in(client, staff_user.username, "wrong").status_code == 200  # the form again
    # The fifth failure (AXES_FAILURE_LIMIT) locks; the sixth is refused outright.
    assert _log_in(client, staff_user.username, "wrong").status_code == 429
    assert _log_in(client, staff_user.username, "wrong").status_code == 429
    response = _log_in(client, staff_user.username, "pw")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_superuser_unlocks_a_locked_out_account_in_the_admin(client, staff_user):
    for _ in range(6):
        _log_in(client, staff_user.username, "wrong")
    assert _log_in(client, staff_user.username).status_code == 429

    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "operator-pw")
    from django.test import Client

    admin_client = Client()
    admin_client.force_login(operator)
    attempts = AccessAttempt.objects.filter(username=staff_user.username)
    assert attempts.count() == 1
    response = admin_client.post(reverse("admin:axes_accessattempt_changelist"), {
        "action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes",
    })
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=staff_user.username).exists()

    response = _log_in(client, staff_user.username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_a_right_password_forgets_earlier_failures(client, staff_user):
    for _ in range(4):
        _log_in(client, staff_user.username, "wrong")
    assert _log_in(client, staff_user.username).status_code == 302
    client.logout()
    for _ in range(4):
        _log_in(client, staff_user.username, "wrong")
    assert _log_in(client, staff_user.username).status_code == 302


def test_the_lockout_page_speaks_italian_to_an_italian_browser(client, staff_user):
    for _ in range(6):
        _log_in(client, staff_user.username, "wrong")
    response = _log_in(client, staff_user.username, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")
    assert response.status_code == 429
    assert "Troppi accessi non riusciti" in response.content.decode()


def test_the_login_page_speaks_italian_to_an_italian_browser(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    assert "Nome utente" in response.content.decode()


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip_address(request) == "10.0.0.5"


def test_behind_one_trusted_proxy_the_address_it_saw_counts_not_what_the_client_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"  # forged, then the ALB's
    )
    assert client_ip_address(request) == "203.0.113.9"
    assert client_ip_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, staff_user):
    for n in range(6):
        _log_in(client, staff_user.username, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _log_in(client, staff_user.username, HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == 429


# --- Two-factor ------------------------------------------------------------------


def test_owner_without_a_device_is_sent_to_setup_and_cannot_open_admin_pages(client, owner, two_factor_required):
    response = _log_in(client, owner.username)
    assert response.status_code == 302
    for page in (INDEX, reverse("admin:tenants_tenant_changelist"), reverse("admin:backoffice_day"),
                 reverse("admin:bookings_appointment_changelist")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(SETUP), page
    # Nor through the session-authenticated API.
    assert client.get("/api/appointments/").status_code == 403


def test_owner_confirms_a_code_and_then_uses_the_admin(client, owner, two_factor_required):
    _log_in(client, owner.username)
    response = client.get(SETUP)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "<img" not in page  # drawn by the app, nothing fetched from elsewhere
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert response.context["secret"].replace(" ", "") in page.replace(" ", "")

    response = client.post(SETUP, {"token": _code(device), "next": INDEX})
    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(INDEX).status_code == 200


def test_a_wrong_code_does_not_confirm_the_device(client, owner, two_factor_required):
    _log_in(client, owner.username)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=owner)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert "Wrong or expired code" in response.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(INDEX)["Location"].startswith(SETUP)


def test_owner_with_a_device_enters_a_code_at_login(client, owner, two_factor_required):
    device = TOTPDevice.objects.create(user=owner, name="Lyo", confirmed=True)
    _log_in(client, owner.username)
    response = client.get(INDEX)
    assert response["Location"].startswith(VERIFY)
    # The setup page is no way around the code.
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"token": _code(device)})["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_a_wrong_code_at_login_is_refused(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="Lyo", confirmed=True)
    _log_in(client, owner.username)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert response.status_code == 200
    assert "Wrong or expired code" in response.content.decode()
    assert client.get(INDEX)["Location"].startswith(VERIFY)


def test_staff_who_are_not_owners_are_not_forced(client, staff_user, two_factor_required):
    _log_in(client, staff_user.username)
    assert client.get(INDEX).status_code == 200


def test_staff_may_opt_in_and_then_enter_a_code_at_each_login(client, staff_user):
    _log_in(client, staff_user.username)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff_user)
    assert client.post(SETUP, {"token": _code(device)}).status_code == 302
    client.logout()
    _log_in(client, staff_user.username)
    assert client.get(INDEX)["Location"].startswith(VERIFY)


def test_owners_are_not_forced_when_the_setting_is_off(client, owner):
    _log_in(client, owner.username)
    assert client.get(INDEX).status_code == 200


def test_two_factor_pages_speak_italian_to_an_italian_business(client, two_factor_required):
    owner = MembershipFactory(tenant=TenantFactory(language="it"), role=TenantMembership.Role.OWNER).user
    _log_in(client, owner.username)
    page = client.get(SETUP).content.decode()
    assert "Attiva la verifica in due passaggi" in page
    device = TOTPDevice.objects.get(user=owner)
    device.confirmed = True
    device.save()
    client.logout()
    _log_in(client, owner.username)
    page = client.get(VERIFY).content.decode()
    assert "Inserisci il codice di verifica" in page


@pytest.mark.parametrize("path", ["/webhooks/whatsapp", "/webhooks/instagram", "/health/live", "/metrics"])
def test_machine_endpoints_never_look_up_a_session_for_the_two_factor_step(path, monkeypatch):
    """Meta's deliveries and the probes carry no staff session: the two-factor gate does not touch one."""
    from backoffice import two_factor_views

    looked_up = []
    monkeypatch.setattr(two_factor_views, "two_factor_step_pending", lambda user: looked_up.append(user))
    gate = two_factor_views.TwoFactorRequiredMiddleware(lambda request: "answered")
    for request in (RequestFactory().post(path), RequestFactory().get(INDEX)):
        request.user = AnonymousUser()
        assert gate(request) == "answered"
    assert len(looked_up) == 1  # only the admin's request asked
