"""Italian names for the admin's apps and models, shown on the home page and in the sidebar.

The models declare their names in English without gettext (changing that needs
migrations in the apps that own them), so the site translates the names it lists
through this catalogue. ``gettext_noop`` only marks them for ``makemessages``.
"""

from django.utils.translation import gettext_noop

ADMIN_NAMES = (
    # Apps.
    gettext_noop("Bookings"),
    gettext_noop("Conversations"),
    gettext_noop("Tenants"),
    # Models, as the admin lists them (capitalised plural).
    gettext_noop("Appointments"),
    gettext_noop("Closures"),
    gettext_noop("Opening hours"),
    gettext_noop("Resources"),
    gettext_noop("Services"),
    gettext_noop("Conversations"),
    gettext_noop("Customers"),
    gettext_noop("Messages"),
    gettext_noop("Tenant memberships"),
    gettext_noop("Tokens"),
)
