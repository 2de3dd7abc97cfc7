"""Which of a scenario's key points an answer makes, with how sure we are, and whether it is about
another bug altogether. Pure functions over sentences (structure.Sentence-like objects).

A key point is found in a sentence when one of its phrases is, matched on lemmas (block, blocks,
blocking, blocked), after mapping synonyms to one canonical phrasing (the scenario's `synonyms`
plus the shared list in seeds/lexicon/synonyms.toml), with the spoken forms of code
(coach/spoken.py: "read file sync" is readFileSync, "four oh four" is 404). A term of the
scenario's vocabulary heard only as a near miss by sound ("BBKDF to sync") counts with a lower
confidence; so does a sentence that says the point in other words when an embedding model is
configured (coach/meaning.py). Every match reports its confidence and how it was found.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from ..config import data_path
from .scenarios import Scenario
from .spoken import homophone_numbers, joined, sound_key, sounds_like, spoken_words
from .textmatch import STOPWORDS, tokens

SYNONYMS_FILE = data_path("seeds", "lexicon", "synonyms.toml")
POSITIVE_POINTS = ("fix", "edge_case", "test")  # said after "no"/"without" they describe the problem
# What a claim that something is wrong sounds like (a defect term alone may be small talk).
DEFECT_CUE = re.compile(r"\b(bug|wrong|broken|fails?|never|missing|no|not|doesn't|isn't|aren't|can't|without|"
                        r"different|inconsistent|incorrect|unbounded|arbitrary|trusts?|crash\w*|hangs?|"
                        r"because|leaks?|lets?|allows?|anyone|unsafe|insecure|exposes?|forgot|lacks?|ignores?|"
                        r"the (real )?(trouble|issue|culprit|cause)|comes? from|due to|happens?)\b")
# What an outcome sounds like: a sentence that also states the symptom needs one for its impact.
IMPACT_CUE = re.compile(r"\b(prevents?|stops?|avoids?|keeps?|means?|no longer|never again|saves?|reduces?|"
                        r"improves?|protects?|drops?|falls?|bounds?|caps?|cuts?|instead of|so that|which means|"
                        r"goes away|go away|becomes?|fails? fast)\b")


@dataclass(frozen=True)
class PointMatch:
    point: str
    sentence: int
    confidence: float  # 1.0 said in so many words; lower by sound or by meaning
    how: str  # "words" | "spoken form" | "sound" | "meaning"
    phrase: str  # the key-point phrase (or the reference sentence) it matched

    def to_dict(self) -> dict:
        return asdict(self)


# ---- synonyms ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def shared_synonyms() -> tuple[tuple[str, ...], ...]:
    """The shared groups (ways of saying the same thing in any code review)."""
    try:
        data = tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    except OSError:
        return ()
    return tuple(tuple(g) for g in data.get("groups", []))


class Synonyms:
    """Maps every phrasing of a group to the group's first one, on lemma sequences."""

    def __init__(self, groups: Iterable[Sequence[str]]):
        self._map: dict[tuple[str, ...], tuple[str, ...]] = {}
        for group in groups:
            head = tokens(group[0])
            for alt in group[1:]:
                key = tokens(alt)
                if key and key != head:
                    self._map.setdefault(key, head)
        self._longest = max((len(k) for k in self._map), default=0)

    def apply(self, seq: tuple[str, ...]) -> tuple[str, ...]:
        if not self._map:
            return seq
        out: list[str] = []
        i = 0
        while i < len(seq):
            for n in range(min(self._longest, len(seq) - i), 0, -1):
                head = self._map.get(seq[i:i + n])
                if head is not None:
                    out.extend(head)
                    i += n
                    break
            else:
                out.append(seq[i])
                i += 1
        return tuple(out)


@lru_cache(maxsize=64)
def synonyms_for(scenario: Scenario) -> Synonyms:
    return Synonyms(tuple(scenario.synonyms) + shared_synonyms())


# ---- what was heard ------------------------------------------------------------------------

@dataclass(frozen=True)
class Heard:
    """One sentence, prepared once for every phrase."""

    sequence: tuple[str, ...]  # lemmas, synonyms mapped
    lemmas: frozenset[str]  # lemmas before and after mapping
    joins: frozenset[str]  # words and runs of 2-4 words written together ("readfilesync")
    homophones: frozenset[str]  # numbers a homophone may hide ("for 22" -> 422)


def hear(text: str, synonyms: Synonyms) -> Heard:
    raw = spoken_words(text)
    lemmas = tokens(text)
    mapped = synonyms.apply(lemmas)
    # words written together both as said and as lemmas: "over selling" meets "oversell"
    return Heard(mapped, frozenset(lemmas) | frozenset(mapped), frozenset(raw) | joined(raw) | joined(lemmas, 3),
                 frozenset(homophone_numbers(raw)))


def phrase_tokens(phrase: str, synonyms: Synonyms) -> tuple[str, ...]:
    toks = synonyms.apply(tokens(phrase))
    kept = tuple(t for t in toks if t not in STOPWORDS)
    return kept or toks


