"""Filler and hedge detection on a word list: pure functions with context rules.

Vocal fillers (um, uh...) are fillers wherever they occur. Lexical fillers ("like", "you know",
"sort of"...) are fillers only where the context says so, so that "I like this design" and
"what kind of lock" are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..types import Filler, Hedge, Word

# Confidence of a detected filler. Whisper's word probability says little here (true fillers
# often score < 0.05), so transcript fillers get the precision measured on AMI with the verbatim
# prompt (benchmarks/accuracy.py: 0.91); lexical fillers depend on context rules and get less.
VOCAL_CONFIDENCE = 0.9
# Word sources of fillers added after Whisper (their probability is their confidence):
# "recovered" by gap decoding, "acoustic" heard by the filled-pause detector.
ADDED = ("recovered", "acoustic")
LEXICAL_CONFIDENCE = 0.7

_PUNCT = re.compile(r"[^\w'\-]+")
SENTENCE_END = (".", "?", "!")


def norm(text: str) -> str:
    """Lower case, punctuation stripped, curly apostrophes straightened."""
    return _PUNCT.sub("", text.lower().replace("\u2019", "'")).strip("-'")


@dataclass(frozen=True)
class Lexicon:
    vocal: frozenset[str]
    lexical: tuple[tuple[str, ...], ...]  # phrases as token tuples, longest first
    hedges: tuple[tuple[str, ...], ...]
    # the vocal fillers with held sounds squeezed ("ummm" is "um"), built once, not per word checked
    squeezed: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "squeezed", frozenset(squeeze(v) for v in self.vocal))

    @classmethod
    def from_config(cls, fillers: Mapping, hedges: Mapping) -> "Lexicon":
        lexical = sorted((tuple(p.lower().split()) for p in fillers.get("lexical", ())), key=len, reverse=True)
        hedge = sorted((tuple(p.lower().split()) for p in hedges.get("phrases", ())), key=len, reverse=True)
        return cls(frozenset(v.lower() for v in fillers.get("vocal", ())), tuple(lexical), tuple(hedge))

    def is_vocal(self, token: str) -> bool:
        return token in self.vocal or squeeze(token) in self.squeezed

    @classmethod
    def default(cls) -> "Lexicon":
        from ..config import load_config

        cfg = load_config()
        return cls.from_config(cfg.section("fillers"), cfg.section("hedges"))


# "like" after these is a verb ("I like", "would like") or a preposition ("looks like")
_LIKE_NOT_FILLER_BEFORE = {
    "i", "you", "we", "they", "he", "she", "people", "users", "would", "'d", "i'd", "we'd", "you'd", "they'd",
    "do", "does", "did", "don't", "doesn't", "didn't", "to", "not", "looks", "look", "looked", "looking",
    "seems", "seem", "feel", "feels", "felt", "sounds", "sound", "something", "anything", "nothing",
    "more", "much", "exactly", "less", "really", "also", "i'd",
}
_DETERMINERS = {"a", "an", "the", "this", "that", "what", "which", "any", "some", "every", "one", "same",
                "different", "each", "another", "certain", "other", "these", "those", "all"}
_CONJUNCTIONS = {"and", "but", "so", "or", "then", "because"}


def _ends_clause(word: Word | None) -> bool:
    return word is None or word.text.rstrip().endswith(SENTENCE_END + (",", ";", ":"))


def _lexical_is_filler(phrase: tuple[str, ...], words: Sequence[Word], i: int, vocal: frozenset[str]) -> bool:
    """Context rules for a lexical filler starting at words[i]."""
    prev = words[i - 1] if i > 0 else None
    prev_n = norm(prev.text) if prev else ""
    last = words[i + len(phrase) - 1]
    nxt = words[i + len(phrase)] if i + len(phrase) < len(words) else None
    nxt_n = norm(nxt.text) if nxt else ""
    detached = _ends_clause(prev) or last.text.endswith(",") or prev_n in vocal
    if phrase == ("like",):
        if prev_n in _LIKE_NOT_FILLER_BEFORE:
            return False
        return detached or prev_n in _CONJUNCTIONS | {"was", "is", "it's", "were", "just", "like"} or nxt_n.isdigit()
    if phrase in (("sort", "of"), ("kind", "of")):
        return prev_n not in _DETERMINERS  # "what kind of lock" is not a filler
    if phrase == ("you", "know"):
        return prev_n not in {"do", "did", "don't", "if", "would", "you'd", "as"} and nxt_n not in {
            "that", "what", "how", "why", "whether", "where", "when", "who"}
    if phrase == ("i", "mean"):
        return prev_n not in {"what", "which", "that"} and nxt_n not in {"that", "it", "to"}
    if phrase in (("actually",), ("basically",)):
        # "what actually happens" is emphasis; "so basically, ..." is filler
        return detached or prev_n in _CONJUNCTIONS or last.text.endswith(",")
    return True  # kinda, sorta and user-added phrases


# "err" is also the error variable of Node and Go code: "next(err)", "err dot message", "if err
# is nil". Only where code talk places it; elsewhere it is a hesitation ("er" always is).
_ERR_AFTER = {"next", "pass", "passes", "passing", "log", "logs", "throw", "throws", "rethrow", "return", "returns",
              "wrap", "wraps", "print", "prints", "catch", "catches"}
_ERR_BEFORE = {"dot", "message", "stack", "code", "object", "variable", "nil", "null"}


def _names_an_error(words: Sequence[Word], i: int) -> bool:
    """ "err" written so, in code talk: the error variable, not a hesitation."""
    if norm(words[i].text) != "err":
        return False
    before = [norm(w.text) for w in words[max(0, i - 2):i]]
    after = [norm(w.text) for w in words[i + 1:i + 3]]
    dotted = i + 1 < len(words) and words[i + 1].text.strip().startswith(".")  # Whisper's "err .message"
    return (bool(before) and before[-1] in _ERR_AFTER or before == ["next", "of"] or dotted
            or bool(after) and after[0] in _ERR_BEFORE or after in (["is", "nil"], ["isn't", "nil"]))


def _match(phrases, words: Sequence[Word], i: int) -> tuple[str, ...] | None:
    for phrase in phrases:
        if i + len(phrase) <= len(words) and all(norm(words[i + k].text) == t for k, t in enumerate(phrase)):
            return phrase
    return None


def find_fillers(words: Sequence[Word], lexicon: Lexicon) -> list[tuple[int, int, Filler]]:
    """Fillers as (first word index, last index exclusive, Filler)."""
    found: list[tuple[int, int, Filler]] = []
    i = 0
    while i < len(words):
        w = words[i]
        token = norm(w.text)
        if w.source in ADDED or lexicon.is_vocal(token) and not _names_an_error(words, i):
            conf = w.probability if w.source in ADDED else VOCAL_CONFIDENCE
            found.append((i, i + 1, Filler(token or w.text.lower(), w.start_s, w.end_s, w.source, round(conf, 3))))
            i += 1
            continue
        phrase = _match(lexicon.lexical, words, i)
        if phrase and _lexical_is_filler(phrase, words, i, lexicon.vocal):
            j = i + len(phrase)
            found.append((i, j, Filler(" ".join(phrase), w.start_s, words[j - 1].end_s, w.source, LEXICAL_CONFIDENCE)))
            i = j
            continue
        i += 1
    return found


def squeeze(token: str) -> str:
    """'ummm' -> 'um', 'uhhh' -> 'uh': drawn-out spellings of a listed filler."""
    return re.sub(r"(.)\1+", r"\1", token)


def find_hedges(words: Sequence[Word], lexicon: Lexicon) -> list[Hedge]:
    hedges: list[Hedge] = []
    i = 0
    while i < len(words):
        phrase = _match(lexicon.hedges, words, i)
        if phrase:
            hedges.append(Hedge(" ".join(phrase), words[i].start_s))
            i += len(phrase)
        else:
            i += 1
    return hedges
