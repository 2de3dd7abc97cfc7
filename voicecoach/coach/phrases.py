"""Phrases of key points against what was heard: synonyms (coach/synonyms.py), lemmas, spoken
forms of code, near misses by sound, and where the words stand (a short phrase is said with its
words together).
Pure functions; coach/keypoints.py builds the key points on them.

`hear` prepares a sentence once (lemmas with synonyms mapped, words written together, numbers a
homophone may hide, the place of each content word); `match_phrase` says with what confidence
and how a phrase is in it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import islice
from typing import Iterable

from .operators import EXACT, operators_fit
from .spoken import edit_distance, homophone_numbers, joined, shares_only_an_end, sound_key, sounds_like, spoken_words
from .synonyms import Synonyms, lexicon_words
from .textmatch import STOPWORDS, tokens


# ---- what was heard ------------------------------------------------------------------------

@dataclass(frozen=True)
class Heard:
    """One sentence, prepared once for every phrase."""

    sequence: tuple[str, ...]  # lemmas, synonyms mapped
    lemmas: frozenset[str]  # lemmas before and after mapping
    joins: frozenset[str]  # words and runs of 2-4 words written together ("readfilesync")
    homophones: frozenset[str]  # numbers a homophone may hide ("for 22" -> 422)
    words: frozenset[str] = frozenset()  # single words as heard (a word Whisper wrote is that word)
    places: tuple[int, ...] = ()  # for each word of `sequence`, its place among the content words said
    clauses: tuple[int, ...] = ()  # for each word of `sequence`, the clause (between commas) it is in
    sound_joins: frozenset[str] = frozenset()  # words and runs that may hide a term misheard by sound


def hear(text: str, synonyms: Synonyms) -> Heard:
    raw = spoken_words(text)
    lemmas = tokens(text)
    mapped, units = synonyms.apply_units(lemmas)
    said = [i for i, t in enumerate(lemmas) if t not in STOPWORDS]  # stopwords do not part words
    place = {u: k for k, u in enumerate(said)}
    places = tuple(place.get(u, -1) for u in units)
    clause_of = [k for k, part in enumerate(_COMMA.split(text)) for _t in tokens(part)]
    if len(clause_of) != len(lemmas):  # a number written across a comma ("600,000"): one clause
        clause_of = [0] * len(lemmas)
    # words written together both as said and as lemmas: "over selling" meets "oversell"
    return Heard(mapped, frozenset(lemmas) | frozenset(mapped), frozenset(raw) | joined(raw) | joined(lemmas, 3),
                 frozenset(homophone_numbers(raw)), frozenset(raw) | frozenset(lemmas), places,
                 tuple(clause_of[u] for u in units), frozenset(raw) | _sound_runs(raw))


# Little words that are also a syllable Whisper writes for part of a term ("and plus one" for
# "end plus one", "a sync"); the others ("i", "also", "it") do not hide one.
_SYLLABLES = frozenset("a an and in on at of to the for or".split())
# ... nor does a negation: "end, no plus one" says the opposite of "end plus one". (A "dot" Whisper
# wrote as "not" is put back before matching: keypoints._dots_restored.)
_NOT_A_SYLLABLE = (STOPWORDS - _SYLLABLES) | {"no", "not", "never"}


def _sound_runs(raw: tuple[str, ...]) -> frozenset[str]:
    """Runs of 2-4 words that may be one term Whisper split ("new decks", "bbkdf to sync"): not
    a run holding a word such as "i" or "also" ("work i", "all also in"), which hides no syllable."""
    runs: set[str] = set()
    start = 0
    for end in [*(k for k, w in enumerate(raw) if w in _NOT_A_SYLLABLE), len(raw)]:
        runs |= joined(raw[start:end], 4)
        start = end + 1
    return frozenset(runs)


_COMMA = re.compile(r"[,;:]\s")


def _content_positions(heard: Heard) -> dict[str, list[int]]:
    """Where each content word of what was heard stands, counted in content words as said (the
    words of one synonym share the place of what was said: "answers with" is one place)."""
    out: dict[str, list[int]] = {}
    for t, k in zip(heard.sequence, heard.places):
        if t not in STOPWORDS and k >= 0 and k not in out.get(t, ()):
            out.setdefault(t, []).append(k)
    return out


def _foreign(want: tuple[str, ...], where: dict[str, list[int]]) -> set[int]:
    """Places of numbers and operators the phrase lacks: "page minus one times the page size"
    is not "page times page size", "return 500 instead of 404" not "return 404"... between."""
    return {pos for w, places in where.items() if EXACT.match(w) and w not in want for pos in places}


def _in_order(want: tuple[str, ...], where: dict[str, list[int]], foreign: set[int], max_between: int = 2) -> bool:
    """The phrase's words in its order, at most `max_between` other content words between two,
    none of them foreign."""
    def walk(k: int, after: int) -> bool:
        if k == len(want):
            return True
        return any(walk(k + 1, pos) for pos in where.get(want[k], ())
                   if pos >= after and (after < 0 or (pos - after - 1 <= max_between
                                                      and not foreign & set(range(after + 1, pos)))))
    return walk(0, -1)


def _close_together(found: list[str], where: dict[str, list[int]], foreign: set[int], slack: int,
                    heard: Heard) -> bool:
    """Each word (as often as the phrase has it) within a run of len(found) + slack content
    words with nothing foreign inside, in any order ("the error rate ... becomes real")."""
    points = sorted((pos, w) for w in set(found) for pos in where.get(w, ()))
    span = len(found) + slack
    for i, (start, first) in enumerate(points):
        seen: list[str] = []
        for pos, w in points[i:]:
            if pos >= start + span:
                break
            seen.append(w)
            if all(seen.count(x) >= found.count(x) for x in set(found)):
                if not foreign & set(range(start, pos + 1)) and not (
                        len(set(found)) == 2 and first == found[-1] and _modifies_what_follows(heard, start, pos)):
                    return True
                break
    return False


# A preposition between a two-word phrase said the other way round: the word after it may belong
# to a noun of its own ("a thousand queries for a single call" says no "single query").
_PREPOSITIONS = frozenset("for of in on at to with per from by into across over under".split())


def _modifies_what_follows(heard: Heard, first_place: int, last_place: int) -> bool:
    """Between the content places `first_place` and `last_place` stands a preposition, and the
    word at `last_place` is followed, in its clause, by another content word it qualifies:
    "a timeout on the client" is a client timeout, "queries for a single call" no single query."""
    seq, places, clauses = heard.sequence, heard.places, heard.clauses or (0,) * len(heard.sequence)
    a = max((k for k, p in enumerate(places) if p == first_place), default=None)
    b = max((k for k, p in enumerate(places) if p == last_place), default=None)
    if a is None or b is None:
        return False
    if not any(seq[k] in _PREPOSITIONS for k in range(a + 1, b)):
        return False
    after = b + 1
    return after < len(seq) and clauses[after] == clauses[b] and seq[after] not in STOPWORDS \
        and places[after] != last_place


SHORT_PHRASE = 3  # content words: a phrase this short must be said with its words together
LONG_PHRASE_SPAN_PER_WORD = 4  # content places a longer phrase's words may spread over, per word


def _span(words: set[str], where: dict[str, list[int]]) -> int:
    """The fewest content places that hold one of each word (0 for fewer than two words)."""
    if len(words) < 2:
        return 0
    events = sorted((k, w) for w in words for k in where[w])
    best, lo, count = len(events) * 100, 0, {}
    for k, w in events:
        count[w] = count.get(w, 0) + 1
        while len(count) == len(words):
            best = min(best, k - events[lo][0] + 1)
            first = events[lo][1]
            count[first] -= 1
            if not count[first]:
                del count[first]
            lo += 1
    return best


def said_together(want: tuple[str, ...], found: list[str], heard: Heard) -> bool:
    """A short phrase (two or three content words) is said when its words stand together: in
    its order with at most two other words between two ("return a clear four oh four"), or
    within two extra words in another order ("connection closed" for "close the connection"),
    never across a number or an operator it lacks. "Page one begins ... and the last orders go
    missing" does not say "last page"."""
    where = _content_positions(heard)
    placed = [w for w in found if w in where]  # words found another way (joined, by sound) have no place
    if len(set(want)) > SHORT_PHRASE:
        # four words or more are specific enough in any order, but within a clause's reach: Whisper
        # runs a fast answer into one long sentence, whose "offset ... page" and "total minus one"
        # forty words apart do not say "offset page minus one"
        return _span(set(placed), where) <= LONG_PHRASE_SPAN_PER_WORD * len(set(want))
    if len(set(placed)) < 2:
        return True
    foreign = _foreign(want, where)
    return _in_order(tuple(w for w in want if w in where), where, foreign) or _close_together(
        [w for w in want if w in placed], where, foreign, 2, heard)


