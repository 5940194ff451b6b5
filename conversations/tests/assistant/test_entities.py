"""Party size, services, staff, booking references, yes/no and language."""

import pytest

from conversations.assistant.understanding import ServiceTerm, StaffTerm, Vocabulary, understand
from conversations.tests.assistant.support import SALON

DONNA, UOMO, PIEGA, COLORE, BARBA = 1, 2, 3, 4, 5
GIULIA, MARCO = 11, 12


@pytest.mark.parametrize(
    ("text", "party_size"),
    [
        ("per 4", 4),
        ("siamo in 4", 4),
        ("siamo 4", 4),
        ("saremo in sei", 6),
        ("4 persone", 4),
        ("4 pax", 4),
        ("per due", 2),
        ("per dodici persone", 12),
        ("x 2", 2),
        ("x2", 2),
        ("table for two", 2),
        ("table for one", 1),
        ("una persona", 1),
        ("party of 6", 6),
        ("for 3 people", 3),
        ("we are 5", 5),
        ("we're eleven", 11),
        ("there will be 7 of us", 7),
        ("tavolo da 8", 8),
        ("4 adulti e 2 bambini", 6),
        ("2 adulti e un bambino", 3),
        ("io e mia moglie", 2),
        # The writer and the companions they name
        ("io e mio marito", 2),
        ("noi due", 2),
        ("noi tre domani sera", 3),
        ("con la mia compagna e i due bambini", 4),
        ("io, mia moglie e i 3 figli", 5),
        ("io e mia figlia e suo marito", 3),
        ("io e i miei genitori", 3),
        ("vengo con mia moglie domani alle 20", 2),
        ("with my husband", 2),
        ("me and my wife and two kids", 4),
        ("me, my wife and my son", 3),
        ("just the two of us", 2),
        ("siamo una coppia", 2),
        ("un tavolo in coppia sabato", 2),
        ("tavolo per 4 con i bambini", 4),  # the number said wins
        ("un tavolo con i bambini", None),  # how many children: asked
        ("for a couple of days", None),
        ("possiamo venire in 3 stasera?", 3),
        ("per 4 domani alle 20", 4),
        ("il 15 per 2", 2),
        ("prenotazione x 2 domani sera", 2),
        ("for 2 at 8pm", 2),
        ("sabato 4 persone", 4),
        ("per 4 il 4 dicembre", 4),
        ("tavolo stasera alle 21 in 3", 3),
        ("domani sera in due", 2),
        # Numbers that count something else
        ("alle 4", None),
        ("per le 8", None),
        ("per il 15", None),
        ("il 4 dicembre", None),
        ("per 2 giorni", None),
        ("per 100", None),
        ("per un taglio", None),
        ("avete un posto stasera?", None),
        ("for 8pm", None),
        ("il 45", None),
        ("ci vediamo in 3 giorni", None),
        ("arrivo in 10 minuti", None),
        # Couples, a count and who comes with it, "my husband and I"
        ("siamo 2 coppie", 4),
        ("io e mio marito con i nostri 2 figli", 4),
        ("siamo tre coppie", 6),
        ("noi tre + un bambino", 4),
        ("noi 2 piu i nonni", 4),
        ("siamo in 4 e mia figlia", 5),
        ("siamo 4 adulti e un neonato", 5),
        ("my husband and I", 2),
        ("my wife and me", 2),
        ("noi tre", 3),
        ("siamo in 2, per 2 ore", 2),
    ],
)
def test_party_size(text, party_size, now):
    assert understand(text, now=now).party_size == party_size


@pytest.mark.parametrize(
    ("text", "service_ids"),
    [
        ("taglio", (DONNA, UOMO)),
        ("un taglio per favore", (DONNA, UOMO)),
        ("haircut", (DONNA, UOMO)),
        ("hair cut", (DONNA, UOMO)),
        ("taglio uomo", (UOMO,)),
        ("taglio da donna", (DONNA,)),
        ("taglio capelli uomo", (UOMO,)),
        ("Women's haircut", (DONNA,)),
        ("womens haircut", (DONNA,)),
        ("mens cut", (UOMO,)),
        ("taglo donna", (DONNA,)),
        ("beard trim", (BARBA,)),
        ("beard", (BARBA,)),
        ("la bara", (BARBA,)),
        ("rasatura", (BARBA,)),
        ("Colore", (COLORE,)),
        ("colour", (COLORE,)),
        ("tinta", (COLORE,)),
        ("blow-dry", (PIEGA,)),
        ("blowdry", (PIEGA,)),
        ("piega", (PIEGA,)),
        ("taglio e piega", (DONNA, UOMO)),  # which cut first; the blow-dry follows (below)
        ("taglio uomo e barba", (UOMO,)),
        ("un tavolo per 4", ()),
        ("taglio con Giulia", (DONNA, UOMO)),
    ],
)
def test_services_by_approximate_name(text, service_ids, now):
    assert understand(text, now=now, vocabulary=SALON).service_ids == service_ids


