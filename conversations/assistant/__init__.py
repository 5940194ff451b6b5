"""The channel-neutral booking assistant (README, "The assistant").

It never imports a channel: input is an ``InboundMessage``, output is ``Reply``s.
"""
