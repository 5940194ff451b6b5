"""``/api/...`` routes of the booking API; each answers with and without a trailing slash."""

from django.urls import re_path

from bookings import apis

# Any text up to the next slash: an unknown or malformed reference is a JSON 404 from
# the view, not the HTML page of an unmatched URL.
REFERENCE = r"(?P<reference>[^/]{1,40})"

urlpatterns = [
    re_path(r"^availability/?$", apis.AvailabilityApi.as_view(), name="api_availability"),
    re_path(r"^appointments/?$", apis.AppointmentsApi.as_view(), name="api_appointments"),
    re_path(rf"^appointments/{REFERENCE}/?$", apis.AppointmentApi.as_view(), name="api_appointment"),
    re_path(
        rf"^appointments/{REFERENCE}/cancel/?$", apis.AppointmentCancelApi.as_view(), name="api_appointment_cancel"
    ),
    re_path(
        rf"^appointments/{REFERENCE}/reschedule/?$", apis.AppointmentRescheduleApi.as_view(),
        name="api_appointment_reschedule",
    ),
]
