"""Lyo's admin site: Django's admin plus the staff pages (home, day view, test chat, conversation view).

It is installed as ``admin.site`` (``backoffice.apps.LyoAdminConfig``), so every
``@admin.register`` keeps working; the extra pages live under ``/admin/`` behind the
admin's own login, staff check and CSRF protection.
"""

from typing import cast

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from tenants.admin_scoping import TenantScopedAutocompleteJsonView
from tenants.selectors import tenants_for_user

# Lists an owner rarely opens: technical ones, and the rows the settings pages edit
# (services, hours, closures, tables, reminders, the business itself). Owners and staff
# find them under "Advanced", after what they use every day; the operator (a superuser)
# keeps Django's list as it is.
ADVANCED_MODELS = frozenset({
    "reminders.messagetemplate", "reminders.remindersettings", "chatwoot.chatwootconnection",
    "conversations.message", "tenants.auditevent", "tenants.tenantmembership", "tenants.tenant",
    "bookings.service", "bookings.openinghours", "bookings.closure", "bookings.resource",
})
ADVANCED_APP_LABEL = "lyo_advanced"

# Django's Italian for an inline's "Add another <model>" is "Aggiungi un altro ...", wrong
# before every feminine name ("un altro Chiusura"). Lyo's catalogue words it so that it
# fits either gender; named here so that makemessages keeps the entry.
INLINE_ADD_ANOTHER = gettext_noop("Add another %(verbose_name)s")
# The same words on the "+" beside a choice of related rows (admin/widgets/related_widget_wrapper.html).
RELATED_ADD_ANOTHER = gettext_noop("Add another %(model)s")


