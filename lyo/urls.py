from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backoffice.password_views import StaffPasswordSetDoneView, StaffPasswordSetView
from chatwoot.views import ChatwootWebhookView
from conversations.apis import TestMessageApi
from feeds.views import calendar_feed
from instagram.views import InstagramWebhookView
from lyo import views
from payments.views import StripeWebhookView
from whatsapp.views import WhatsAppWebhookView


def optional_slash(route: str, view, name: str):
    """Match ``route`` with and without a trailing slash (Meta's callback URL is typed by hand)."""
    return re_path(rf"^{route}/?$", view, name=name)


urlpatterns = [
    re_path(r"^$", views.root, name="root"),
    path("favicon.ico", views.favicon, name="favicon"),
    optional_slash("health", views.health, name="health"),
    optional_slash("health/live", views.health_live, name="health_live"),
    path("admin/", admin.site.urls),
    # The admin's language switch (POST, CSRF-protected).
    path("i18n/", include("django.conf.urls.i18n")),
    # One-time "choose your password" links printed by `onboard_tenant --staff-email`.
    path("accounts/reset/<uidb64>/<token>/", StaffPasswordSetView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", StaffPasswordSetDoneView.as_view(), name="password_reset_complete"),
    optional_slash("metrics", views.metrics, name="metrics"),
    optional_slash("webhooks/whatsapp", WhatsAppWebhookView.as_view(), name="whatsapp_webhook"),
    optional_slash("webhooks/instagram", InstagramWebhookView.as_view(), name="instagram_webhook"),
    optional_slash("webhooks/chatwoot", ChatwootWebhookView.as_view(), name="chatwoot_webhook"),
    # Chatwoot versions that do not sign their webhooks: the tenant's secret is the last path segment.
    optional_slash(r"webhooks/chatwoot/(?P<token>[^/]+)", ChatwootWebhookView.as_view(), name="chatwoot_webhook_token"),
    optional_slash("webhooks/stripe", StripeWebhookView.as_view(), name="stripe_webhook"),
    optional_slash("api/test-message", TestMessageApi.as_view(), name="api_test_message"),
    optional_slash("api/schema", SpectacularAPIView.as_view(), name="api_schema"),
    optional_slash("api/docs", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    re_path(r"^api/", include("bookings.urls")),
    # Calendar subscriptions (Google Calendar, Apple Calendar): the secret token is the key.
    path("feeds/<str:token>.ics", calendar_feed, name="calendar_feed"),
]

# The admin site's titles (translated) are set on backoffice.sites.LyoAdminSite.
