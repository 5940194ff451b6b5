"""What conversations tell the apps above them, which conversations may not import.

Facts only: the receivers (``alerts``) decide whether anybody is to be told. Each is
sent inside the transaction that made the change, so a receiver's writes commit or roll
back with it; sent with ``send`` (not ``send_robust``), like ``bookings.signals``.

``conversation_needs_person``: the assistant or the reply limits handed a conversation
to staff (not staff taking it themselves). Arguments: ``tenant``, ``conversation`` (its
status already ``human``), ``reason`` (a ``Conversation.HandoffReason``), ``message_id``
(the inbound message that led to it) and ``now``.

``party_size_asked``: a customer asked the assistant for a table for ``party_size``
people. Arguments: ``tenant``, ``conversation``, ``party_size``, ``refused`` (no table
seats that many: the assistant told them to call), ``event_id`` (the customer's message,
stable across a redelivery) and ``now``.

``outbound_message_failed``: an outbound message ended ``failed`` (the channel refused it
for good, its retries ran out, or the channel reported it failed later). Arguments:
``tenant``, ``message`` (the row, with its error) and ``now``.
"""

from django.dispatch import Signal

conversation_needs_person = Signal()
party_size_asked = Signal()
outbound_message_failed = Signal()
