from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chatwoot.models import ChatwootConnection
from chatwoot.services.connections import chatwoot_bot_token_set, chatwoot_webhook_secret_set
from tenants.admin import secret_field, token_status_display
from tenants.admin_scoping import TenantScopedAdmin
from tenants.audit import token_change_audit
from tenants.models import TenantMembership

# A secret short enough to guess would let anyone post as the tenant's Chatwoot
# (Chatwoot's own secrets are 24 characters).
WEBHOOK_SECRET_MIN_LENGTH = 20


class InboxIdsField(forms.CharField):
    """Chatwoot inbox ids typed as "3, 5"; a list of integers in the model."""

    def prepare_value(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value

    # Typed in as text, cleaned to the list the model stores: a form field's value may be of any
    # type, but the stubs hold a CharField's to text.
    def to_python(self, value) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""  # None only with empty_value=None, which this field keeps ""
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValidationError(_("Inbox ids are numbers separated by commas, e.g. 3, 5."))
        return sorted({int(part) for part in parts})


class ChatwootConnectionForm(forms.ModelForm):
    """Secrets are never rendered: they can only be set, replaced or removed."""

    audit_actor = None  # set by the admin (TenantScopedPermissionsMixin.save_form)
    base_url = forms.URLField(
        label=_("address"), assume_scheme="https", help_text=_("Chatwoot's address, e.g. https://app.chatwoot.com")
    )
    inbox_ids = InboxIdsField(
        label=_("inbox ids"), required=False,
        help_text=_("Inboxes the assistant answers in, e.g. 3, 5; empty: every inbox of the bot."),
    )
    new_bot_access_token = secret_field(
        _("Set / replace bot access token"),
        _("The agent bot's access token (Chatwoot: Settings → Bots). Leave empty to keep the current one. "
          "Stored encrypted, never shown."),
    )
    clear_bot_access_token = forms.BooleanField(label=_("Remove the stored bot token"), required=False)
    new_webhook_secret = secret_field(
        _("Set / replace webhook secret"),
        _("The secret Chatwoot signs its webhooks with (X-Chatwoot-Signature). For a Chatwoot that does not sign, "
          "choose a random secret and give Chatwoot the URL /webhooks/chatwoot/<secret>. Leave empty to keep the "
          "current one. Stored encrypted, never shown."),
    )
    clear_webhook_secret = forms.BooleanField(label=_("Remove the stored webhook secret"), required=False)

    class Meta:
        model = ChatwootConnection
        fields = ("tenant", "base_url", "account_id", "inbox_ids", "is_active")

    def clean_new_webhook_secret(self) -> str:
        secret = self.cleaned_data.get("new_webhook_secret", "")
        if secret and len(secret) < WEBHOOK_SECRET_MIN_LENGTH:
            raise ValidationError(
                _("Use at least %(n)s characters."), params={"n": WEBHOOK_SECRET_MIN_LENGTH}
            )
        if secret and "/" in secret:
            raise ValidationError(_("The secret must not contain '/' (it may be used in a URL)."))
        return secret

    def save(self, commit=True):
        connection = super().save(commit=False)
        token = self.cleaned_data.get("new_bot_access_token")
        if token or self.cleaned_data.get("clear_bot_access_token"):
            chatwoot_bot_token_set(connection=connection, token=token or "")
            token_change_audit(
                tenant=connection.tenant, actor=self.audit_actor, which="Chatwoot bot token", cleared=not token
            )
        secret = self.cleaned_data.get("new_webhook_secret")
        if secret or self.cleaned_data.get("clear_webhook_secret"):
            chatwoot_webhook_secret_set(connection=connection, secret=secret or "")
            token_change_audit(
                tenant=connection.tenant, actor=self.audit_actor, which="Chatwoot webhook secret", cleared=not secret
            )
        if commit:
            connection.save()
        return connection


@admin.register(ChatwootConnection)
class ChatwootConnectionAdmin(TenantScopedAdmin):
    """Staff see their tenant's connection; owners (and the operator) change it."""

    form = ChatwootConnectionForm
    list_display = ("tenant", "base_url", "account_id", "token_status", "is_active")
    list_select_related = ("tenant",)
    readonly_fields = ("token_status", "secret_status", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("tenant", "base_url", "account_id", "inbox_ids", "is_active")}),
        (_("Agent bot"), {"fields": ("token_status", "new_bot_access_token", "clear_bot_access_token")}),
        ("Webhook", {"fields": ("secret_status", "new_webhook_secret", "clear_webhook_secret")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description=_("Bot access token"))
    def token_status(self, connection: ChatwootConnection) -> str:
        return token_status_display(connection.has_bot_token, connection.token_invalid_at, rejected_by="Chatwoot")

    @admin.display(description=_("Webhook secret"))
    def secret_status(self, connection: ChatwootConnection) -> str:
        return gettext("set") if connection.webhook_secret_digest else gettext("not set")

    def _is_owner(self, request, tenant_id=None) -> bool:
        memberships = request.user.tenant_memberships.filter(role=TenantMembership.Role.OWNER)
        return memberships.filter(tenant_id=tenant_id).exists() if tenant_id else memberships.exists()

    def has_add_permission(self, request):
        return request.user.is_superuser or (super().has_add_permission(request) and self._is_owner(request))

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return super().has_change_permission(request, obj) and self._is_owner(request, obj and obj.tenant_id)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return super().has_delete_permission(request, obj) and self._is_owner(request, obj and obj.tenant_id)

    def save_model(self, request, obj, form, change):
        # An owner of one tenant who is only staff of another connects neither for the other.
        if not request.user.is_superuser and not self._is_owner(request, obj.tenant_id):
            raise PermissionDenied("Only the tenant's owners connect its Chatwoot.")
        super().save_model(request, obj, form, change)
