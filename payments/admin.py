from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from payments.models import Payment, PaymentPolicy
from tenants.admin import secret_field
from tenants.admin_scoping import TenantScopedAdmin
from tenants.audit import token_change_audit, user_may_handle_personal_data

# The policy's secrets, with the name the audit trail gives each (never its value).
SECRETS = {"stripe_secret_key": "Stripe secret key", "stripe_webhook_secret": "Stripe webhook signing secret"}


class PaymentPolicyForm(forms.ModelForm):
    """The policy, and the Stripe secrets set or replaced (never shown) through write-only fields."""

    new_stripe_secret_key = secret_field(
        _("Stripe secret key"), _("Leave empty to keep the current key. Stored encrypted, never shown.")
    )
    new_stripe_webhook_secret = secret_field(
        _("Stripe webhook signing secret"), _("whsec_…, from the webhook endpoint in Stripe. Empty: keep it.")
    )

    class Meta:
        model = PaymentPolicy
        # Every setting but the two secrets, which only the write-only fields above set.
        fields = (
            "tenant", "mode", "amount_cents", "per", "currency", "min_party_size", "weekdays", "period_starts",
            "period_ends", "services", "first_time_only", "cutoff_hours", "hold_minutes",
            "guarantee_after_no_shows", "terms_it", "terms_en", "stripe_account_id",
        )


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(TenantScopedAdmin):
    """What customers pay before a booking is confirmed: the owner's decision, never plain staff's."""

    list_display = ("tenant", "mode", "amount_cents", "per", "currency", "cutoff_hours", "hold_minutes")
    list_select_related = ("tenant",)
    filter_horizontal = ("services",)
    form = PaymentPolicyForm

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            changed = []
            for name, label in SECRETS.items():
                value = form.cleaned_data.get(f"new_{name}")
                if value:
                    setattr(obj, name, value)
                    changed.append(label)
            super().save_model(request, obj, form, change)
            for label in changed:
                token_change_audit(tenant=obj.tenant, actor=request.user, which=label, cleared=False)

    def _owner(self, request, obj=None) -> bool:
        if obj is None:
            return user_may_handle_personal_data(request.user)
        return user_may_handle_personal_data(request.user, tenant_ids={obj.tenant_id})

    def has_module_permission(self, request):
        return self._owner(request)

    def has_view_permission(self, request, obj=None):
        return self._owner(request, obj)

    def has_add_permission(self, request, *args):
        return self._owner(request)

    def has_change_permission(self, request, obj=None):
        return self._owner(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._owner(request, obj)


@admin.register(Payment)
class PaymentAdmin(TenantScopedAdmin):
    """Every money movement of the tenant; written by Lyo only, read here."""

    list_display = ("created_at", "tenant", "appointment", "kind", "status", "amount_cents", "currency")
    list_filter = ("kind", "status")
    list_select_related = ("tenant", "appointment")
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
