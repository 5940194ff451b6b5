"""Calendar feeds: created and rotated by the tenant's staff, found by their token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings.models import Resource
from feeds.models import CalendarFeed
from tenants.models import Tenant
from tenants.scoping import cross_tenant, tenant_scope_enter


class FeedUnknown(Exception):
    """No feed of this tenant by that id, or no table or staff member of it by that id."""


@dataclass(frozen=True)
class FeedRow:
    """One line of the settings page: the business or one table or staff member, with its feed if any."""

    label: str
    resource_id: int | None
    feed: CalendarFeed | None
    url: str


def public_base_url(request_base: str) -> str:
    """Where links point: ``LYO_PUBLIC_URL`` when set, else the address the request came to.

    A calendar app is outside Lyo: a link or a feed address without its host is useless there.
    """
    return settings.LYO_PUBLIC_URL or request_base.rstrip("/")


def calendar_feed_url(feed: CalendarFeed, base_url: str) -> str:
    """The address to paste into a calendar app."""
    return f"{base_url}{reverse('calendar_feed', args=[feed.token])}"


def calendar_feed_rows(*, tenant: Tenant, base_url: str) -> list[FeedRow]:
    """The business, then each active table or staff member, in their order, each with its feed."""
    feeds = list(CalendarFeed.objects.filter(tenant=tenant).select_related("tenant", "resource"))
    business = next((feed for feed in feeds if feed.scope == CalendarFeed.Scope.BUSINESS), None)
    by_resource = {feed.resource_id: feed for feed in feeds if feed.resource_id}
    rows = [FeedRow(tenant.name, None, business, calendar_feed_url(business, base_url) if business else "")]
    for resource in Resource.objects.filter(tenant=tenant, is_active=True).order_by("position", "name"):
        feed = by_resource.get(resource.pk)
        rows.append(FeedRow(resource.name, resource.pk, feed, calendar_feed_url(feed, base_url) if feed else ""))
    return rows


def calendar_feed_create_or_rotate(*, tenant: Tenant, resource_id: int | None, now: datetime) -> CalendarFeed:
    """The feed of the business (``resource_id`` None) or of one of its tables or staff, with a new token.

    Creates it the first time; afterwards gives it a new token, so the old address stops
    working (404) and whoever should keep it subscribes to the new one.
    """
    resource = None
    if resource_id is not None:
        resource = Resource.objects.filter(tenant=tenant, pk=resource_id).first()
        if resource is None:
            raise FeedUnknown(resource_id)
    scope = CalendarFeed.Scope.RESOURCE if resource else CalendarFeed.Scope.BUSINESS
    with transaction.atomic():
        feed = (CalendarFeed.objects.select_for_update()
                .filter(tenant=tenant, scope=scope, resource=resource).first())
        if feed is None:
            try:
                with transaction.atomic():
                    return CalendarFeed.objects.create(
                        tenant=tenant, scope=scope, resource=resource, token=_token(), created_at=now
                    )
            except IntegrityError:
                # Two staff pressed "create" at once: the other one's feed stands; rotate it.
                feed = CalendarFeed.objects.select_for_update().get(tenant=tenant, scope=scope, resource=resource)
        feed.token, feed.rotated_at = _token(), now
        feed.save(update_fields=["token", "rotated_at"])
    return feed


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The feed behind a URL's token, with its tenant entered as the request's scope; None if unknown."""
    if not token or len(token) > 64:
        return None
    with cross_tenant("the token in a feed's URL is what names its tenant"):
        feed = CalendarFeed.objects.select_related("tenant", "resource").filter(token=token).first()
    if feed is None or (feed.resource_id and not feed.resource.is_active):
        return None
    tenant_scope_enter(feed.tenant)
    return feed


def _token() -> str:
    return secrets.token_urlsafe(32)


__all__ = ["FeedUnknown", "calendar_feed_create_or_rotate", "calendar_feed_for_token", "calendar_feed_rows",
           "calendar_feed_url", "public_base_url"]
