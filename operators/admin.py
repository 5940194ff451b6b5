"""The tenant page: the business, its channels' credentials and booking rules.

Inline on the same page: services, opening hours, closures and tables (from bookings).
"""

from django import forms
from django.contrib import admin
from django.http import Http404
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bookings.admin import ClosureInline, OpeningHoursInline, ResourceInline, ServiceInline
from tenants.admin import secret_field, token_status_display
from tenants.admin_scoping import TenantLocalTimeMixin, TenantScopedPermissionsMixin
from tenants.audit import token_change_audit
from tenants.models import Tenant, TenantMembership
from tenants.selectors import tenant_ids_for_user

# Fields only the operator (a superuser) changes: they wire the tenant to Meta.
OPERATOR_FIELDS = (
    "slug",
    "kind",
    "is_active",
    "whatsapp_phone_number_id",
    "whatsapp_business_account_id",
    "whatsapp_display_phone_number",
    "whatsapp_coexistence",
    "whatsapp_send_rate_per_second",
    "instagram_account_id",
)

# Channels whose access token the tenant page sets: (field prefix, label).
TOKEN_CHANNELS = (("whatsapp", "WhatsApp"), ("instagram", "Instagram"))


def _token_field(label: str) -> forms.CharField:
    return secret_field(
        format_lazy(_("Set / replace {channel} access token"), channel=label),
        _("Leave empty to keep the current token. The token is stored encrypted and never shown."),
    )


class TenantAdminForm(forms.ModelForm):
    """Access tokens are never rendered: they can only be set, replaced or cleared."""

    audit_actor = None  # set by the admin (TenantScopedPermissionsMixin.save_form)
    new_whatsapp_access_token = _token_field("WhatsApp")
    clear_whatsapp_access_token = forms.BooleanField(label=_("Remove the stored token"), required=False)
    new_instagram_access_token = _token_field("Instagram")
    clear_instagram_access_token = forms.BooleanField(label=_("Remove the stored token"), required=False)

    class Meta:
        model = Tenant
        # Everything editable except the token itself (and its Meta verdict).
        fields = (
            "name", "slug", "kind", "timezone", "language", "address", "contact_phone", "is_active",
            "whatsapp_phone_number_id", "whatsapp_business_account_id", "whatsapp_display_phone_number",
            "whatsapp_coexistence", "whatsapp_send_rate_per_second",
            "instagram_account_id", "slot_minutes", "min_notice_minutes", "max_days_ahead", "default_duration_minutes",
            "cancellation_cutoff_hours", "pacing_max_covers", "waitlist_hold_minutes", "approval_party_size",
            "approval_hold_hours", "conversation_timeout_minutes",
            "reply_limit_per_minute", "reply_limit_per_hour", "staff_hand_back_hours", "owner_app_silence_minutes",
            "max_active_bookings_per_customer", "max_bookings_per_customer_per_day",
        )

    def save(self, commit=True):
        tenant = super().save(commit=False)
        for channel, _label in TOKEN_CHANNELS:
            new_token = self.cleaned_data.get(f"new_{channel}_access_token")
            if new_token or self.cleaned_data.get(f"clear_{channel}_access_token"):
                setattr(tenant, f"{channel}_access_token", new_token or "")
                setattr(tenant, f"{channel}_token_invalid_at", None)
                token_change_audit(
                    tenant=tenant, actor=self.audit_actor, which=f"{_label} access token", cleared=not new_token
                )
        if commit:
            tenant.save()
            self.save_m2m()
        return tenant


