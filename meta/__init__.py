"""What the Meta channels (WhatsApp, Instagram) share: the webhook edge, its signature and JSON, the Graph transport.

A floor below the channels: it imports no channel, and the channels import it instead of each other.
"""
