"""Italian or English, per message, from the words it uses."""

import re


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that only one of the two languages uses in these chats. Words both share
# ("ok", "no", "menu", "a", "in", "stop", names, numbers) count for neither, so
# "ok" or "20:30" say nothing about the language.
ITALIAN_WORDS: frozenset[str] = _word_set("""
    ciao buongiorno buonasera salve buon buona sera serata giorno grazie mille prego arrivederci c
    vorrei vorremmo volevo voglio vogliamo potrei possiamo posso puo potete avete siete sono siamo saremo sei
    ho hai ha abbiamo avrei fare fate faccio venire vengo passare sapere chiedere serve bisogno
    prenotare prenotazione prenotazioni prenoto prenotato prenotata riservare tavolo tavoli posto posti
    persone persona pers adulti bambini ospiti coperti
    oggi domani dmn dopodomani stasera stamattina domattina stanotte mattina mattino pomeriggio pranzo cena
    lunedi martedi mercoledi giovedi venerdi sabato domenica prossimo prossima settimana
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
    alle all ore verso mezzogiorno mezzanotte mezza
    il lo la le gli un una uno di del della dei delle da dal con per su tra fra che chi come dove quando
    quanto quanti quale qual perche e ed anche ma se non piu mi ti ci vi si mio mia miei mie nostro
    disdire annullare annulla cancellare spostare cambiare modificare anticipare posticipare rimandare
    appuntamento appuntamenti orari orario aperti aperto chiusi chiuso apertura chiusura indirizzo
    parcheggio arrivo arrivare prezzi prezzo costa costo listino servizi
    parlare operatore qualcuno titolare aiuto certo esatto perfetto confermo bene va sicuro
    taglio capelli piega colore tinta barba uomo donna
    purtroppo riusciamo ricordo nome libero libera disponibilita disponibile
""")

ENGLISH_WORDS: frozenset[str] = _word_set("""
    hi hello hey thanks thank you bye goodbye please pls help
    i we me my our your you d ll m re ve s t can could would will like want wanted need get have has do does did
    is are be am was there it this that the an of to for at on with and or but not
    what where when which how much many who
    book booking bookings reserve reservation reservations table tables seat seats spot space availability
    available free people person persons ppl guests adults kids children party group
    today tomorrow tmrw tonight tonite morning afternoon evening night lunch dinner next week day
    monday tuesday wednesday thursday friday saturday sunday
    january february march april june july august september october november december
    cancel reschedule move change postpone appointment appointments
    open opening close closing closed hours time address located location directions park parking
    price prices cost services offer
    talk speak human someone somebody real yes yeah yep yup sure nope nah okay fine great
    haircut hair cut beard trim colour color blow dry men women mens womens
""")


# A word in neither list still leans: Italian words end in a vowel, and "a", "i", "o"
# endings are rare in English ("cani"); English words often end in a consonant. An
# "e" or "u" ending ("accettate", "please") says nothing. Half a listed word's weight.
_UNLISTED_WEIGHT = 0.5
_UNLISTED_MIN_LENGTH = 4
_ITALIAN_ENDINGS = ("a", "i", "o")
_VOWELS = frozenset("aeiou")


_CONSONANT_RUN = re.compile(r"[^aeiouy]{4,}")


def _word_like(word: str) -> bool:
    """Whether an unlisted word could be a word of either language at all: "asdfgh" or "qwrtz" (a hand on
    the keyboard) has too few vowels to lean anywhere, and must not make an Italian business answer in English."""
    vowels = sum(1 for c in word if c in _VOWELS)
    return vowels / len(word) >= 0.3 and not _CONSONANT_RUN.search(word)


def language_detect(words: list[str], hint: str | None = None, names: frozenset[str] = frozenset()) -> str | None:
    """"it" or "en" by which language's words the message uses more; ``hint`` breaks a tie.

    ``names`` (the tenant's staff and service names) lean neither way: "Marco" is no Italian.
    """
    italian = english = 0.0
    for word in words:
        if word in ITALIAN_WORDS:
            italian += 1
        elif word in ENGLISH_WORDS:
            english += 1
        elif len(word) >= _UNLISTED_MIN_LENGTH and word.isalpha() and word not in names and _word_like(word):
            if word.endswith(_ITALIAN_ENDINGS):
                italian += _UNLISTED_WEIGHT
            elif word[-1] not in _VOWELS:
                english += _UNLISTED_WEIGHT
    if italian > english:
        return "it"
    if english > italian:
        return "en"
    if italian and hint in ("it", "en"):
        return hint
    return None
