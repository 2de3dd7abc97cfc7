"""Which of a scenario's key points an answer makes, and with how sure we are (whether it is
about another bug altogether: coach/other_defect.py). Pure functions over sentences
(structure.Sentence-like objects).

A key point is found in a sentence when one of its phrases is, matched on lemmas (block, blocks,
blocking, blocked), after mapping synonyms to one canonical phrasing (the scenario's `synonyms`
plus the shared list in seeds/lexicon/synonyms.toml), with the spoken forms of code
(coach/spoken.py: "read file sync" is readFileSync, "four oh four" is 404). A term of the
scenario's vocabulary heard only as a near miss by sound ("BBKDF to sync") counts with a lower
confidence; so does a sentence that says the point in other words when an embedding model is
configured (coach/meaning.py). Every match reports its confidence and how it was found. How a
sentence sounds (a claim, a proposal, an outcome, a test, a guess) is read by coach/cues.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, is_dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from .cues import (DEFECT_CUE, PROPOSAL_LEAD, IMPERATIVE_LEAD, PROPOSAL, IMPACT_CUE, OUTCOME_CUE, STAKE,
                   TEST_CUE, CLAUSE_BREAK, CHECKS, AFTER_A_TEST, NO_TEST, HEDGE, BARE_CODE, WATCHERS, EXPLAINS,
                   EDGE_FLAW, MIN_CLAIM_WORDS, STOPS, MATTERS, LOSS)
from .claims import (POSITIVE_POINTS, about_a_test, describes, fits, follows_the_remedy, lowered, proposes,
                     states_a_defect, where_a_test_starts, waved_away)
from .phrases import Heard, hear, match_phrase, phrase_tokens, term_joins  # noqa: F401  (term_joins: for callers)
from .synonyms import SYNONYMS_FILE, Synonyms, lexicon, shared_synonyms, synonyms_for  # noqa: F401  (re-exported)
from .scenarios import Scenario
from .spoken import dotted_pairs, restore_dots
from .textmatch import STOPWORDS, tokens


@dataclass(frozen=True)
class PointMatch:
    point: str
    sentence: int
    confidence: float  # 1.0 said in so many words; lower by sound or by meaning
    how: str  # "words" | "spoken form" | "sound" | "meaning"
    phrase: str  # the key-point phrase (or the reference sentence) it matched

    def to_dict(self) -> dict:
        return asdict(self)


# ---- key points ----------------------------------------------------------------------------

# (sentences, scenario, points=the points to look for) -> {point: [(sentence index, confidence)]}
Meaning = Callable[..., Mapping[str, list[tuple[int, float]]]]


def find_points(sentences: Sequence, scenario: Scenario, ratio: float = 0.8, *,
                terms: Iterable[str] = (), meaning: Meaning | None = None) -> dict[str, list[PointMatch]]:
    """For each key point, its matches (best first per sentence). A fix or test heard only after
    a negation ("there's no lock") describes the problem, so it does not count; an edge case
    said as what is missing ("without looking at the status code") names it all the same."""
    synonyms = synonyms_for(scenario)
    terms = tuple(terms)
    vocab = term_joins(terms)
    sentences = _dots_restored(sentences, scenario, terms)
    heard = [hear(s.text, synonyms) for s in sentences]
    out: dict[str, list[PointMatch]] = {}
    for point in scenario.key_points:
        positive = point.name in POSITIVE_POINTS and point.name != "edge_case"  # see the docstring
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
    # a sentence that proposes a change is a diagnosis only if it also says what is wrong:
    # "I'd run the tests with the race detector on" names no race condition
    texts = [lowered(s.text) for s in sentences]
    guesses = _guesses(sentences, texts)
    if guesses:  # a rambling answer's guesses: "maybe the repository is caching"
        out = {name: [m for m in found if m.sentence not in guesses or name == "symptom"] for name, found in out.items()}
    out["root_cause"] = [m for m in out.get("root_cause", [])
                         if states_a_defect(texts[_pos(sentences, m.sentence)],
                                             _clause_of(m, sentences[_pos(sentences, m.sentence)].text, synonyms, ratio,
                                                        vocab))]
    if "fix" in out:
        out["fix"] = [m for m in out["fix"] if not _no_remedy(m, texts[_pos(sentences, m.sentence)])
                      and not waved_away(texts, _pos(sentences, m.sentence))]
    if "root_cause" not in {p.name for p in scenario.key_points}:
        del out["root_cause"]
    # "the pod runs out of memory" states the symptom; "so memory stays bounded" is the impact
    told = _told(out)
    # (one-word impact phrases only: "memory", "latency" are symptoms too, and what a test watches)
    tested = {s.index for s, text in zip(sentences, texts) if about_a_test(text)}
    # ... and so is the next one when it goes on checking: Whisper cut "add a load test, fire fifty
    # logins and request health every ten milliseconds, asserting its p99 stays low" in two
    for k in range(1, len(sentences)):
        if sentences[k - 1].index in tested and CHECKS.search(texts[k]) and not AFTER_A_TEST.search(texts[k]):
            tested.add(sentences[k].index)
    first_fix = min((_pos(sentences, m.sentence) for m in out.get("fix", [])), default=len(sentences))
    if "impact" in out:  # (before the remedy, "means" in "a slow service means every call blocks" is no outcome)
        # (in a test, "assert no duplicates" is what the test checks, unless it says what that prevents;
        # so is a one-word outcome heard only in a run-on sentence's test tail: "..., a load test, hit
        # health every hundred milliseconds, assert it stays under a hundred milliseconds")
        out["impact"] = [m for m in out["impact"]
                         if (m.sentence not in tested or AFTER_A_TEST.search(texts[_pos(sentences, m.sentence)]))
                         and not _measured_in_its_test(m, sentences[_pos(sentences, m.sentence)].text, synonyms,
                                                       ratio, vocab)
                         and (len(phrase_tokens(m.phrase, synonyms)) > 1
                              or _pos(sentences, m.sentence) >= first_fix
                              and (m.sentence not in told or IMPACT_CUE.search(texts[_pos(sentences, m.sentence)])))]
    # a test sentence describes the check, not the diagnosis ("call it ... until the pool empties",
    # "assert it answers quickly, not wait forever")
    # ... so is the test a run-on sentence turns to after a comma ("..., and then a test where
    # the avatar client starts rejecting"): the diagnosis must be said before it
    for name in ("symptom", "root_cause"):
        if name in out:
            out[name] = [m for m in out[name] if m.sentence not in tested
                         and not _only_in_its_test(m, sentences[_pos(sentences, m.sentence)].text, synonyms, ratio, vocab)]
    # "So any rejection reaches the error middleware" after the remedy is what it does, not a diagnosis
    if "root_cause" in out:
        out["root_cause"] = [m for m in out["root_cause"] if not follows_the_remedy(texts[_pos(sentences, m.sentence)],
                                                                                   _pos(sentences, m.sentence), first_fix)]
    # "we'd never sell more than we have" after the remedy is what stops happening: the impact
    if "symptom" in out:
        out["symptom"] = [m for m in out["symptom"]
                          if _pos(sentences, m.sentence) <= first_fix or not STOPS.search(texts[_pos(sentences, m.sentence)])]
    # a test of another cause is not this point: a test counts beside the real cause or remedy
    if "test" in out and not out.get("fix") and not out.get("root_cause"):
        out["test"] = []
    missing = {name for name, found in out.items() if not found}
    if "symptom" in missing:
        out["symptom"] = _echoes(sentences, texts, scenario, out)
        missing -= {"symptom"} if out["symptom"] else set()
    missing = _derived(sentences, texts, out, guesses, missing)
    if meaning is not None and sentences and missing:
        # only what the words missed: a point they found needs no model (and no embedding time)
        remedies = {m.sentence for m in out.get("fix", [])}
        for name, hits in meaning([s.text for s in sentences], scenario, points=missing).items():
            have = {m.sentence for m in out.get(name, [])}
            if name in ("symptom", "root_cause"):  # the remedy's sentence is a diagnosis only if it says what is wrong
                have |= {i for i in remedies if not DEFECT_CUE.search(texts[_pos(sentences, i)])}
            if name == "symptom":  # after the remedy, what stops happening is the impact (as for the words)
                have |= {s.index for k, s in enumerate(sentences) if k > first_fix and STOPS.search(texts[k])}
            if name == "impact":  # why a remedy matters: none without one, and not in the diagnosis
                have |= ({s.index for s in sentences} if not out.get("fix") else
                         _told(out))
            for index, score in hits:
                if index >= len(sentences) or index in have or not fits(name, texts, index) \
                        or (sentences[index].index in guesses and name != "symptom"):
                    continue
                out.setdefault(name, []).append(
                    PointMatch(name, sentences[index].index, round(score, 2), "meaning", "(reference)"))
        if "fix" in missing and out.get("fix"):  # a remedy the words missed has its test and outcome too
            _derived(sentences, texts, out, guesses, {n for n in missing - {"fix"} if not out.get(n)})
    return out


def _dots_restored(sentences: Sequence, scenario: Scenario, terms: tuple[str, ...]) -> Sequence:
    """Sentences with a "dot" Whisper wrote as "not" put back (spoken.restore_dots), so that "a
    sync, not mutex on the store" proposes the mutex instead of negating it."""
    pairs = dotted_pairs((scenario.snippet, *terms))
    out = []
    for s in sentences:
        text = restore_dots(s.text, pairs)
        out.append(s if text == s.text or not is_dataclass(s) else replace(s, text=text))
    return out


