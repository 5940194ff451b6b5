"""A calendar feed: the bookings of a business, or of one table or staff member, at a secret URL.

The token in the URL is the only key (calendar apps cannot log in), so it is long and
random, and staff can rotate it when a link has gone where it should not: the old URL
then answers 404. It is stored as it is because staff copy the URL from the settings
page again later.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Resource
from tenants.models import TenantOwnedModel

TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class CalendarFeed(TenantOwnedModel):
    class Scope(models.TextChoices):
        BUSINESS = "business", _("Whole business")
        RESOURCE = "resource", _("One table or staff member")

    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds",
        verbose_name=_("table or staff member"),
    )
    token = models.CharField(_("secret token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    rotated_at = models.DateTimeField(_("address changed at"), null=True, blank=True)

    class Meta:
        db_table = "lyo_calendar_feeds"
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            # One address per business and per table or staff member: rotating replaces it.
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(scope="business"), name="uniq_calendar_feed_business"
            ),
            models.UniqueConstraint(
                fields=["tenant", "resource"], condition=Q(scope="resource"), name="uniq_calendar_feed_resource"
            ),
            models.CheckConstraint(
                condition=(Q(scope="business", resource__isnull=True)
                           | Q(scope="resource", resource__isnull=False)),
                name="calendar_feed_scope_resource",
            ),
        ]

    def __str__(self) -> str:
        return str(self.resource) if self.resource_id else str(self.Scope.BUSINESS.label)