def _negated(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """A word of the phrase is only ever heard right after a negation ("the client has no
    timeout" proposes no client timeout). A phrase that holds a negation itself is taken as is."""
    if "not" in want:
        return False
    for word in want:
        positions = [i for i, t in enumerate(sequence) if t == word]
        if positions and all("not" in sequence[max(0, i - 3):i] for i in positions):
            return True
    return False


def _negation_heard(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """A phrase that holds a negation: "not" is heard within three words before another of its words."""
    others = set(want) - {"not"}
    return any(t == "not" and others & set(sequence[i + 1:i + 4]) for i, t in enumerate(sequence))


def _by_sound(target: str, heard: Heard) -> float:
    best = 0.0
    for j in heard.joins:
        if abs(len(j) - len(target)) <= max(2, len(target) // 2) and not j.isdigit():
            best = max(best, sounds_like(target, j))
    return best


def match_phrase(phrase: str, heard: Heard, synonyms: Synonyms, ratio: float = 0.8,
                 terms: frozenset[str] = frozenset(), positive: bool = False) -> tuple[float, str]:
    """(confidence, how) that `heard` says `phrase`; (0, "") when it does not.

    All of a phrase of up to two content words must be heard, else `ratio` of them (at least
    two), in any order. `terms` are the scenario's vocabulary written together ("pbkdf2sync"):
    only those may be matched by sound, as plain words have too many sound-alikes.
    """
    whole = "".join(spoken_words(phrase))
    want = phrase_tokens(phrase, synonyms)
    if not want:
        return 0.0, ""
    if positive and _negated(want, heard.sequence):
        return 0.0, ""
    if "not" in want and not _negation_heard(want, heard.sequence):
        return 0.0, ""  # "never responds" needs the negation on the response, not anywhere
    unique = list(dict.fromkeys(want))
    need = len(unique) if len(unique) <= 2 else max(2, math.ceil(ratio * len(unique)))
    found, confidence, how = 0, 1.0, "words"
    for t in unique:
        if t in heard.lemmas:
            found += 1
        elif t in heard.joins:
            found, how = found + 1, "spoken form"
        elif t in heard.homophones:
            found, confidence, how = found + 1, min(confidence, 0.8), "spoken form"
        elif t in terms and (c := _by_sound(t, heard)) > 0:
            found, confidence, how = found + 1, min(confidence, c), "sound"
    if found == len(unique):
        return confidence, how
    if len(whole) >= 5 and whole in heard.joins and len(spoken_words(phrase)) > 1:
        return 1.0, "spoken form"  # said as one word: "readfilesync" for "read file sync"
    if found >= min(need, len(unique)):
        return confidence, how
    if whole in terms and len(sound_key(whole)) >= 4:
        c = _by_sound(whole, heard)
        if c > 0:
            return c, "sound"
    return 0.0, ""


def term_joins(terms: Iterable[str]) -> frozenset[str]:
    """Vocabulary terms as `match_phrase` compares them: words written together, lower case."""
    out = set()
    for term in terms:
        words = spoken_words(term)
        if words:
            out.add("".join(words))
            out.update(w for w in words if len(w) >= 5 and not w.isdigit())
    return frozenset(out)


# ---- key points ----------------------------------------------------------------------------

# (sentences, scenario, points=the points to look for) -> {point: [(sentence index, confidence)]}
Meaning = Callable[..., Mapping[str, list[tuple[int, float]]]]


def find_points(sentences: Sequence, scenario: Scenario, ratio: float = 0.8, *,
                terms: Iterable[str] = (), meaning: Meaning | None = None) -> dict[str, list[PointMatch]]:
    """For each key point, its matches (best first per sentence). A fix, edge case or test heard
    only after a negation ("there's no lock") describes the problem, so it does not count."""
    synonyms = synonyms_for(scenario)
    vocab = term_joins(terms)
    heard = [hear(s.text, synonyms) for s in sentences]
    out: dict[str, list[PointMatch]] = {}
    for point in scenario.key_points:
        positive = point.name in POSITIVE_POINTS
        found: list[PointMatch] = []
        for s, h in zip(sentences, heard):
            best: PointMatch | None = None
            for phrase in point.phrases:
                c, how = match_phrase(phrase, h, synonyms, ratio, vocab, positive)
                if c > (best.confidence if best else 0.0):
                    best = PointMatch(point.name, s.index, round(c, 2), how, phrase)
                    if c >= 1.0:
                        break
            if best is not None:
                found.append(best)
        out[point.name] = found
    # "the pod runs out of memory" states the symptom; "so memory stays bounded" is the impact
    told = {m.sentence for name in ("symptom", "root_cause") for m in out.get(name, [])}
    if "impact" in out:  # (one-word impact phrases only: "memory", "latency" are symptoms too)
        out["impact"] = [m for m in out["impact"]
                         if m.sentence not in told or len(phrase_tokens(m.phrase, synonyms)) > 1
                         or IMPACT_CUE.search(sentences[_pos(sentences, m.sentence)].text.lower())]
    missing = {name for name, found in out.items() if not found}
    if meaning is not None and sentences and missing:
        # only what the words missed: a point they found needs no model (and no embedding time)
        for name, hits in meaning([s.text for s in sentences], scenario, points=missing).items():
            have = {m.sentence for m in out.get(name, [])}
            for index, score in hits:
                if index not in have and index < len(sentences):
                    out.setdefault(name, []).append(
                        PointMatch(name, sentences[index].index, round(score, 2), "meaning", "(reference)"))
    return out


def _pos(sentences: Sequence, index: int) -> int:
    return next(i for i, s in enumerate(sentences) if s.index == index)


def point_summary(matches: Mapping[str, list[PointMatch]]) -> dict[str, dict]:
    """Per key point: found, the best confidence, how, the phrase, the sentence."""
    out = {}
    for name, found in matches.items():
        best = max(found, key=lambda m: m.confidence, default=None)
        out[name] = ({"found": True, "confidence": best.confidence, "how": best.how, "phrase": best.phrase,
                      "sentence": best.sentence} if best else {"found": False, "confidence": 0.0})
    return out


# ---- another bug? --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def defect_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, lemmas) of the words that name a kind of defect (seeds/lexicon/synonyms.toml `defects`)."""
    try:
        data = tomllib.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    except OSError:
        return ()
    return tuple((d, tokens(d)) for d in data.get("defects", []) if tokens(d))


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
