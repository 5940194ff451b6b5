"""What the customer wants, from weighted keyword and phrase rules in both languages.

Read in layers, the most decisive first:
1. a message that is only an escape word ("menu", "annulla", "stop", "cancel",
   "reset", "help") is MENU, which the engine treats as a reset;
2. asking for a person wins over anything else in the message;
3. acting on an existing booking (cancel, reschedule, list) wins over booking words:
   "annulla la prenotazione di stasera" is CANCEL even though it names a booking;
4. a plain yes or no ("sì grazie", "no") is YES / NO;
5. everything else is scored: questions (hours, services and prices, address),
   booking, thanks, greeting, help. Dates, times, party sizes, services and staff
   count towards BOOK, so "domani alle 20 per 4" is a booking.
Text reaching here is normalised and typo-corrected ("prenotazone" → "prenotazione").
"""

import re
from dataclasses import dataclass

from conversations.assistant.understanding.answers import Answer
from conversations.assistant.understanding.types import Intent

# Alone in a message these reset the conversation (docs/internals.md, "The assistant": "menu", "annulla", "stop",
# "cancel" always work).
_ESCAPE_WORDS = frozenset({
    "menu", "aiuto", "help", "reset", "stop", "annulla", "cancel", "ricomincia", "ricominciamo", "restart",
    "start", "start over", "basta", "esci", "exit", "quit", "home", "annulla tutto", "cancel all",
    "menu principale", "main menu",
})
# Courtesy around an escape word still leaves it alone ("annulla grazie", "menu please").
_COURTESY = frozenset({"per", "favore", "please", "pls", "grazie", "thanks", "thank", "you"})


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern
    weight: float


def _rules(*pairs: tuple[str, float]) -> tuple[_Rule, ...]:
    return tuple(_Rule(re.compile(pattern), weight) for pattern, weight in pairs)


_HUMAN = _rules(
    (r"\b(?:parlare|parlo|parla|sentire|chiamare|chiamarmi|chiamami|chiamatemi|richiamare|richiamarmi|contattare|"
     r"contattarmi)\b.{0,40}\b(?:persona|operatore|operatrice|umano|qualcuno|titolare|responsabile|proprietario|"
     r"gestore|personale|staff)\b", 5),
    (r"\b(?:operatore|operatrice|umano|essere\s+umano|persona\s+(?:vera|reale|fisica))\b", 5),
    (r"\b(?:talk|speak|chat|call)\b.{0,30}\b(?:human|person|someone|somebody|staff|manager|owner|agent|operator|"
     r"real)\b", 5),
    (r"\b(?:human|real\s+person|operator|live\s+agent)\b", 4),
)

