"""The audit trail: a record of every personal-data export and erasure and every token change."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from tenants.models import AuditEvent, Tenant, TenantMembership


def audit_record(
    *,
    tenant: Tenant,
    actor: User | AnonymousUser | None,
    action: str,
    target: str,
    actor_label: str = "",
) -> AuditEvent:
    """Record that ``actor`` did ``action`` on ``target`` of ``tenant``.

    ``actor=None`` is the operator at the command line: ``actor_label`` says how
    (e.g. "manage.py erase_customer"). Runs inside the caller's transaction, so an
    action that rolls back leaves no record of having happened. ``target`` names the
    object by id: never a customer's name or phone, never a secret.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    label = actor_label or (user.get_username() if user is not None else "") or "unknown"
    return AuditEvent.objects.create(
        tenant=tenant, actor=user, actor_label=label[:150], action=action, target=target[:200]
    )


def tenant_ids_owned_by(user: User | AnonymousUser) -> list:
    """Ids of the tenants ``user`` is an owner of (superusers: see ``user_is_owner_of_all``)."""
    if not user.is_authenticated:
        return []
    return list(user.tenant_memberships.filter(role=TenantMembership.Role.OWNER).values_list("tenant_id", flat=True))


def user_may_handle_personal_data(user: User | AnonymousUser, *, tenant_ids: set | None = None) -> bool:
    """Owners (of every tenant in ``tenant_ids``, when given) and superusers; never plain staff.

    Exporting or erasing a customer is the data controller's decision: the business's
    owner, not whoever answers the phone.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    owned = set(tenant_ids_owned_by(user))
    return bool(owned) if tenant_ids is None else bool(tenant_ids) and tenant_ids <= owned


def token_change_audit(
    *, tenant: Tenant, actor: User | AnonymousUser | None, which: str, cleared: bool,
    actor_label: str = "",
) -> AuditEvent:
    """Record that a token or secret of ``tenant`` was set or removed: which one, never its value."""
    action = AuditEvent.Action.TOKEN_CLEARED if cleared else AuditEvent.Action.TOKEN_SET
    return audit_record(tenant=tenant, actor=actor, action=action, target=which, actor_label=actor_label)
