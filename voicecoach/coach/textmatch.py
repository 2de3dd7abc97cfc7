"""Loose phrase matching for spoken text: the same normalisation on both sides, so "closes the
connection", "connection closed" and "close the connection" meet. Pure functions."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .spoken import spoken_words

_IRREGULAR_NOT = {"can't": "can", "won't": "will", "shan't": "shall"}
# negations collapse to one token so "no lock", "without a lock" and "not locked" meet
_NEGATIONS = {"no", "non", "un", "not", "without", "never", "nothing", "neither", "nor"}  # "un" of "un-caught" as Whisper writes it
STOPWORDS = frozenset(
    "a an the is are was were be been being of to in on at by for with from as it its it's this that these "
    "those and or so then than there here we i you they he she our your their my me us them do does did "
    "just very really also into out up about over which who what when where how would could should will "
    "can may might must have has had get gets got if but".split())
# irregular forms whose suffix rules cannot meet: the base form they stand for
_IRREGULAR = {"ran": "run", "sent": "send", "made": "make", "took": "take", "taken": "take", "held": "hold",
              "threw": "throw", "thrown": "throw", "caught": "catch", "lost": "lose", "built": "build",
              "kept": "keep", "wrote": "write", "written": "write", "went": "go", "gone": "go", "hung": "hang",
              "did": "do", "done": "do", "said": "say", "paid": "pay", "spent": "spend", "ate": "eat",
              "broke": "break", "broken": "break", "chose": "choose", "chosen": "choose", "fell": "fall",
              "got": "get", "gotten": "get", "saw": "see", "seen": "see", "gave": "give", "given": "give",
              "found": "find", "told": "tell", "sold": "sell", "oversold": "oversell", "children": "child"}
_DOUBLED = re.compile(r"([bdfgkmnprt])\1$")


def _stem(token: str) -> str:
    """A crude, symmetric lemma: it only has to map the forms of one word to one key (block,
    blocks, blocking, blocked; retry, retries, retried; connection, connected)."""
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or not token.isalpha():
        return token
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("e", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3 and not token.endswith(("ss", "us", "is")):
            token = token[: len(token) - len(suffix)] + repl
            break
    for suffix, repl in (("ization", "iz"), ("ation", "at"), ("ion", ""), ("ly", ""), ("ment", ""),
                         ("ability", "abl"), ("ibility", "ibl")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            token = token[: len(token) - len(suffix)] + repl
            break
    if token.endswith("e") and len(token) > 4:
        token = token[:-1]
    return _DOUBLED.sub(r"\1", token) if len(token) >= 4 else token


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased, identifiers split, numbers as digits (spoken.spoken_words), contractions split
    ("doesn't" -> does, not), negations as "not", lemmatised."""
    out: list[str] = []
    for raw in spoken_words(text):
        if raw.endswith("n't"):
            out += [_stem(_IRREGULAR_NOT.get(raw, raw[:-3])), "not"]
            continue
        raw = re.sub(r"'(s|re|ll|d|ve|m)$", "", raw).strip("'")
        if not raw:
            continue
        out.append("not" if raw in _NEGATIONS else _stem(raw))
    return tuple(out)


@lru_cache(maxsize=4096)
def content_tokens(phrase: str) -> tuple[str, ...]:
    """The tokens of a phrase that must be heard for it to count (stopwords dropped)."""
    toks = tokens(phrase)
    kept = tuple(t for t in toks if t not in STOPWORDS)
    return kept or toks


def phrase_matches(phrase: str, heard: frozenset[str] | set[str], ratio: float = 0.8) -> bool:
    """True when enough of the phrase's content tokens were heard (any order)."""
    want = content_tokens(phrase)
    if not want:
        return False
    need = len(want) if len(want) <= 2 else max(2, math.ceil(ratio * len(want)))
    return sum(1 for t in set(want) if t in heard) >= min(need, len(set(want)))


def negated(phrase: str, sequence: tuple[str, ...]) -> bool:
    """True when the phrase's first content word is only ever heard right after a negation:
    "there's no try catch" names a missing fix, it does not propose one."""
    want = content_tokens(phrase)
    if not want:
        return False
    positions = [i for i, t in enumerate(sequence) if t == want[0]]
    if not positions:
        return False
    return all("not" in sequence[max(0, i - 3):i] for i in positions)
