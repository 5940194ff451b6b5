"""Writes about customers, conversations and messages, split by concept.

``customers``: identity rules and conversations; ``inbound``: storing and handling
what customers send; ``outbound``: the outbox of replies and their delivery status.
"""