class LyoAdminSite(admin.AdminSite):
    site_header = "Lyo"
    site_title = "Lyo"
    index_title = gettext_lazy("Bookings and conversations")
    index_template = "backoffice/index.html"
    # "View site" leads to the staff home: `/` is the service's JSON description for
    # machines, nothing a member of staff wants to read.
    # (Lazy: the URLconf is not loaded yet; it renders as the string it stands for.)
    site_url = cast(str, reverse_lazy("admin:index"))

    def get_urls(self):
        # These import the admin's models: load them after the registry.
        from backoffice import (
            alert_views,
            approval_views,
            connect_views,
            payment_views,
            sends_views,
            service_views,
            settings_views,
            two_factor_views,
            views,
            week_views,
        )

        staff_pages = [
            path("day/", self.admin_view(views.day_view), name="backoffice_day"),
            path("day/book/", self.admin_view(views.day_book), name="backoffice_day_book"),
            path("day/print/", self.admin_view(week_views.day_print), name="backoffice_day_print"),
            path("week/", self.admin_view(week_views.week_view), name="backoffice_week"),
            path("sends/", self.admin_view(sends_views.sends_view), name="backoffice_sends"),
            # "money/", not "payments/": that is the admin's own page of the payments app.
            path("money/", self.admin_view(payment_views.payments_list), name="backoffice_payments"),
            path("money/no-show-fee/<int:appointment_id>/", self.admin_view(payment_views.no_show_fee),
                 name="backoffice_no_show_fee"),
            path("day/visit/<int:appointment_id>/", self.admin_view(service_views.day_visit),
                 name="backoffice_day_visit"),
            path("day/walk-in/", self.admin_view(service_views.day_walk_in), name="backoffice_day_walk_in"),
            path("day/approval/<int:appointment_id>/", self.admin_view(approval_views.day_approval),
                 name="backoffice_day_approval"),
            path("day/waitlist/<int:request_id>/offer/", self.admin_view(approval_views.day_waitlist_offer),
                 name="backoffice_day_waitlist_offer"),
            path("try/", self.admin_view(views.assistant_try), name="backoffice_try"),
            path("try/clear/", self.admin_view(views.assistant_try_clear), name="backoffice_try_clear"),
            path("chat/<int:conversation_id>/", self.admin_view(views.conversation_chat),
                 name="backoffice_conversation"),
            # cacheable: the view sets its own Cache-Control (private: the staff member's browser only).
            path("chat/<int:conversation_id>/media/<int:message_id>/",
                 self.admin_view(views.conversation_media, cacheable=True), name="backoffice_conversation_media"),
            path("chat/<int:conversation_id>/reply/", self.admin_view(views.conversation_reply),
                 name="backoffice_conversation_reply"),
            path("chat/<int:conversation_id>/live/", self.admin_view(views.conversation_live),
                 name="backoffice_conversation_live"),
            path("chat/<int:conversation_id>/handoff/", self.admin_view(views.conversation_handoff),
                 name="backoffice_conversation_handoff"),
            path("chat/<int:conversation_id>/booking/<int:message_id>/",
                 self.admin_view(views.conversation_booking_save), name="backoffice_conversation_booking_save"),
            path("alerts/<int:alert_id>/seen/", self.admin_view(alert_views.alert_seen), name="alerts_seen"),
            path("alerts/seen/", self.admin_view(alert_views.alerts_all_seen), name="alerts_all_seen"),
            path("alerts/settings/", self.admin_view(alert_views.alert_settings), name="alerts_settings"),
            # The owner's settings, a short page per section.
            path("settings/", self.admin_view(settings_views.settings_index), name="backoffice_settings"),
            path("settings/closures/<int:closure_id>/delete/", self.admin_view(settings_views.closure_remove),
                 name="backoffice_settings_closure_delete"),
            # Connect WhatsApp (Embedded Signup): the one page that loads Meta's SDK.
            path("settings/whatsapp/connect/", self.admin_view(connect_views.whatsapp_connect),
                 name="backoffice_whatsapp_connect"),
            path("settings/whatsapp/connect/finish/", self.admin_view(connect_views.whatsapp_connect_finish),
                 name="backoffice_whatsapp_connect_finish"),
            path("settings/<slug:section>/", self.admin_view(settings_views.settings_section),
                 name="backoffice_settings_section"),
            # Two-factor: set up an authenticator app, enter its code after the password.
            path("2fa/setup/", self.admin_view(two_factor_views.two_factor_setup), name="two_factor_setup"),
            path("2fa/verify/", self.admin_view(two_factor_views.two_factor_verify), name="two_factor_verify"),
        ]
        return staff_pages + super().get_urls()

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        if app_label is not None or request.user.is_superuser:
            return app_list
        kept: list[dict] = []
        advanced: list[dict] = []
        for app in app_list:
            models = [m for m in app["models"] if m["model"]._meta.label_lower not in ADVANCED_MODELS]
            advanced.extend(m for m in app["models"] if m["model"]._meta.label_lower in ADVANCED_MODELS)
            if models:
                kept.append({**app, "models": models})
        if advanced:
            kept.append({
                "name": gettext("Advanced"), "app_label": ADVANCED_APP_LABEL, "has_module_perms": True,
                "app_url": f"{reverse('admin:backoffice_settings')}#lyo-settings-advanced", "models": advanced,
            })
        return kept

    def autocomplete_view(self, request: HttpRequest):
        # Staff search only their tenant's rows, whichever admin the field points at.
        return TenantScopedAutocompleteJsonView.as_view(admin_site=self)(request)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_superuser:
            tenants = list(tenants_for_user(user)[:2])
            # The business's name in the header, for staff who work for exactly one.
            context["lyo_tenant"] = tenants[0] if len(tenants) == 1 else None
        return context

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        from backoffice import views

        home = views.staff_home_context(request)
        response = super().index(request, {**home, **(extra_context or {})})
        if "lyo_home" in home:
            # The business's times, whoever is looking (superusers keep UTC elsewhere).
            with timezone.override(home["lyo_home"].tenant.tzinfo):
                response.render()
        return response
