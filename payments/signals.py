"""What payments tells the apps above it (the assistant tells the customer), which payments may not import.

``deposit_settled``: Stripe's answer about a deposit or card guarantee is in. Sent after
commit. Arguments: ``tenant``, ``payment_id`` (the deposit or guarantee), ``outcome``
(a ``DepositOutcome``) and ``now``.
"""

from enum import StrEnum

from django.dispatch import Signal


class DepositOutcome(StrEnum):
    # Paid (or the card saved) in time: the held booking is confirmed.
    CONFIRMED = "confirmed"
    # Paid after the hold had run out: the slot is gone, the money goes back.
    REFUNDED_LATE = "refunded_late"
    # Nobody paid in time: the hold ran out and the link no longer works.
    EXPIRED = "expired"


deposit_settled = Signal()
