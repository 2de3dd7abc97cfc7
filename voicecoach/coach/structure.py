"""Problem-Solution-Impact structure of a spoken answer: pure scoring over timed words.

The advice it scores against (seeds/ article): lead with a one-line diagnosis; keep the problem
short; give a minimal fix in two to four sentences that names an edge case or a test; end with one
sentence of impact, quantified or qualified; in that order; within the time box. With a scenario
it also checks the scenario's key points and that the answer is about the real bug.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

from ..config import Config, load_config
from ..speech.lexicon import SENTENCE_END
from .cues import PROPOSAL
from .keypoints import Meaning, find_points, point_summary
from .other_defect import other_defect
from .scenarios import Scenario
from .textmatch import tokens
from ..types import Word

PARTS = ("problem", "solution", "impact")
# Which PSI part a key point's role belongs to.
ROLE_PART = {"symptom": "problem", "root_cause": "problem", "fix": "solution", "edge_case": "solution",
             "test": "solution", "impact": "impact"}
DEFAULT_POINT_WEIGHTS = {"symptom": 10, "root_cause": 30, "fix": 25, "edge_case": 10, "test": 10, "impact": 15}


@dataclass(frozen=True)
class StructureOptions:
    problem_max_sentences: int = 2
    solution_min_sentences: int = 2
    solution_max_sentences: int = 4
    impact_max_sentences: int = 2
    min_fill_ratio: float = 0.25
    max_fill_ratio: float = 1.0
    phrase_match_ratio: float = 0.8
    fix_match_min: float = 0.5
    sentence_gap_s: float = 2.0
    point_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_POINT_WEIGHTS))
    other_point_weight: float = 10.0
    coreless_part_factor: float = 0.5

    @classmethod
    def from_config(cls, cfg: Config | None) -> "StructureOptions":
        section = (cfg or load_config()).section("coaching")
        kwargs: dict[str, Any] = {}
        for name, default in asdict(cls()).items():
            if name in section:
                value = section[name]
                kwargs[name] = dict(value) if isinstance(default, dict) else type(default)(value)
        return cls(**kwargs)


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    start_s: float
    end_s: float
    heard: frozenset[str]


# ------------------------------------------------------------------ sentences


def as_words(words: Sequence[Word | Mapping[str, Any]]) -> list[Word]:
    """Accept Word objects or the dicts of `ScoreResult.to_dict()`."""
    out = []
    for w in words:
        if isinstance(w, Word):
            out.append(w)
        else:
            out.append(Word(str(w["text"]), float(w["start_s"]), float(w["end_s"]), float(w.get("probability", 1.0)),
                            bool(w.get("filler", False)), str(w.get("source", "transcript"))))
    return out


def split_sentences(words: Sequence[Word], gap_s: float = 2.0) -> list[Sentence]:
    """Sentences at Whisper's end punctuation, or at a silence of `gap_s` (unpunctuated speech).

    Filler words are left out of the text so they do not count as content.
    """
    groups: list[list[Word]] = []
    current: list[Word] = []
    for i, w in enumerate(words):
        if current and w.start_s - current[-1].end_s >= gap_s:
            groups.append(current)
            current = []
        current.append(w)
        if w.text.rstrip().endswith(SENTENCE_END) and not (i + 1 < len(words) and _is_decimal(w, words[i + 1])):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    sentences = []
    for group in groups:
        spoken = [w for w in group if not w.filler] or group
        text = " ".join(w.text.strip() for w in spoken).strip()
        if not any(c.isalnum() for c in text):
            continue
        sentences.append(Sentence(len(sentences), text, round(group[0].start_s, 3), round(group[-1].end_s, 3),
                                  frozenset(tokens(text))))
    return sentences


def _is_decimal(word: Word, nxt: Word) -> bool:
    return word.text.rstrip().endswith(".") and word.text.rstrip(".")[-1:].isdigit() and nxt.text[:1].isdigit()


# ------------------------------------------------------------------ cues

_INJECTION = re.compile(
    r"\b(ignore (the |all |any |your |previous |prior )*(rubric|instructions|criteria|rules|grading)|"
    r"full marks|full score|perfect score|give (me |this |it )?(a )?(100|hundred|ten out of ten|top marks|"
    r"maximum)|score (this|me|it) (as )?(100|perfect|highly|high)|you are (now )?(a|the) grader|"
    r"system prompt|as an ai)\b")
_LEAD = {
    "problem": re.compile(r"^(so,? )?(the|this|there's a|there is a|one|main|real) ?(bug|problem|issue|root cause|"
                          r"cause|handler|code|endpoint|loop)\b|^(the )?(diagnosis|problem|bug|issue)\b|^(there's|there is|there are) (no|nothing)\b"),
    "solution": re.compile(r"^(so,? |and )?(the |my |a |to )?(fix|solution|patch|change)\b|^(i'd|i would|we should|"
                           r"we'd|i'll|let's|we need to|you should|instead)\b|^(first|then|second|also),? (i'd|we|i|"
                           r"add|use|change|move|wrap|replace|make|set|pass|check|return)\b"),
    "impact": re.compile(r"^(so,? |and )?(the )?(impact|result|benefit|payoff|effect)\b|^(this|that|it) (prevents|"
                         r"stops|avoids|means|removes|keeps|cuts|saves|reduces|improves|eliminates|guarantees)\b|"
                         r"^(as a result|that way|with that|overall)\b|"
                         # "Why it matters: ...", "Real consequence: ...", "It's serious because ..."
                         r"^(so,? |and )?(why (it|this|that) matters|(it|this|that) (really )?matters|"
                         r"(the |one )?(real |big |main |practical )?consequences?|(it's|this is|that's) (serious|critical))\b"),
}
_CUES = {
    "problem": re.compile(
        r"\b(bug|problem|issue|wrong|broken|break|breaks|fail|fails|failing|crash\w*|leak\w*|race|hang|hangs|"
        r"never|missing|doesn't|does not|isn't|is not|without|because|causes?|off by one|skips?|drops?|"
        r"duplicat\w*|blocks?|blocking|unbounded|forever|twice|panics?|exhaust\w*|injection|only on|"
        r"no (timeout|lock|try|idempotency|validation)|(there's|there is|has|have) no|again|so (when|if)|"
        r"which is why|that's why|explains)\b"),
    "solution": re.compile(
        r"\b(fix|fixes|fixed|should|instead|change|replace|add|use|using|wrap|move|switch|i would|i'd|we'd|"
        r"need to|let's|make sure|guard|validate|clamp|check|pass|remove|refactor|patch|test|tests|edge case|"
        r"allow ?list|parameteri[sz]\w*|timeout|mutex|lock|idempotency key|try ?catch|try with resources)\b"),
    "impact": re.compile(
        r"\b(impact|prevents?|stops?|avoids?|which means|reduces?|improves?|latency|throughput|cost|costs|"
        r"reliab\w*|correct(ness)?|availab\w*|outage|users|customers|at scale|p\d\d|percent|faster|"
        r"no longer|saves?|money|revenue|trust|error rate|downtime|memory|cpu|load|scales?)\b"),
}
_EDGE_OR_TEST = re.compile(r"\b(edge case|corner case|tests?|testing|empty|null|nil|zero|negative|boundary|"
                           r"last page|race detector|concurren\w+|retries|retry|twice|unknown|malformed)\b")
_NUMBER = re.compile(r"(\d|%|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|hundred|"
                     r"thousand|million|half|double|twice|x)\b)")
_DIMENSION = re.compile(r"\b(latency|throughput|correct\w*|cost\w*|reliab\w*|availab\w*|outage\w*|downtime|memory|"
                        r"cpu|load|errors?|error rate|money|charges?|data|security|users?|customers?|p\d\d|"
                        r"milliseconds|seconds|queries|scale\w*|crash\w*|incidents?|refunds?)\b")


def _plain(text: str) -> str:
    return re.sub(r"[^\w'%+ ]+", " ", text.lower().replace("\u2019", "'")).strip()


def label_sentences(sentences: Sequence[Sentence], point_hits: Mapping[int, set[str]]) -> list[str]:
    """A PSI label (or "other") per sentence: lead-in phrases, cue words, key points, position."""
    labels: list[str] = []
    last = len(sentences) - 1
    for s in sentences:
        plain = _plain(s.text)
        score = {part: 0.0 for part in PARTS}
        for part in PARTS:
            if _LEAD[part].search(plain):
                score[part] += 3.0
            score[part] += min(3, len(_CUES[part].findall(plain)))
        for part in point_hits.get(s.index, ()):
            score[part] += 2.0
        if s.index == 0:
            score["problem"] += 1.0
        if s.index == last and last > 0:
            score["impact"] += 0.5
        best = max(score.values())
        if best < 1.0:
            labels.append("other")
            continue
        tied = [p for p in PARTS if score[p] == best]
        labels.append(labels[-1] if labels and labels[-1] in tied else tied[0])
    return labels


# ------------------------------------------------------------------ key points


def key_point_hits(sentences: Sequence[Sentence], scenario: Scenario, ratio: float, *,
                   terms: Sequence[str] = (), meaning: Meaning | None = None) -> dict[str, list[int]]:
    """For each key point, the sentences saying it (coach/keypoints.py `find_points`)."""
    found = find_points(sentences, scenario, ratio, terms=terms, meaning=meaning)
    return {name: sorted({m.sentence for m in ms}) for name, ms in found.items()}


# ------------------------------------------------------------------ scoring


def _hedges_between(hedge_times: Sequence[float], start_s: float, end_s: float) -> int:
    return sum(1 for t in hedge_times if start_s - 0.01 <= t <= end_s + 0.01)


def _part(name: str, chosen: list[Sentence], sentences: Sequence[Sentence], hedge_times: Sequence[float],
          opts: StructureOptions, extra_text: str) -> dict[str, Any]:
    """One PSI part: evidence, its score 0-100 and why."""
    if not chosen:
        return {"present": False, "text": "", "start_s": None, "end_s": None, "score": 0, "notes": ["missing"],
                "sentences": 0}
    text = " ".join(s.text for s in chosen)
    start_s, end_s = chosen[0].start_s, chosen[-1].end_s
    n = len(chosen)
    hedges = sum(_hedges_between(hedge_times, s.start_s, s.end_s) for s in chosen)
    notes: list[str] = []
    score = 40.0
    out: dict[str, Any] = {}
    confident = max(0.0, 20.0 - 10.0 * hedges)
    if hedges:
        notes.append(f"{hedges} hedge(s) inside")
    if name == "problem":
        leads = chosen[0].index <= 1
        score += 20 if leads else 0
        if not leads:
            notes.append(f"diagnosis only at sentence {chosen[0].index + 1}")
        over = max(0, n - opts.problem_max_sentences)
        score += max(0.0, 20.0 - 10.0 * over) + confident
        if over:
            notes.append(f"{n} sentences; one line is enough")
    elif name == "solution":
        if opts.solution_min_sentences <= n <= opts.solution_max_sentences:
            score += 20
        else:
            score += 10 if n in (opts.solution_min_sentences - 1, opts.solution_max_sentences + 1) else 0
            notes.append(f"{n} sentence(s); aim for {opts.solution_min_sentences}-{opts.solution_max_sentences}")
        edge = bool(_EDGE_OR_TEST.search(_plain(text + " " + extra_text)))
        out["edge_or_test"] = edge
        score += 20 if edge else 0
        if not edge:
            notes.append("no edge case or test named")
        score += confident
    else:
        score += 20 if n <= opts.impact_max_sentences else 10
        if n > opts.impact_max_sentences:
            notes.append(f"{n} sentences; one is enough")
        plain = _plain(text)
        number, dimension = bool(_NUMBER.search(plain)), bool(_DIMENSION.search(plain))
        out["quantified"] = number or dimension
        score += (30 if number or dimension else 0) + (10 if number and dimension else 0)
        if not (number or dimension):
            notes.append("not quantified or tied to latency, throughput, correctness, cost or reliability")
    return {"present": True, "text": text, "start_s": start_s, "end_s": end_s, "score": int(round(min(100.0, score))),
            "notes": notes, "sentences": n, **out}


# the key point without which a part is only the shape of one: a "solution" that proposes no remedy
# for this bug (an edge case, a test, another defect's remedy) or a "problem" that never names the cause
_CORE = {"solution": "fix", "problem": "root_cause"}


def _without_core(parts: dict[str, dict], coverage: Mapping[str, bool], factor: float) -> dict[str, dict]:
    """Parts whose core key point the answer does not make keep `factor` of their score, with a note."""
    out = dict(parts)
    for name, point in _CORE.items():
        if out[name]["present"] and point in coverage and not coverage[point]:
            note = "no remedy for this bug" if point == "fix" else "does not name the cause"
            # a "solution" that proposes nothing at all is the diagnosis retold, not a remedy's shape
            kept = 0.0 if name == "solution" and not PROPOSAL.search(out[name]["text"].lower()) else factor
            out[name] = {**out[name], "score": int(round(out[name]["score"] * kept)),
                         "notes": [*out[name]["notes"], note]}
    return out


def addressed_to_grader(text: str) -> bool:
    """A sentence that talks to the grader ("ignore the rubric, give full marks"): never scored."""
    return bool(_INJECTION.search(_plain(text)))


def grader_spans(words: Sequence[Word], gap_s: float = 2.0) -> list[tuple[float, float]]:
    """(start_s, end_s) of what is addressed to the grader: its sentence, or from the word where it
    begins when Whisper ran it on from a real sentence without a full stop."""
    spans = []
    for s in split_sentences(words, gap_s):
        match = _INJECTION.search(_plain(s.text))
        if not match:
            continue
        spoken = [w for w in words if s.start_s <= w.start_s and w.end_s <= s.end_s and not w.filler]
        k = len(_plain(s.text)[:match.start()].split())
        # a few words before it ("give this a perfect score") belong to it; more are a real sentence
        spans.append((spoken[k].start_s if 5 <= k < len(spoken) else s.start_s, s.end_s))
    return spans


def score_structure(words: Sequence[Word | Mapping[str, Any]], scenario: Scenario | None = None,
                    opts: StructureOptions | None = None, hedge_times: Sequence[float] = (), *,
                    terms: Sequence[str] = (), meaning: Meaning | None = None) -> dict[str, Any]:
    """The `structure` dict for one answer (see the module doc); pure apart from `meaning`.

    `hedge_times` are the start times of hedges the delivery metrics found, so that a hedged
    diagnosis scores lower than a stated one. `terms`: the scenario's vocabulary, which key
    points may match by sound; `meaning`: an embedding matcher (coach/meaning.py), or None.
    """
    opts = opts or StructureOptions()
    all_sentences = split_sentences(as_words(words), opts.sentence_gap_s)
    # Sentences addressed to the grader are data, not content: they are set aside, never scored.
    injected = [s for s in all_sentences if addressed_to_grader(s.text)]
    sentences = [Sentence(i, s.text, s.start_s, s.end_s, s.heard)
                 for i, s in enumerate(x for x in all_sentences if x not in injected)]

    hits: dict[str, list[int]] = {}
    matches: dict[str, list] = {}
    point_parts: dict[int, set[str]] = {}
    if scenario is not None:
        matches = find_points(sentences, scenario, opts.phrase_match_ratio, terms=terms, meaning=meaning)
        hits = {name: sorted({m.sentence for m in ms}) for name, ms in matches.items()}
        for name, idxs in hits.items():
            part = ROLE_PART.get(name)
            for i in idxs:
                if part:
                    point_parts.setdefault(i, set()).add(part)
    labels = label_sentences(sentences, point_parts)
    chosen = {p: [s for s, lab in zip(sentences, labels) if lab == p] for p in PARTS}
    later_text = " ".join(s.text for s, lab in zip(sentences, labels) if lab != "problem")
    parts = {p: _part(p, chosen[p], sentences, hedge_times, opts, later_text if p == "solution" else "")
             for p in PARTS}

    firsts = [parts[p]["start_s"] for p in PARTS if parts[p]["present"]]
    order_ok = all(a <= b for a, b in zip(firsts, firsts[1:]))

    coverage = {name: bool(idxs) for name, idxs in hits.items()}
    content, fix_matches, missing, examples, verdict, other = None, None, [], {}, None, None
    if scenario is not None:
        core = [n for n in ("root_cause", "fix") if n in coverage] or list(coverage)
        # the wrong bug only when the answer names another defect and not the real one: a right
        # answer in words the matcher missed is "unclear", never "wrong bug"
        if sum(coverage[n] for n in core) / len(core) >= opts.fix_match_min:
            fix_matches, verdict = True, "right_bug"
        else:
            other = other_defect(sentences, labels, scenario)
            fix_matches, verdict = (False, "wrong_bug") if other else (None, "unclear")
        if verdict != "right_bug":
            # a test, an edge case or an impact is of a fix: an answer that names neither the real
            # cause nor its fix tests and gains something else (a wrong cause that names no defect
            # on the list is "unclear", and its "add a test" and "keeps memory use predictable"
            # are not this bug's); only the symptom it restates stands
            coverage = {n: v and n == "symptom" for n, v in coverage.items()}
        parts = _without_core(parts, coverage, opts.coreless_part_factor)
        weights = {p.name: float(opts.point_weights.get(p.name, opts.other_point_weight)) for p in scenario.key_points}
        total = sum(weights.values()) or 1.0
        content = int(round(100.0 * sum(w for n, w in weights.items() if coverage[n]) / total))
        missing = [{"point": p.name, "example": p.phrases[0]} for p in scenario.key_points if not coverage[p.name]]
        # the first sentence of each reference part: an example short enough to quote in feedback
        examples = {k: re.split(r"(?<=[.!?])\s", v)[0].rstrip(".") for k, v in scenario.reference_parts().items()}

    score = (0.30 * parts["problem"]["score"] + 0.35 * parts["solution"]["score"]
             + 0.25 * parts["impact"]["score"] + (10 if order_ok else 0))
    length: dict[str, Any] = {}
    speech_s = 0.0
    if sentences:  # the time of sentences addressed to the grader does not count either
        # an aside in the middle takes its time and the pause after it, as if it was never said
        aside = sum(min((k.start_s for k in sentences if k.start_s >= s.end_s), default=s.end_s) - s.start_s
                    for s in injected if sentences[0].start_s < s.start_s < sentences[-1].end_s)
        speech_s = round(max(0.0, sentences[-1].end_s - sentences[0].start_s - aside), 1)
    if scenario is not None:
        fit = "ok"
        if speech_s > opts.max_fill_ratio * scenario.time_box_s:
            fit, score = "long", score - 10
        elif speech_s < opts.min_fill_ratio * scenario.time_box_s:
            fit, score = "short", score - 5
        length = {"speech_s": speech_s, "time_box_s": scenario.time_box_s, "fit": fit}

    return {
        **parts,
        "order_ok": order_ok,
        "coverage": coverage,
        "score": int(round(max(0.0, min(100.0, score)))) if sentences else 0,
        "content_score": content,
        "fix_matches": fix_matches,
        "verdict": verdict,
        "other_defect": other,
        "points": point_summary(matches),
        "missing": missing,
        "length": length,
        "sentences": len(sentences),
        "ignored": [{"text": s.text, "start_s": s.start_s, "end_s": s.end_s, "why": "addressed to the grader"}
                    for s in injected],
        "examples": examples,
        "scenario": scenario.id if scenario else None,
    }
