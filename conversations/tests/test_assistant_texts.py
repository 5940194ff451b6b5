import string
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from conversations.assistant.formatting import date_long, date_short, price_text, when_long
from conversations.assistant.texts import CATALOG, LANGUAGES


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_text_exists_in_italian_and_english_with_the_same_placeholders(key):
    texts = CATALOG[key]
    assert set(texts) == set(LANGUAGES)
    assert all(texts[language].strip() for language in LANGUAGES)
    assert _placeholders(texts["it"]) == _placeholders(texts["en"])


def test_dates_read_as_customers_write_them():
    rome = ZoneInfo("Europe/Rome")
    assert when_long(datetime(2026, 11, 28, 20, 0, tzinfo=rome), "it") == "sabato 28 novembre alle 20:00"
    assert when_long(datetime(2026, 11, 28, 20, 0, tzinfo=rome), "en") == "Saturday 28 November at 20:00"
    assert date_long(date(2026, 12, 1), "it") == "martedì 1 dicembre"
    today = date(2026, 11, 25)
    assert date_short(today, "it", today=today) == "Oggi"
    assert date_short(date(2026, 11, 26), "en", today=today) == "Tomorrow"
    assert date_short(date(2026, 11, 28), "it", today=today) == "sab 28 nov"


@pytest.mark.parametrize(
    ("price", "language", "text"),
    [(Decimal("35.00"), "it", "€35"), (Decimal("12.50"), "it", "€12,50"), (Decimal("12.50"), "en", "€12.50")],
)
def test_prices_use_the_customers_decimal_separator(price, language, text):
    assert price_text(price, language) == text
