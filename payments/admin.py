from django.contrib import admin

from payments.models import Payment, PaymentPolicy
from tenants.admin_scoping import TenantScopedAdmin
from tenants.audit import user_may_handle_personal_data


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(TenantScopedAdmin):
    """What customers pay before a booking is confirmed: the owner's decision, never plain staff's."""

    list_display = ("tenant", "mode", "amount_cents", "per", "currency", "cutoff_hours", "hold_minutes")
    list_select_related = ("tenant",)
    filter_horizontal = ("services",)
    exclude = ("stripe_secret_key", "stripe_webhook_secret")

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