_CANCEL_WORDS = (
    r"disdire|disdetta|disdico|disdirla|disdirlo|cancellare|cancellarla|cancellarlo|cancello|cancellazione|"
    r"annullare|annullarla|annullarlo|annullo|annulla|annullamento|cancel|canceled|cancelled|canceling|cancelling|"
    r"cancellation"
)
_BOOKING_NOUNS = (
    r"prenotazion\w*|appuntament\w*|booking|bookings|reservation|reservations|appointment|appointments"
)
_EXISTING_BOOKING: dict[Intent, tuple[_Rule, ...]] = {
    Intent.RESCHEDULE: _rules(
        (r"\b(?:spostare|spostarla|spostarlo|sposta|spostiamo|sposto|spostamento|rimandare|rimandarla|posticipare|"
         r"posticipiamo|posticipo|anticipare|anticipiamo|anticipo|reschedule|rescheduling|postpone)\b", 5),
        (r"\b(?:cambiare|cambia|cambio|cambiarla|modificare|modifica|modificarla|change|move|modify|amend)\b.{0,40}"
         r"\b(?:" + _BOOKING_NOUNS + r"|orario|ora|giorno|data|tavolo|time|date|day|it)\b", 5),
    ),
    Intent.CANCEL: _rules(
        (r"\b(?:" + _CANCEL_WORDS + r")\b", 5),
        # Saying one cannot come is a cancellation, unless the message also moves it.
        (r"\bnon\s+(?:posso|possiamo|riesco|riusciamo|potro|potremo|potrei|potremmo)\s+(?:piu\s+)?(?:a\s+)?"
         r"(?:venire|esserci|passare)\b", 3),
        (r"\b(?:can\s*t|cannot|won\s*t\s+be\s+able\s+to)\s+(?:make\s+it|come)\b", 3),
    ),
    Intent.MY_BOOKINGS: _rules(
        (r"\b(?:le\s+mie|i\s+miei|mie|miei)\s+(?:prenotazioni|appuntamenti)\b", 4),
        (r"\bmy\s+(?:bookings|reservations|appointments)\b", 4),
        (r"\b(?:ho|abbiamo)\s+(?:gia\s+)?(?:una?\s+)?(?:prenotazione|appuntamento)\b", 4),
        (r"\b(?:ho|abbiamo)\s+(?:gia\s+)?prenotato\b|\b(?:i|we)\s+(?:already\s+)?booked\b|"
         r"\b(?:i|we)\s+made\s+a\s+(?:booking|reservation)\b", 4),
        (r"\b(?:e|is\s+it|is\s+my\s+\w+)\s+confermat[oa]\b|\bconfirmed\s*$", 3),
        (r"\b(?:do|did)\s+(?:i|we)\s+have\s+(?:a\s+|an\s+|any\s+)?(?:booking|reservation|appointment)s?\b", 4),
        (r"\b(?:check|verify|see|show|controllare|verificare|vedere|mostrami|mostra|ricordarmi|ricordami)\b.{0,30}"
         r"\b(?:" + _BOOKING_NOUNS + r")\b", 4),
        (r"\bquando\s+(?:ho|e)\b.{0,20}\b(?:" + _BOOKING_NOUNS + r")\b", 4),
        (r"\bwhen\s+is\s+my\b", 4),
        (r"\b(?:la\s+mia|il\s+mio|my)\s+(?:prenotazione|appuntamento|booking|reservation|appointment)\b", 3),
    ),
}
# Below this an existing-booking rule is only a hint ("my booking" in a question).
_EXISTING_BOOKING_MIN = 3

