"""Plain word splitting shared by stages that must not import each other (store and speech)."""

from __future__ import annotations

import re


def plain_tokens(text: str) -> list[str]:
    """Lower-case words of `text`, punctuation dropped, hyphenated words split."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " ").replace("\u2019", "'"))
