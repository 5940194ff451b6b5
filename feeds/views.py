"""The feed's URL: what Google Calendar or Apple Calendar fetches. No login; the token is the key."""

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from feeds.calendars import feed_calendar_build
from feeds.services import calendar_feed_for_token, public_base_url

# Calendar apps poll every few hours; a change must reach the next poll within a minute.
FEED_MAX_AGE_SECONDS = 60


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = calendar_feed_for_token(token)
    if feed is None:
        # A wrong, rotated or another business's old token: nothing to say about which.
        raise Http404("No such calendar.")
    body = feed_calendar_build(feed=feed, now=timezone.now(), base_url=public_base_url(request.build_absolute_uri("/")))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE_SECONDS}"
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
