"""Chatwoot services: ``inbound`` (authenticated webhook events), ``outbound`` (replies posted into
Chatwoot conversations), ``handoff`` (Chatwoot's conversation status mirrors Lyo's), ``connections``."""
