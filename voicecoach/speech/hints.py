"""Biasing recognition toward the terms a take is graded on (the scenario's vocabulary).

Whisper conditions on the text before the audio (its "previous text" prompt, at most 223
tokens). The terms go first, then the answer so far, then the verbatim-filler sample last,
because Whisper continues the style of the end of its prompt (pipeline.VERBATIM_PROMPT).
faster-whisper's `hotwords` are the same mechanism (tokens placed before the previous text), so
one prompt carries both. The terms arrive as plain strings (`ScoreOptions.vocabulary`), built at
the sessions/CLI boundary by coach/vocabulary.py: this stage knows nothing of scenarios.

Measured in benchmarks/content.py (docs/content-accuracy.md): the style and the budget below.
"""

from __future__ import annotations

# ~4 characters a token for English, fewer for identifiers: 240 characters stay well inside the
# 223-token window beside 150 characters of context and the verbatim sample (~25 tokens).
MAX_HINT_CHARS = 240
STYLES = ("glossary", "list", "off")


def hint_prompt(terms: tuple[str, ...], style: str = "glossary", max_chars: int = MAX_HINT_CHARS) -> str:
    """The terms as prompt text: "glossary" a sentence naming them ("Code review, JavaScript
    (Node.js/Express): pbkdf2Sync, readFileSync."), "list" the bare terms (hotwords style)."""
    if style == "off" or not terms:
        return ""
    lead, rest = (terms[0], terms[1:]) if style == "glossary" and terms and " (" in terms[0] else ("", terms)
    chosen: list[str] = []
    used = len(lead) + 20
    for term in rest:
        if used + len(term) + 2 > max_chars:
            break
        chosen.append(term)
        used += len(term) + 2
    if style == "list":
        return " ".join(chosen)
    head = f"Code review, {lead}" if lead else "Code review"
    return f"{head}: {', '.join(chosen)}." if chosen else f"{head}."
