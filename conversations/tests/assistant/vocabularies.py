"""The demo tenants' vocabularies (tenants/demo.py), with fixed ids, for tests that need no database."""

import datetime

from conversations.assistant.understanding import ServiceTerm, StaffTerm, Vocabulary

SERVICE_IDS = {"taglio_donna": 1, "taglio_uomo": 2, "piega": 3, "colore": 4, "barba": 5}
STAFF_IDS = {"giulia": 11, "marco": 12}

SALON = Vocabulary(
    services=(
        ServiceTerm(1, ("Taglio donna", "Women's haircut", "taglio", "haircut", "capelli")),
        ServiceTerm(2, ("Taglio uomo", "Men's haircut", "taglio", "haircut", "capelli")),
        ServiceTerm(3, ("Piega", "Blow-dry", "blow dry", "piega", "styling")),
        ServiceTerm(4, ("Colore", "Colour", "tinta", "color", "dye", "colore")),
        ServiceTerm(5, ("Barba", "Beard trim", "beard", "beard trim", "rasatura")),
    ),
    staff=(StaffTerm(11, "Giulia"), StaffTerm(12, "Marco")),
    opening_ranges=((datetime.time(9), datetime.time(19)),),
)

TRATTORIA = Vocabulary(
    opening_ranges=((datetime.time(12), datetime.time(15)), (datetime.time(19), datetime.time(23, 30))),
)
