"""The one-time "choose your password" page a new member of staff opens first."""

import pytest
from django.contrib.auth import get_user_model

from tenants.services import password_set_path
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-2026"


def _new_staff(language: str, name: str = "Trattoria Uno"):
    membership = MembershipFactory(tenant=TenantFactory(name=name, language=language), role="owner",
                                   user__username="giulia@example.com", user__email="giulia@example.com")
    user = membership.user
    user.set_unusable_password()
    user.save()
    return user


def _open(client, user, accept_language: str):
    return client.get(password_set_path(user), follow=True, HTTP_ACCEPT_LANGUAGE=accept_language)


def test_the_page_is_lyos_in_the_businesss_italian_whatever_the_browser_says(client):
    user = _new_staff("it")
    TenantFactory(name="Osteria Altrui")  # someone else's business, never named here
    response = _open(client, user, "en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "it"
    assert "<title>Scegli la tua password | Lyo</title>" in html
    assert '<a href="/admin/">Lyo</a>' in html
    assert "Django" not in html
    assert 'id="nav-sidebar"' not in html  # nothing to open before the password is set
    assert "Trattoria Uno" in html
    assert "Osteria Altrui" not in html
    assert "Benvenuto in Lyo, l'assistente di prenotazione di Trattoria Uno." in html
    assert 'value="Imposta la password ed entra"' in html


def test_an_english_business_gets_english_from_an_italian_browser(client):
    user = _new_staff("en", name="The Good Table")
    response = _open(client, user, "it-IT,it;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "<title>Choose your password | Lyo</title>" in html
    assert "Welcome to Lyo, the booking assistant of The Good Table." in html
    assert 'value="Set my password and log in"' in html


def test_the_password_errors_speak_the_businesss_language(client):
    user = _new_staff("it")
    form_url = _open(client, user, "en").redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": "something-else-2026"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "I due campi password non corrispondono." in response.content.decode()


def test_setting_the_password_logs_in_and_opens_the_staff_home(client):
    user = _new_staff("it")
    form_url = _open(client, user, "en").redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True)
    assert response.redirect_chain[0] == ("/admin/", 302)
    assert response.status_code == 200
    assert response.context["user"] == user
    assert response["Content-Language"] == "it"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_used_link_says_so_in_the_businesss_language(client):
    user = _new_staff("it")
    path = password_set_path(user)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    client.logout()
    response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["validlink"] is False
    assert "Questo link è già stato usato" in response.content.decode()
    assert get_user_model().objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_link_with_a_bad_user_id_is_a_clear_page_not_an_error(client):
    response = client.get("/accounts/reset/bm9ib2R5/set-password/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_the_language_switch_still_wins_over_the_businesss_language(client):
    user = _new_staff("it")
    client.cookies["django_language"] = "en"
    response = _open(client, user, "it")
    assert response["Content-Language"] == "en"
    assert "<title>Choose your password | Lyo</title>" in response.content.decode()


def test_the_done_page_is_lyos_too(client):
    response = client.get("/accounts/reset/done/", HTTP_ACCEPT_LANGUAGE="it")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>La tua password è impostata | Lyo</title>" in html
    assert "La tua password è stata impostata. Ora puoi accedere." in html
    assert "Django" not in html
