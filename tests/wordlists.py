"""Hand-made timed word lists for the pure metric tests."""

from voicecoach.types import Word


def words(text: str, start_s: float = 0.0, word_s: float = 0.3, gaps: dict[int, float] | None = None) -> list[Word]:
    """One Word per whitespace token, `word_s` long, back to back; `gaps[i]` inserts silence before word i."""
    out, t = [], start_s
    for i, token in enumerate(text.split()):
        t += (gaps or {}).get(i, 0.0)
        out.append(Word(token, round(t, 3), round(t + word_s, 3), 0.9))
        t += word_s
    return out