def _derived(sentences: Sequence, texts: list[str], out: dict[str, list[PointMatch]], guesses: set[int],
             missing: set[str]) -> set[str]:
    """The test and the impact said in the answer's own words, once the real remedy is found."""
    if "test" in missing and out.get("fix"):
        out["test"] = _tests(sentences, texts, guesses)
        missing -= {"test"} if out["test"] else set()
    if "impact" in missing:
        out["impact"] = (_outcomes(sentences, texts, out, guesses) if out.get("fix") else []) \
            + _stakes(sentences, texts, guesses)
        out["impact"] = out["impact"] or _closing(sentences, texts, out, guesses)
        missing -= {"impact"} if out["impact"] else set()
    return missing


def _stakes(sentences: Sequence, texts: list[str], guesses: set[int]) -> list[PointMatch]:
    """Why it matters, said outright ("it matters because people think their orders vanished"):
    the impact even in a diagnosis without a remedy, when the stakes follow the words."""
    found = []
    for s, text in zip(sentences, texts):
        m = MATTERS.search(text)
        if m and s.index not in guesses and STAKE.search(text) and not about_a_test(text):
            found.append(PointMatch("impact", s.index, 0.6, "stakes", "(why it matters)"))
    return found


def _closing(sentences: Sequence, texts: list[str], out: Mapping[str, list[PointMatch]],
             guesses: set[int]) -> list[PointMatch]:
    """The loss an answer closes on, after its diagnosis ("Net result is overselling, refunds, and
    the service dying at peak"; "That's real money taken twice"): the impact, remedy or not. Not a
    proposal, a test, a guess or how the symptom came about ("that's why it dies hours later")."""
    if not sentences:
        return []
    k = len(sentences) - 1
    text, index = texts[k], sentences[k].index
    diagnosed = any(_pos(sentences, m.sentence) < k for name in ("symptom", "root_cause") for m in out.get(name, []))
    if not diagnosed or index in guesses or proposes(text) or about_a_test(text) or EXPLAINS.search(text) \
            or not (LOSS.search(text) and STAKE.search(text)):
        return []
    return [PointMatch("impact", index, 0.6, "closing", "(what is lost)")]