def phrase_tokens(phrase: str, synonyms: Synonyms) -> tuple[str, ...]:
    toks = synonyms.apply(tokens(phrase))
    kept = tuple(t for t in toks if t not in STOPWORDS)
    return kept or toks


def _negated(want: tuple[str, ...], heard: Heard) -> bool:
    """A word of the phrase is only ever heard right after a negation in its clause ("the client
    has no timeout" proposes no client timeout; in "the retry isn't idempotent, idempotency key
    from the order" the key is not negated). A phrase that holds a negation is taken as is."""
    if "not" in want:
        return False
    sequence, clause = heard.sequence, heard.clauses or (0,) * len(heard.sequence)

    def after_a_negation(i: int) -> bool:  # within three words before, little words not counted
        before = (j for j in range(i - 1, -1, -1) if sequence[j] not in STOPWORDS and clause[j] == clause[i])
        # ... or right after "zero" ("zero timeout" is no timeout; "zero based" is a phrase of its own)
        return any(sequence[j] == "not" for j in islice(before, 3)) \
            or i > 0 and sequence[i - 1] == "0" and "0" not in want \
            or _zero_after(i)

    def _zero_after(i: int) -> bool:  # "a timeout of zero" is no timeout, as "zero timeout" is
        after = [sequence[j] for j in range(i + 1, min(len(sequence), i + 3)) if sequence[j] not in STOPWORDS]
        return bool(after) and after[0] == "0" and "0" not in want

    for word in want:
        positions = [i for i, t in enumerate(sequence) if t == word]
        if positions and all(after_a_negation(i) for i in positions):
            return True
    return False


