"""The terms a scenario is graded on, for recognition (Whisper's prompt) and for matching by sound.

From the scenario: identifiers of its snippet that its key points or reference answer talk about
(pbkdf2Sync, readFileSync, SimpleDateFormat, NewRequestWithContext), the `vocabulary = [...]` of
its file, its language and framework; from the user's config: `[vocabulary] terms`. The speech
stage never imports this module: the sessions/CLI boundary turns the terms into plain strings
(`ScoreOptions.vocabulary`).
"""

from __future__ import annotations

import re
from typing import Iterable

from ..config import Config
from .scenarios import Scenario
from .spoken import spoken_words

# Words of the languages themselves: Whisper knows them, and they say nothing about the bug.
KEYWORDS = frozenset("""
const let var function return async await require module exports import from export default class new this
self def none true false null nil undefined public private protected static final void int long string
boolean bool float double char byte package func struct interface type map chan go defer range err error
errors if else for while try catch finally throw throws raise except with as in is not and or pass lambda
yield print len make append fmt string strings http json time context log main args value values key keys
item items data result results request response req res app get post put delete list dict set new object
println printf sprintf override todo string java javax util io os sys
""".split())
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LANGUAGE_NAMES = {"javascript": "JavaScript", "python": "Python", "go": "Go", "java": "Java",
                  "typescript": "TypeScript"}


def _is_identifier(word: str) -> bool:
    """Written like code: camelCase, PascalCase with a second capital, snake_case, or letters with digits."""
    if len(word) < 4 or word.lower() in KEYWORDS or (word.isupper() and "_" not in word):
        return False  # SELECT, WHERE, DATE: keywords and constants Whisper writes anyway
    inner_capital = any(c.isupper() for c in word[1:])
    return inner_capital or "_" in word.strip("_") or (any(c.isdigit() for c in word) and any(c.isalpha() for c in word))


def snippet_identifiers(snippet: str) -> list[str]:
    """Identifiers of a snippet, in order of first use, without duplicates."""
    seen: dict[str, None] = {}
    for word in _IDENT.findall(snippet):
        if _is_identifier(word) and word not in seen:
            seen[word] = None
    return list(seen)


def _talked_about(scenario: Scenario) -> set[str]:
    text = " ".join([scenario.reference_answer, scenario.prompt,
                     *(p for kp in scenario.key_points for p in kp.phrases)])
    words = spoken_words(text)
    return {"".join(words[i:i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}


def scenario_terms(scenario: Scenario | None, cfg: Config | None = None, *, limit: int = 16) -> tuple[str, ...]:
    """The terms to bias recognition with, most important first, at most `limit`."""
    terms: list[str] = []
    if scenario is not None:
        terms += list(scenario.vocabulary)
        talked = _talked_about(scenario)
        # snippet identifiers the grading talks about first: those are the ones said aloud
        idents = snippet_identifiers(scenario.snippet)
        terms += [i for i in idents if "".join(spoken_words(i)) in talked]
        terms += [i for i in idents if "".join(spoken_words(i)) not in talked]
    if cfg is not None:
        extra = cfg.section("vocabulary").get("terms", ())
        terms = [str(t) for t in extra if str(t).strip()] + terms
    out: dict[str, None] = {}
    for t in terms:
        if t.strip() and t.lower() not in {k.lower() for k in out}:
            out[t.strip()] = None
    return tuple(list(out)[:limit])


def scenario_context(scenario: Scenario | None) -> str:
    """'JavaScript (Node.js/Express)': the language and framework, for the prompt's lead-in."""
    if scenario is None:
        return ""
    name = LANGUAGE_NAMES.get(scenario.language, scenario.language.capitalize())
    if not scenario.framework:
        return name
    return scenario.framework if scenario.framework.startswith(name) else f"{name} ({scenario.framework})"


def recognition_terms(scenario: Scenario | None, cfg: Config | None = None) -> tuple[str, ...]:
    """What the speech stage gets (`ScoreOptions.vocabulary`): the language lead-in, then the terms."""
    context = scenario_context(scenario)
    terms = scenario_terms(scenario, cfg)
    return ((context,) if context else ()) + terms


def matching_terms(scenario: Scenario | None, cfg: Config | None = None) -> tuple[str, ...]:
    """Terms that may be matched by sound: every identifier and vocabulary term, no limit."""
    if scenario is None:
        return ()
    return scenario_terms(scenario, cfg, limit=10_000)


def mentioned(terms: Iterable[str], text: str) -> list[str]:
    """The terms that `text` (a script or reference) contains, for term-accuracy measurements."""
    words = spoken_words(text)
    joins = {"".join(words[i:i + n]) for n in range(1, 6) for i in range(len(words) - n + 1)}
    return [t for t in terms if "".join(spoken_words(t)) in joins]