class TenantMembershipInline(admin.TabularInline):
    model = TenantMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(TenantLocalTimeMixin, TenantScopedPermissionsMixin, admin.ModelAdmin):
    form = TenantAdminForm
    list_display = ("name", "slug", "kind", "whatsapp_phone_number_id", "token_status", "is_active")
    list_filter = ("kind", "is_active", "language")
    search_fields = (
        "name", "slug", "whatsapp_phone_number_id", "whatsapp_display_phone_number", "instagram_account_id"
    )
    readonly_fields = ("id", "token_status", "instagram_token_status", "created_at", "updated_at")
    inlines = [ServiceInline, OpeningHoursInline, ClosureInline, ResourceInline]
    fieldsets = (
        (
            None,
            {"fields": ("id", "name", "slug", "kind", "timezone", "language", "address", "contact_phone", "is_active")},
        ),
        (
            "WhatsApp",
            {
                "fields": (
                    "whatsapp_phone_number_id",
                    "whatsapp_business_account_id",
                    "whatsapp_display_phone_number",
                    "whatsapp_coexistence",
                    "whatsapp_send_rate_per_second",
                    "token_status",
                    "new_whatsapp_access_token",
                    "clear_whatsapp_access_token",
                )
            },
        ),
        (
            "Instagram",
            {
                "fields": (
                    "instagram_account_id",
                    "instagram_token_status",
                    "new_instagram_access_token",
                    "clear_instagram_access_token",
                )
            },
        ),
        (
            _("Booking settings"),
            {
                "fields": (
                    "slot_minutes",
                    "min_notice_minutes",
                    "max_days_ahead",
                    "default_duration_minutes",
                    "cancellation_cutoff_hours",
                    "pacing_max_covers",
                    "waitlist_hold_minutes",
                    "approval_party_size",
                    "approval_hold_hours",
                    "conversation_timeout_minutes",
                    "max_active_bookings_per_customer",
                    "max_bookings_per_customer_per_day",
                )
            },
        ),
        (
            _("Assistant limits"),
            {"fields": ("reply_limit_per_minute", "reply_limit_per_hour", "staff_hand_back_hours",
                        "owner_app_silence_minutes")},
        ),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("Access token"))
    def token_status(self, tenant: Tenant) -> str:
        return token_status_display(tenant.has_whatsapp_token, tenant.whatsapp_token_invalid_at)

    @admin.display(description=_("Access token"))
    def instagram_token_status(self, tenant: Tenant) -> str:
        return token_status_display(tenant.has_instagram_token, tenant.instagram_token_invalid_at)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(id__in=tenant_ids_for_user(request.user))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *OPERATOR_FIELDS)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or self._is_owner(request, obj):
            return fieldsets
        # Staff who are not owners see the token status but cannot change the token.
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in TenantAdminForm.declared_fields)})
            for name, opts in fieldsets
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not (request.user.is_superuser or self._is_owner(request, obj)):
            # Hiding the fields is not enough: a form that has them accepts them when posted.
            # The class is built for this request, so dropping its fields is safe.
            for name in TenantAdminForm.declared_fields:
                form.base_fields.pop(name, None)
        return form

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if request.user.is_superuser:
            inlines.append(TenantMembershipInline)
        return inlines

    def _is_owner(self, request, obj) -> bool:
        return obj is not None and request.user.tenant_memberships.filter(
            tenant=obj, role=TenantMembership.Role.OWNER
        ).exists()

    # Tenants are created and removed by the operator (manage.py), not by their staff.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Another tenant answers exactly like a missing one: 404, not a redirect or a 403
    # that would confirm it exists.
    def _tenant_or_404(self, request, object_id):
        if self.get_object(request, admin.utils.unquote(object_id)) is None:
            raise Http404("No such tenant.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._tenant_or_404(request, object_id)
        if not request.user.is_superuser:
            # Owners and staff are pointed at the short settings pages (backoffice/settings_views.py).
            tenant = self.get_object(request, admin.utils.unquote(object_id))
            several = tenant is not None and len(tenant_ids_for_user(request.user)) > 1
            query = f"?tenant={tenant.slug}" if tenant is not None and several else ""
            settings_url = f"{reverse('admin:backoffice_settings')}{query}"
            extra_context = {**(extra_context or {}), "lyo_settings_url": settings_url}
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._tenant_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._tenant_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)