def _negation_heard(want: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    """A phrase that holds a negation: "not" is heard within three words before another of its words."""
    others = set(want) - {"not"}
    return any(t == "not" and others & set(sequence[i + 1:i + 4]) for i, t in enumerate(sequence))


def _by_sound(target: str, heard: Heard, terms: frozenset[str] = frozenset()) -> float:
    """The best near miss by sound. A single word Whisper wrote that misses a sound of the term
    is another word ("totally" is not "deadline"): one word counts when it sounds the same or
    one sound differs, not the first of a short one ("gorgines" for goroutines); a run of words
    written together may also miss one, as Whisper splits a term it does not know ("new decks"
    for mutex). Words that, with their neighbours, sound at least as near another of the
    scenario's terms are that term: "simple date formatter" is SimpleDateFormat (the culprit),
    not DateTimeFormatter (the remedy)."""
    best = 0.0
    for j in heard.sound_joins:
        if j in heard.words and j in lexicon_words():
            continue  # a word of the trade, said as such
        if abs(len(j) - len(target)) <= max(3, len(target) // 2) and not j.isdigit():
            c = sounds_like(target, j)
            # a word Whisper wrote whole is about as long as the term it misheard ("almost" is not "allowlist")
            if c and c < 0.7 and j in heard.words and (len(sound_key(j)) != len(sound_key(target))
                                                       or abs(len(j) - len(target)) > 2):
                continue
            if c and c < 0.7 and j in heard.words and _first_sound_swapped(target, j):
                continue
            if c > best and not _nearer_another(j, c, target, heard, terms) and not shares_only_an_end(target, j) \
                    and not _opens_on_a_vowel_for(target, j):
                best = c
    return best


def _first_sound_swapped(target: str, j: str) -> bool:
    """A short word Whisper wrote whole whose first sound is another than the term's: "succeed" is
    not "request", "things" not "panics", "stores" not "data race". With four sounds or fewer, the
    first is most of what tells words apart; a long term keeps enough ("dbkdf2sync")."""
    a, b = sound_key(target), sound_key(j)
    return len(a) == len(b) <= 4 and a[:1] != b[:1]


def _opens_on_a_vowel_for(target: str, j: str) -> bool:
    """Words whose first sound is a vowel where a short term opens on a consonant: "at rows" is not
    "data race" (a little word stands where the term's first sound was never heard). A long term
    keeps enough sounds to be heard so ("and the parameter" for "bound parameter")."""
    # by letters, as written: Metaphone drops an opening vowel it hears as silent ("oomkilled", MKLT)
    return target[:1].lower() not in "aeiou" and j[:1].lower() in "aeiou" and len(sound_key(target)) < 6


def _nearer_another(j: str, c: float, target: str, heard: Heard, terms: frozenset[str]) -> bool:
    others = [u for u in terms if u != target and len(sound_key(u)) >= 4]
    return any(sounds_like(u, k) >= c for k in heard.sound_joins if j in k for u in others
               if abs(len(k) - len(u)) <= max(3, len(u) // 2))


def _merged(phrase: str, heard: Heard, synonyms: Synonyms) -> frozenset[str]:
    """Tokens of two words of the phrase that Whisper wrote as one word sounding the same, one
    letter apart: "stable keeper order" for "stable key per order". Exact letters keep it to the
    words it could be ("keeper", not "copper")."""
    raw = [w for w in spoken_words(phrase) if w.isalpha()]
    out: set[str] = set()
    for a, b in zip(raw, raw[1:]):
        j = a + b
        if len(j) < 5 or j in heard.joins or (a in STOPWORDS and b in STOPWORDS):
            continue
        for w in heard.words:
            if w.isalpha() and w not in (a, b) and abs(len(w) - len(j)) <= 1 and w[0] == j[0] \
                    and edit_distance(w, j) <= 1 and sound_key(w) == sound_key(j):
                out.update(synonyms.apply(tokens(f"{a} {b}")))
                break
    return frozenset(out)


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
    if positive and _negated(want, heard):
        return 0.0, ""
    if "not" in want and not _negation_heard(want, heard.sequence):
        return 0.0, ""  # "never responds" needs the negation on the response, not anywhere
    unique = list(dict.fromkeys(want))
    need = len(unique) if len(unique) <= 2 else max(2, math.ceil(ratio * len(unique)))
    found, confidence, how = 0, 1.0, "words"
    by_lemma: list[str] = []
    missed_exact = False
    merged: frozenset[str] | None = None
    for t in unique:
        if t in heard.lemmas:
            found += 1
            by_lemma.append(t)
        elif t in heard.joins:
            found, how = found + 1, "spoken form"
        elif t in heard.homophones:
            found, confidence, how = found + 1, min(confidence, 0.8), "spoken form"
        elif t in terms and (c := _by_sound(t, heard, terms)) > 0:
            found, confidence, how = found + 1, min(confidence, c), "sound"
        elif t in (merged := merged if merged is not None else _merged(phrase, heard, synonyms)):
            found, confidence, how = found + 1, min(confidence, 0.7), "sound"
        else:
            missed_exact = missed_exact or bool(EXACT.match(t))
    together = said_together(want, by_lemma, heard) and operators_fit(want, heard.sequence)
    if found == len(unique) and together:
        return confidence, how
    if len(whole) >= 5 and whole in heard.joins and len(spoken_words(phrase)) > 1:
        return 1.0, "spoken form"  # said as one word: "readfilesync" for "read file sync"
    if found >= min(need, len(unique)) and found < len(unique) and together and not missed_exact:
        return confidence, how
    if whole in terms and len(sound_key(whole)) >= 4:
        c = _by_sound(whole, heard, terms)
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
            # and its long words ("deadline", "detector"); shorter ones ("order", "event", "cursor")
            # have too many sound-alikes ("more true" is not "order")
            out.update(w for w in words if len(w) >= 7 and not w.isdigit())
    return frozenset(out)
