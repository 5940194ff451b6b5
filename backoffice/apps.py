from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    """Staff pages inside the admin: home, day view, test chat, conversation view."""

    default = True
    name = "backoffice"
    verbose_name = "Back office"


class LyoAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Lyo's site (its extra pages and staff home) as ``admin.site``."""

    default = False  # listed by its full path in INSTALLED_APPS, in place of django.contrib.admin
    default_site = "backoffice.sites.LyoAdminSite"
