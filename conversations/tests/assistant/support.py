"""What the understanding tests share: a fixed "now" and the demo tenants' vocabularies (operators/demo.py)
with fixed ids, so that most tests need no database."""

import datetime
import zoneinfo

from conversations.assistant.understanding import ServiceTerm, StaffTerm, Vocabulary

ROME = zoneinfo.ZoneInfo("Europe/Rome")
# Wednesday 25 November 2026, 19:00 in Rome.
NOW = datetime.datetime(2026, 11, 25, 19, 0, tzinfo=ROME)

SERVICE_IDS = {"taglio_donna": 1, "taglio_uomo": 2, "piega": 3, "colore": 4, "barba": 5}
STAFF_IDS = {"giulia": 11, "marco": 12}

SALON = Vocabulary(
    services=(
        ServiceTerm(1, ("Taglio donna", "Women's haircut", "taglio", "haircut", "capelli")),
        ServiceTerm(2, ("Taglio uomo", "Men's haircut", "taglio", "haircut", "capelli")),
        ServiceTerm(3, ("Piega", "Blow-dry", "blow dry", "piega", "styling")),
        ServiceTerm(4, ("Colore", "Colour", "tinta", "tingere", "color", "dye", "colore")),
        ServiceTerm(5, ("Barba", "Beard trim", "beard", "beard trim", "rasatura")),
    ),
    staff=(StaffTerm(11, "Giulia"), StaffTerm(12, "Marco")),
    opening_ranges=((datetime.time(9), datetime.time(19)),),
)

TRATTORIA = Vocabulary(
    opening_ranges=((datetime.time(12), datetime.time(15)), (datetime.time(19), datetime.time(23, 30))),
)
