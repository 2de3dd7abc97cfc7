"""Whether an answer is about another bug altogether: a diagnosis sentence that names a kind of
defect the scenario never mentions ("there's no authorization check" for an unhandled rejection).
The "wrong bug" verdict rests on it (coach/structure.py). Pure functions."""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from .cues import DEFECT_CUE
from .scenarios import Scenario
from .synonyms import lexicon
from .textmatch import tokens


@lru_cache(maxsize=1)
def defect_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, lemmas) of the words that name a kind of defect (seeds/lexicon/synonyms.toml `defects`)."""
    return tuple((d, tokens(d)) for d in lexicon().get("defects", []) if tokens(d))


@lru_cache(maxsize=64)
def own_lemmas(scenario: Scenario) -> frozenset[str]:
    """Every lemma the scenario itself uses to describe its bug, fix and impact."""
    text = " ".join([scenario.title, scenario.bug_class, scenario.prompt, scenario.reference_answer,
                     *(p for kp in scenario.key_points for p in kp.phrases),
                     *(p for g in scenario.synonyms for p in g), *scenario.vocabulary])
    return frozenset(tokens(text))


def other_defect(sentences: Sequence, labels: Sequence[str], scenario: Scenario) -> dict | None:
    """The first diagnosis sentence naming a kind of defect this scenario never mentions
    ("there's no authorization check" for an unhandled rejection), or None."""
    own = own_lemmas(scenario)
    for s, label in zip(sentences, labels):
        if label != "problem" and s.index > 1:
            continue
        if s.index > 0 and not DEFECT_CUE.search(s.text.lower().replace("\u2019", "'")):
            continue  # the opening sentence is the diagnosis; later ones must say something is wrong
        seq = tokens(s.text)
        named = [name for name, t in defect_terms() if not set(t) <= own
                 and any(seq[i:i + len(t)] == t for i in range(len(seq) - len(t) + 1))]
        if named:  # the most specific one: "authorization" rather than "leak"
            return {"sentence": s.index, "term": max(named, key=len), "text": s.text}
    return None