_SCORED: dict[Intent, tuple[_Rule, ...]] = {
    Intent.HOURS: _rules(
        (r"\borar[io]\b", 3),
        # "all'aperto" / "al chiuso" are outdoors and indoors, not opening times.
        (r"(?<!\ball )(?<!\bal )\b(?:aprite|chiudete|apre|chiude|aprono|chiudono|aperti|aperto|aperta|chiusi|"
         r"chiuso|chiusa|apertura|chiusura)\b", 3),
        (r"\b(?:open|opens|opening|close|closes|closing|closed)\b", 3),
        (r"\bhours\b", 2),
        (r"\bwhat\s+time\s+do\s+you\b", 1),
    ),
    Intent.SERVICES: _rules(
        (r"\bquanto\s+(?:costa|costano|viene|vengono|prendete|si\s+spende|spendo|costerebbe)\b", 4),
        (r"\bhow\s+much\b", 4),
        (r"\b(?:prezz[oi]|listino|costo|costi|tariff[ae]|price|prices|pricing|cost|costs)\b", 3),
        (r"\b(?:servizi|trattamenti|services|treatments)\b", 3),
        (r"\b(?:cosa\s+fate|fate\s+anche|what\s+do\s+you\s+(?:do|offer)|do\s+you\s+(?:do|offer))\b", 3),
        # "menu" in a sentence is the food menu; alone it is the escape word.
        (r"\bmenu\b", 3),
    ),
    Intent.ADDRESS: _rules(
        (r"\b(?:dove|where)\b", 3),
        (r"\b(?:indirizzo|address|directions|direction|located|location|posizione|mappa|maps|parcheggio|"
         r"parcheggiare|parking|park)\b", 3),
        (r"\bcome\s+(?:ci\s+)?(?:arrivo|arriviamo|arrivare|si\s+arriva|raggiungervi|vi\s+raggiungo|trovarvi)\b", 3),
        (r"\bhow\s+(?:do|can)\s+(?:i|we)\s+(?:get|find)\b", 3),
    ),
    Intent.BOOK: _rules(
        (r"\b(?:prenot\w*|riservare|riservo|reserve|reservation|reservations|book|booking)\b", 2),
        (r"\b(?:tavolo|tavoli|table|tables)\b", 1.5),
        (r"\b(?:appuntamento|appointment|appt|slot)\b", 1.5),
        (r"\b(?:posto|posti|space|room|spot)\b", 1),
        (r"\b(?:disponibilita|disponibile|disponibili|availability|available|libero|libera|liberi|free)\b", 1),
        (r"\b(?:venire|passare|cenare|pranzare|come|fissare)\b", 1),
        (r"\b(?:vorrei|vorremmo|volevo|voglio|like|posso|possiamo|can|could)\b", 0.5),
    ),
    Intent.THANKS: _rules(
        (r"\b(?:grazie|thanks|thank\s+you|thx|ty|arrivederci|bye|goodbye|a\s+presto|see\s+you|buona\s+serata|"
         r"buona\s+giornata|buona\s+notte)\b", 2),
    ),
    Intent.GREETING: _rules(
        (r"\b(?:ciao|buongiorno|buonasera|buon\s+giorno|buona\s+sera|buon\s+pomeriggio|salve|hey|hi|hello|hiya|"
         r"good\s+(?:morning|afternoon|evening)|ehi|ehila)\b", 1),
    ),
    Intent.MENU: _rules((r"\b(?:aiuto|help)\b", 1.5)),
}
# Equal scores go to the first here: a question about hours that names a day is about hours.
_SCORED_ORDER = (Intent.HOURS, Intent.SERVICES, Intent.ADDRESS, Intent.THANKS, Intent.BOOK, Intent.MENU,
                 Intent.GREETING)
# Dates, times, party sizes, services or staff in the message count towards BOOK: one
# kind of them a little ("grazie, a stasera" stays thanks), two kinds decisively.
_ONE_DETAIL_WEIGHT = 1.5
_SEVERAL_DETAILS_WEIGHT = 3
# Below this nothing was really recognised ("vorrei" alone).
_SCORE_MIN = 1

WORDS: frozenset[str] = frozenset(
    word
    for rules in (_HUMAN, *_EXISTING_BOOKING.values(), *_SCORED.values())
    for rule in rules
    for word in re.findall(r"[a-z]{4,}", rule.pattern.pattern)
) | _ESCAPE_WORDS


def intent_classify(text: str, *, detail_kinds: int, answer: Answer | None) -> Intent:
    """The intent of normalised, corrected ``text``; ``detail_kinds`` counts the kinds of booking details found."""
    if _is_escape_word(text):
        return Intent.MENU
    if _score(text, _HUMAN) > 0:
        return Intent.HUMAN
    existing = {intent: _score(text, rules) for intent, rules in _EXISTING_BOOKING.items()}
    best_existing = max(existing, key=lambda intent: existing[intent])
    if existing[best_existing] >= _EXISTING_BOOKING_MIN:
        return best_existing
    if answer is not None and answer.plain:
        return Intent.YES if answer.value else Intent.NO
    scores = {intent: _score(text, _SCORED[intent]) for intent in _SCORED_ORDER}
    if detail_kinds:
        scores[Intent.BOOK] += _ONE_DETAIL_WEIGHT if detail_kinds == 1 else _SEVERAL_DETAILS_WEIGHT
    best = max(_SCORED_ORDER, key=lambda intent: scores[intent])
    return best if scores[best] >= _SCORE_MIN else Intent.UNKNOWN


def _is_escape_word(text: str) -> bool:
    remaining = " ".join(word for word in text.split() if word not in _COURTESY)
    return remaining in _ESCAPE_WORDS


def _score(text: str, rules: tuple[_Rule, ...]) -> float:
    return sum(rule.weight for rule in rules if rule.pattern.search(text))
