"""The channel-neutral booking assistant (docs/internals.md, "The assistant").

It never imports a channel: input is an ``InboundMessage``, output is ``Reply``s.
"""
