"""Understanding one customer message, in Italian or English: intent, date, time, party size,
services, staff, booking reference and yes/no. Pure Python; only ``vocabulary_for_tenant``
reads the database.
"""

from conversations.assistant.understanding.parser import understand
from conversations.assistant.understanding.types import (
    EMPTY_VOCABULARY,
    DayPeriod,
    Intent,
    ServiceTerm,
    StaffTerm,
    Understanding,
    Vocabulary,
)
from conversations.assistant.understanding.vocabulary import vocabulary_for_tenant

__all__ = [
    "EMPTY_VOCABULARY",
    "DayPeriod",
    "Intent",
    "ServiceTerm",
    "StaffTerm",
    "Understanding",
    "Vocabulary",
    "understand",
    "vocabulary_for_tenant",
]
