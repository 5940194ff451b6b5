"""Lyo's Italian for the names of models it does not own, as the admin lists them.

Lyo's own apps and models mark their names for translation; Django REST framework's
token model is listed as "Tokens", which Lyo's catalogue words for staff ("Token API").
The project's catalogue wins over a package's own, so marking the name here is enough;
``gettext_noop`` only marks it for ``makemessages``.
"""

from django.utils.translation import gettext_noop

ADMIN_NAMES = (gettext_noop("Tokens"),)
