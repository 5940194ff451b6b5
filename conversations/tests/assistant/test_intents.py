"""Intent classification: the phrases the issue names, and the escape words."""

import pytest

from conversations.assistant.understanding import Intent, understand
from conversations.tests.assistant.support import SALON


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("vorrei prenotare", Intent.BOOK),
        ("prenotazione", Intent.BOOK),
        ("un tavolo", Intent.BOOK),
        ("book", Intent.BOOK),
        ("reserve", Intent.BOOK),
        ("domani alle 20 per 4", Intent.BOOK),
        ("per 4", Intent.BOOK),
        ("sì, per 4 domani", Intent.BOOK),
        ("disdire", Intent.CANCEL),
        ("annullare la prenotazione", Intent.CANCEL),
        ("annulla la prenotazione di stasera", Intent.CANCEL),
        ("cancel my booking", Intent.CANCEL),
        ("spostare", Intent.RESCHEDULE),
        ("cambiare orario", Intent.RESCHEDULE),
        ("reschedule", Intent.RESCHEDULE),
        ("move my booking", Intent.RESCHEDULE),
        ("vorrei spostare la prenotazione del tavolo per 4 di domani alle 20", Intent.RESCHEDULE),
        ("le mie prenotazioni", Intent.MY_BOOKINGS),
        ("my bookings", Intent.MY_BOOKINGS),
        ("ho prenotato per domani ma saremo in 6", Intent.MY_BOOKINGS),
        ("il tavolo per sabato è confermato?", Intent.MY_BOOKINGS),
        ("orari", Intent.HOURS),
        ("a che ora aprite", Intent.HOURS),
        ("siete aperti domenica?", Intent.HOURS),
        ("opening hours", Intent.HOURS),
        ("avete un tavolo all'aperto?", Intent.BOOK),  # outdoors, not opening times
        ("quanto costa", Intent.SERVICES),
        ("prezzi", Intent.SERVICES),
        ("listino", Intent.SERVICES),
        ("services", Intent.SERVICES),
        ("il menu di stasera?", Intent.SERVICES),
        ("dove siete", Intent.ADDRESS),
        ("indirizzo", Intent.ADDRESS),
        ("come arrivo", Intent.ADDRESS),
        ("where are you", Intent.ADDRESS),
        ("address", Intent.ADDRESS),
        ("parlare con una persona", Intent.HUMAN),
        ("vorrei parlare con un operatore", Intent.HUMAN),
        ("talk to a human", Intent.HUMAN),
        ("voglio parlare con qualcuno per prenotare", Intent.HUMAN),
        ("grazie", Intent.THANKS),
        ("thanks", Intent.THANKS),
        ("grazie, a stasera", Intent.THANKS),
        ("ciao", Intent.GREETING),
        ("buongiorno", Intent.GREETING),
        ("hi", Intent.GREETING),
        ("hello", Intent.GREETING),
        ("sì", Intent.YES),
        ("ok grazie", Intent.YES),
        ("no grazie", Intent.NO),
        ("boh", Intent.UNKNOWN),
        ("", Intent.UNKNOWN),
        ("🙂", Intent.UNKNOWN),
    ],
)
def test_intent(text, intent, now):
    assert understand(text, now=now).intent == intent


@pytest.mark.parametrize(
    "text", ["menu", "Menù", "aiuto", "help", "reset", "stop", "STOP", "annulla", "Annulla!", "cancel", "menu please"]
)
def test_escape_word_alone_is_menu(text, now):
    assert understand(text, now=now).intent == Intent.MENU


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancel my booking", Intent.CANCEL),
        ("annulla la prenotazione", Intent.CANCEL),
        ("help me book a table", Intent.BOOK),
        ("stop, vorrei prenotare per domani", Intent.BOOK),
    ],
)
def test_escape_word_in_a_sentence_is_read_as_the_sentence(text, intent, now):
    assert understand(text, now=now).intent == intent


def test_a_service_alone_is_a_booking_and_a_price_question_is_not(now):
    assert understand("taglio", now=now, vocabulary=SALON).intent == Intent.BOOK
    assert understand("quanto costa un taglio?", now=now, vocabulary=SALON).intent == Intent.SERVICES
