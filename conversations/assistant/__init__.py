"""The channel-neutral booking assistant (SPEC §7).

It never imports a channel: input is an ``InboundMessage``, output is ``Reply``s.
"""