def _told(out: Mapping[str, list[PointMatch]]) -> set[int]:
    """The sentences that state the symptom or the cause: the diagnosis."""
    return {m.sentence for name in ("symptom", "root_cause") for m in out.get(name, [])}


def _guesses(sentences: Sequence, texts: list[str]) -> set[int]:
    """The hedged sentences of an answer that is mostly guessing (a third of its sentences, two
    at least): a point said only as a guess is not made ("maybe the front end sends zero-based
    pages"). One hedge in a confident answer ("maybe eight hundred milliseconds") is just speech."""
    hedged = {s.index for s, text in zip(sentences, texts) if HEDGE.search(text)}
    # fragments ("Right.", "There's crypto.") are thinking aloud, not claims a hedge could qualify
    fragments = {s.index for s, text in zip(sentences, texts) if len(text.split()) < MIN_CLAIM_WORDS}
    guessing = len(hedged) >= 2 and 3 * len(hedged) >= len(sentences) - len(fragments)
    return hedged | fragments if guessing else set()  # ("Okay, accounting." names no stake)


def _outcomes(sentences: Sequence, texts: list[str], out: Mapping[str, list[PointMatch]],
              guesses: set[int]) -> list[PointMatch]:
    """Why the remedy matters, said in the answer's own words: a sentence after the (real) fix
    that tells what changes for someone or something ("that way the service stays up", "net
    result, inventory counts stay trustworthy"). Not a proposal, not a test."""
    first_fix = min(_pos(sentences, m.sentence) for m in out["fix"])
    remedies = {m.sentence for m in out["fix"]}
    told = _told(out)  # a diagnosis, not an outcome
    # ... and so is the edge case's own flaw ("the has more check is off too, ... so it flips to false early")
    told |= {m.sentence for m in out.get("edge_case", []) if EDGE_FLAW.search(texts[_pos(sentences, m.sentence)])}
    found = []
    for i in range(first_fix + 1, len(sentences)):
        text = texts[i]
        if proposes(text) or about_a_test(text) \
                or sentences[i].index in guesses or about_a_test(texts[i - 1]) and CHECKS.search(text) \
                or sentences[i].index in remedies or sentences[i].index in told \
                or EXPLAINS.search(text):
            continue
        # (a run-on sentence's test tail describes the check, unless an outcome runs on from it)
        tail = where_a_test_starts(text)
        said, check = (text, "") if tail is None else (text[:tail], text[tail:])
        if OUTCOME_CUE.search(said) and STAKE.search(said) or AFTER_A_TEST.search(check) and STAKE.search(check):
            found.append(PointMatch("impact", sentences[i].index, 0.6, "outcome", "(outcome)"))
    return found