@pytest.mark.parametrize(
    ("text", "service_ids", "then"),
    [
        ("taglio e piega", (DONNA, UOMO), (PIEGA,)),
        ("taglio uomo e barba", (UOMO,), (BARBA,)),
        ("taglio e barba", (UOMO,), (BARBA,)),  # a beard alongside: the men's cut
        ("piega e taglio donna", (DONNA,), (PIEGA,)),  # the blow-dry comes last
        ("haircut and beard trim", (UOMO,), (BARBA,)),
        ("taglio uomo o barba?", (UOMO, BARBA), ()),  # asking between them, not for both
        ("taglio uomo oppure la barba", (UOMO, BARBA), ()),
        ("barba e taglio", (UOMO,), (BARBA,)),  # the cut before the beard
        ("barba", (BARBA,), ()),
    ],
)
def test_two_services_named_by_different_words_are_one_visit(text, service_ids, then, now):
    understanding = understand(text, now=now, vocabulary=SALON)
    assert (understanding.service_ids, understanding.then_service_ids) == (service_ids, then)


@pytest.mark.parametrize(
    ("text", "staff_id"),
    [
        ("con Giulia", GIULIA),
        ("with Marco", MARCO),
        ("giula sabato", GIULIA),
        ("da marco", MARCO),
        ("Giulia o Marco", None),  # either: the engine offers both
        ("il 15 marzo", None),  # a month, not Marco
        ("con Luca", None),
        ("Ciao, sono Marco, vorrei un taglio", None),  # the customer's own name
        ("Hi, this is Giulia", None),
        ("Is Marco free?", MARCO),
    ],
)
def test_staff_by_name(text, staff_id, now):
    assert understand(text, now=now, vocabulary=SALON).staff_id == staff_id


def test_accented_and_multiword_tenant_names_match_plain_typing(now):
    vocabulary = Vocabulary(
        services=(ServiceTerm(7, ("Trattamento cheratina", "Keratin treatment", "cheratina")),),
        staff=(StaffTerm(9, "Niccolò B."),),
    )
    result = understand("vorrei la cheratina con niccolo", now=now, vocabulary=vocabulary)
    assert (result.service_ids, result.staff_id) == ((7,), 9)


def test_without_vocabulary_no_service_or_staff_is_found(now):
    result = understand("taglio con Giulia", now=now)
    assert (result.service_ids, result.staff_id) == ((), None)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Annullare la prenotazione K7M3QD", "K7M3QD"),
        ("codice k7m3qd", "K7M3QD"),
        ("ref: #R4T9XZ grazie", "R4T9XZ"),
        ("prenotazione R00001", "R00001"),
        ("alle20 per 4", None),
        ("4persone 1030am", None),
        ("GRAZIE MILLE", None),
        ("20:30", None),
    ],
)
def test_booking_reference(text, reference, now):
    assert understand(text, now=now).reference == reference


def test_reference_digits_are_not_read_as_a_date_or_party(now):
    result = understand("sposta K7M3QD", now=now)
    assert (result.reference, result.date, result.time, result.party_size) == ("K7M3QD", None, None, None)


@pytest.mark.parametrize(
    ("text", "yes_no"),
    [
        ("sì", True),
        ("si", True),
        ("Sì!", True),
        ("ok", True),
        ("va bene", True),
        ("vabene grazie", True),
        ("certo", True),
        ("yes", True),
        ("sure", True),
        ("yep", True),
        ("perfetto", True),
        ("no problem", True),
        ("👍", True),
        ("sì, per 4", True),
        ("no", False),
        ("nope", False),
        ("no grazie", False),
        ("No, domani alle 20", False),
        ("si può prenotare?", None),
        ("vorrei prenotare", None),
        ("", None),
    ],
)
def test_yes_no(text, yes_no, now):
    assert understand(text, now=now).yes_no is yes_no


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ciao, vorrei prenotare un tavolo", "it"),
        ("Hi, can I book a table?", "en"),
        ("prenotazone x 2 stsera", "it"),
        ("reservaton for 2 tonite", "en"),
        ("Giulia è libera sabato?", "it"),
        ("20:30", None),
        ("ok", None),
        ("👍", None),
        ("menu", None),
        ("Marco", None),
        ("", None),
    ],
)
def test_language(text, language, now):
    assert understand(text, now=now, vocabulary=SALON).language == language


def test_language_hint_breaks_a_tie_only(now):
    assert understand("hi ciao", now=now).language is None
    assert understand("hi ciao", now=now, language_hint="en").language == "en"
    assert understand("hi ciao", now=now, language_hint="it").language == "it"
    assert understand("20:30", now=now, language_hint="en").language is None
    assert understand("vorrei prenotare", now=now, language_hint="en").language == "it"


def test_vocabulary_built_from_lists_still_works(now):
    vocabulary = Vocabulary(services=[ServiceTerm(7, ["Piega", "Blow-dry"])], staff=[StaffTerm(9, "Giulia")])
    result = understand("piega con giulia", now=now, vocabulary=vocabulary)
    assert (result.service_ids, result.staff_id) == ((7,), 9)
