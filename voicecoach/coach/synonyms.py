"""Synonyms: the shared code-review lexicon (seeds/lexicon/synonyms.toml) and each scenario's
own groups, mapped onto lemma sequences. Pure functions over a file read once."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Iterable, Sequence

from ..config import data_path
from .scenarios import Scenario
from .textmatch import tokens

SYNONYMS_FILE = data_path("seeds", "lexicon", "synonyms.toml")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    """seeds/lexicon/synonyms.toml: `groups` (ways of saying the same thing in any code review),
    `defects` (kinds of defect) and `plain` (plain words of the trade); empty when the file cannot
    be read."""
    try:
        return tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    except OSError:
        return {}


@lru_cache(maxsize=1)
def shared_synonyms() -> tuple[tuple[str, ...], ...]:
    """The shared groups (ways of saying the same thing in any code review)."""
    return tuple(tuple(g) for g in lexicon().get("groups", []))


@lru_cache(maxsize=1)
def lexicon_words() -> frozenset[str]:
    """Every word of the shared code-review lexicon (synonym groups, defect kinds, plain words):
    words of the trade, which a speaker says as such ("database" is never a misheard "data race")."""
    phrases = [p for g in shared_synonyms() for p in g] + list(lexicon().get("defects", [])) \
        + list(lexicon().get("plain", []))
    return frozenset(w for p in phrases for w in re.findall(r"[a-z]+", p.lower()) if len(w) >= 4)


class Synonyms:
    """Maps every phrasing of a group to the group's first one, on lemma sequences."""

    def __init__(self, groups: Iterable[Sequence[str]]):
        self._map: dict[tuple[str, ...], tuple[str, ...]] = {}
        for group in groups:
            head = tokens(group[0])
            if len(head) > 1:  # a phrase of several words stays whole: "race detector" is not "race" + "detector"
                self._map.setdefault(head, head)
            for alt in group[1:]:
                key = tokens(alt)
                if key and key != head:
                    self._map.setdefault(key, head)
        self._longest = max((len(k) for k in self._map), default=0)

    def apply(self, seq: tuple[str, ...]) -> tuple[str, ...]:
        return self.apply_units(seq)[0]

    def apply_units(self, seq: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The mapped sequence, and for each of its words the word of `seq` it stands for: the
        words of one replacement ("status" -> "status code") share one place."""
        out: list[str] = []
        units: list[int] = []
        i = 0
        while i < len(seq):
            for n in range(min(self._longest, len(seq) - i), 0, -1):
                head = self._map.get(seq[i:i + n])
                if head is not None:
                    out.extend(head)
                    units.extend([i] * len(head))
                    i += n
                    break
            else:
                out.append(seq[i])
                units.append(i)
                i += 1
        return tuple(out), tuple(units)


@lru_cache(maxsize=64)
def synonyms_for(scenario: Scenario) -> Synonyms:
    return Synonyms(tuple(scenario.synonyms) + shared_synonyms())
