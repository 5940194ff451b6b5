"""A message being read: each extractor takes what it recognises out of the text."""

import re
from collections.abc import Callable

from conversations.assistant.understanding.text import TAKEN

# What a handler answers: False to leave the match in the text (it was not what the
# pattern hoped for), True to take it, or a string to put back instead (to keep a
# word another extractor still needs).
Verdict = bool | str


class Scan:
    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: re.Pattern, handler: Callable[[re.Match], Verdict]) -> None:
        def replace(match: re.Match) -> str:
            verdict = handler(match)
            if verdict is False:
                return match.group()
            if verdict is True:
                return TAKEN
            return verdict

        self.text = pattern.sub(replace, self.text)
