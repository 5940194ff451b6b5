"""The page a new member of staff opens first: the one-time link to choose a password.

``onboard_tenant --staff-email`` prints the link (``tenants.services.password_set_path``).
Django's own page says "Django administration", in the browser's language; this one is
Lyo's (the staff pages' frame), in the language of the business the person works for,
and once the password is set it logs them in and opens their staff home.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from backoffice.middleware import staff_language
from tenants.selectors import tenants_for_user


class StaffPasswordSetView(auth_views.PasswordResetConfirmView):
    template_name = "backoffice/password_set.html"
    title = _("Choose your password")
    # The link is the credential: using it once is the login, straight to the staff home.
    post_reset_login = True
    # Login throttling's backend (axes) wants the request's credentials; this login has none.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("admin:index")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        # The person is known from the link before anyone is logged in: their business's
        # language, not the browser's (the language switch still wins).
        language = staff_language(request, user=self.get_user(kwargs.get("uidb64", "")))
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()
        response.headers["Content-Language"] = language
        return response

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if not context["validlink"]:
            context["title"] = _("This link no longer works")
        tenant = tenants_for_user(self.user).order_by("name").first() if self.user is not None else None
        # No admin sidebar: before the password is set there is nothing in it to open.
        return {**admin.site.each_context(self.request), "is_nav_sidebar_enabled": False,
                "lyo_page_tenant": tenant, **context}


class StaffPasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "backoffice/password_set_done.html"
    title = _("Your password is set")

    def get_context_data(self, **kwargs) -> dict:
        return {**admin.site.each_context(self.request), "is_nav_sidebar_enabled": False,
                **super().get_context_data(**kwargs)}
