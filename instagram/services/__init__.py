"""Instagram services: ``inbound`` (webhook events stored per tenant), ``outbound`` (sending queued replies)."""