# Words of a report that say nothing of what went wrong.
_REPORT_FILLER = frozenset(tokens("review handler endpoint service code client function method it this "
                                  "that only recent change separately someone with when every even whole"))


@lru_cache(maxsize=64)
def _report_words(scenario: Scenario) -> tuple[frozenset[str], frozenset[str]]:
    """(numbers, content lemmas) of the reported symptom (the scenario's prompt); words of the
    snippet name the code ("order", "user id", "map"), which a diagnosis talks about too."""
    seq, code = tokens(scenario.prompt), set(tokens(scenario.snippet))
    numbers = frozenset(t for t in seq if t.isdigit())
    return numbers, frozenset(t for t in seq if not t.isdigit() and t not in STOPWORDS
                              and t not in _REPORT_FILLER and t not in code)


def _echoes(sentences: Sequence, texts: list[str], scenario: Scenario,
            out: Mapping[str, list[PointMatch]]) -> list[PointMatch]:
    """The reported symptom told again in the answer's words: a sentence before the remedy that
    shares a number and a word with the report ("a hundred units turned into a hundred and
    thirty sold"), or three of its words. Not a proposal, not a test."""
    numbers, words = _report_words(scenario)
    fixes = [_pos(sentences, m.sentence) for m in out.get("fix", [])]
    found = []
    for i in range(min(fixes, default=len(sentences))):
        text = texts[i]
        if PROPOSAL_LEAD.search(text) or about_a_test(text):
            continue
        seq = set(tokens(sentences[i].text))
        shared_n, shared_w = len(seq & numbers), len(seq & words)
        if (shared_n and shared_w) or shared_w >= 3:
            found.append(PointMatch("symptom", sentences[i].index, 0.6, "report", "(the report)"))
    return found


def _only_in_its_test(m: PointMatch, text: str, synonyms: Synonyms, ratio: float, vocab: frozenset[str]) -> bool:
    """`m` (a phrase match: derived points come later) is heard only in the sentence's test tail."""
    tail = where_a_test_starts(text)
    if tail is None:
        return False
    return match_phrase(m.phrase, hear(text[:tail], synonyms), synonyms, ratio, vocab)[0] == 0


def _measured_in_its_test(m: PointMatch, text: str, synonyms: Synonyms, ratio: float, vocab: frozenset[str]) -> bool:
    """`m`, a one-word outcome ("milliseconds"), is heard only in the sentence's test tail, which
    says what the check measures and nothing of what follows from it."""
    tail = where_a_test_starts(text)
    return (tail is not None and len(phrase_tokens(m.phrase, synonyms)) == 1
            and _only_in_its_test(m, text, synonyms, ratio, vocab) and not AFTER_A_TEST.search(lowered(text[tail:])))


def _tests(sentences: Sequence, texts: list[str], guesses: set[int]) -> list[PointMatch]:
    """A test described in the answer's own words ("a supertest case with the avatar mock
    rejecting", "a fake payments server that delays its first response"): credited only when
    the answer has the real remedy, since a test of another cause is not this point."""
    return [PointMatch("test", s.index, 0.6, "test", "(a test)") for s, text in zip(sentences, texts)
            if TEST_CUE.search(text) and not NO_TEST.search(text) and s.index not in guesses]


def _clause_of(m: PointMatch, text: str, synonyms: Synonyms, ratio: float, vocab: frozenset[str]) -> int | None:
    """The clause of `text` (split at commas) where `m`'s phrase is heard; None when only across clauses."""
    for k, clause in enumerate(CLAUSE_BREAK.split(text)):
        if match_phrase(m.phrase, hear(clause, synonyms), synonyms, ratio, vocab)[0] > 0:
            return k
    return None


def _no_remedy(m: PointMatch, text: str) -> bool:
    """A remedy's words that propose nothing: "start to end already gives you ten items" tells what
    the code does; "monitoring counts five xx" what watches the codes."""
    watched = WATCHERS.search(text) and not (PROPOSAL.search(text) or IMPERATIVE_LEAD.search(text))
    return describes(text) or bool(BARE_CODE.fullmatch(m.phrase) and watched)


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
