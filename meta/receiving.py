"""What became of one event a Meta webhook delivered: the answer each channel's receiver gives."""

from enum import StrEnum


class ReceiveOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # stored before: Meta redelivered it
    IGNORED = "ignored"  # nobody to attach it to
