"""Actionable feedback from a scored take: pure functions over the result dict.

`feedback_for` returns the prioritised list (most important first), each item tied to its
evidence (what was said, and when). `spoken_text` turns the top one or two into short sentences
for text-to-speech. Delivery items need only `ScoreResult.to_dict()`; structure items need the
`structure` dict from `voicecoach.coach.structure`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping, Sequence

from ..config import Config, load_config

# What a missing part should sound like when the scenario gives no better example.
GENERIC_EXAMPLES = {
    "problem": "the handler returns 200 when the lookup fails, so clients cache an error as success",
    "solution": "return 404 when the row is missing, and add a test for the unknown-id case",
    "impact": "stops double charges when clients retry",
}


@dataclass(frozen=True)
class FeedbackOptions:
    target_wpm_min: float = 130.0
    target_wpm_max: float = 160.0
    wpm_min_words: int = 25
    opening_s: float = 20.0
    opening_fillers_max: int = 2
    fillers_per_100_max: float = 3.0
    long_pauses_max: int = 2
    hedges_max: int = 1
    feedback_max_items: int = 5
    spoken_max_items: int = 2

    @classmethod
    def from_config(cls, cfg: Config | None) -> "FeedbackOptions":
        section = (cfg or load_config()).section("coaching")
        kwargs = {}
        for name, default in asdict(cls()).items():
            if name in section:
                kwargs[name] = type(default)(section[name])
        return cls(**kwargs)


@dataclass(frozen=True)
class Evidence:
    text: str
    start_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of advice. `severity` 0-100 orders the list; `rank` is its place (1 = first)."""

    code: str          # stable identifier, e.g. "no_impact", "wpm_high"
    kind: str          # "structure" | "content" | "delivery"
    text: str          # the written advice, with its evidence in numbers or quotes
    spoken: str        # one short sentence for text-to-speech
    severity: float
    evidence: tuple[Evidence, ...] = ()
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = list(data["evidence"])
        return data


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _quote_list(texts: Sequence[str], limit: int = 3) -> str:
    unique: list[str] = []
    for t in texts:
        if t not in unique:
            unique.append(t)
    return ", ".join(f"'{t}'" for t in unique[:limit])


# ---------------------------------------------------------------- delivery


def delivery_items(result: Mapping[str, Any], opts: FeedbackOptions) -> list[FeedbackItem]:
    """Speaking rate, fillers in the opening and overall, long pauses inside sentences, hedges."""
    if result.get("no_speech"):
        return [FeedbackItem("no_speech", "delivery", "No speech heard: check the microphone and answer out loud.",
                             "I didn't hear any speech. Check the microphone and try again.", 100.0)]
    d = result.get("delivery") or {}
    words = (result.get("transcript") or {}).get("words") or []
    speech_start_s = float(words[0]["start_s"]) if words else 0.0
    items: list[FeedbackItem] = []

    count = int(d.get("word_count", 0))
    rate = float(d.get("wpm", 0.0))
    if count >= opts.wpm_min_words and rate > 0:
        band = f"target {opts.target_wpm_min:.0f}-{opts.target_wpm_max:.0f}"
        span = Evidence(f"{count} words in {float(d.get('speech_span_s', 0.0)):.0f} s", speech_start_s,
                        speech_start_s + float(d.get("speech_span_s", 0.0)))
        if rate > opts.target_wpm_max:
            over = rate - opts.target_wpm_max
            items.append(FeedbackItem(
                "wpm_high", "delivery",
                f"{rate:.0f} WPM, {band}: slow down and pause for a beat after each point.",
                f"You spoke at {rate:.0f} words a minute; slow down to about {opts.target_wpm_max:.0f}.",
                min(80.0, 40.0 + over / 2), (span,)))
        elif rate < opts.target_wpm_min:
            under = opts.target_wpm_min - rate
            items.append(FeedbackItem(
                "wpm_low", "delivery",
                f"{rate:.0f} WPM, {band}: rehearse the diagnosis line until it comes out in one go.",
                f"You spoke at {rate:.0f} words a minute; aim for about {opts.target_wpm_min:.0f}.",
                min(75.0, 35.0 + under / 2), (span,)))

    fillers = list(d.get("fillers") or [])
    opening_end_s = speech_start_s + opts.opening_s
    early = [f for f in fillers if float(f["start_s"]) < opening_end_s]
    if len(early) > opts.opening_fillers_max:
        items.append(FeedbackItem(
            "fillers_opening", "delivery",
            f"{len(early)} fillers in the first {opts.opening_s:.0f} s ({_quote_list([f['text'] for f in early])}): "
            "open with the one-line diagnosis, and pause silently instead.",
            f"{len(early)} fillers in the first {opts.opening_s:.0f} seconds. Open with your one-line diagnosis.",
            min(70.0, 45.0 + 4 * (len(early) - opts.opening_fillers_max)),
            tuple(Evidence(f["text"], f["start_s"], f["end_s"]) for f in early)))
    per_100 = float(d.get("fillers_per_100_words", 0.0))
    late = [f for f in fillers if float(f["start_s"]) >= opening_end_s]
    if per_100 > opts.fillers_per_100_max and late:
        items.append(FeedbackItem(
            "fillers_rate", "delivery",
            f"{len(fillers)} fillers ({per_100:.1f} per 100 words, aim under {opts.fillers_per_100_max:g}; "
            f"{_quote_list([f['text'] for f in fillers])}): replace them with a short silent pause.",
            f"{len(fillers)} fillers in all. Replace them with a short silent pause.",
            min(60.0, 30.0 + 2 * (per_100 - opts.fillers_per_100_max)),
            tuple(Evidence(f["text"], f["start_s"], f["end_s"]) for f in late[:5])))

    inside = [p for p in d.get("pauses") or [] if p.get("long") and not p.get("at_boundary")]
    if len(inside) > opts.long_pauses_max:
        longest = max(inside, key=lambda p: p["duration_s"])
        items.append(FeedbackItem(
            "long_pauses", "delivery",
            f"{len(inside)} long pauses inside sentences (longest {longest['duration_s']:.1f} s at "
            f"{_clock(longest['start_s'])}): pause between sentences, not in the middle of one.",
            "Several long pauses mid-sentence. Finish the sentence, then pause.",
            min(55.0, 25.0 + 5 * (len(inside) - opts.long_pauses_max)),
            tuple(Evidence(f"{p['duration_s']:.1f} s pause", p["start_s"], p["end_s"]) for p in inside[:5])))

    hedges = list(d.get("hedges") or [])
    if len(hedges) > opts.hedges_max:
        items.append(FeedbackItem(
            "hedges", "delivery",
            f"{len(hedges)} hedges ({_quote_list([h['text'] for h in hedges])}): state the diagnosis as a fact; "
            "keep one hedge at most, for the thing you really have not checked.",
            f"{len(hedges)} hedges like '{hedges[0]['text']}'. State the diagnosis as a fact.",
            min(65.0, 40.0 + 4 * (len(hedges) - opts.hedges_max)),
            tuple(Evidence(h["text"], h["start_s"], None) for h in hedges[:5])))
    return items


# ---------------------------------------------------------------- structure and content


def _part_evidence(part: Mapping[str, Any]) -> tuple[Evidence, ...]:
    if not part.get("present"):
        return ()
    return (Evidence(str(part.get("text", ""))[:160], part.get("start_s"), part.get("end_s")),)


def structure_items(structure: Mapping[str, Any]) -> list[FeedbackItem]:
    """Missing or misshapen Problem/Solution/Impact parts, order, key points, the wrong bug, length."""
    items: list[FeedbackItem] = []
    examples = {**GENERIC_EXAMPLES, **(structure.get("examples") or {})}
    problem = structure.get("problem") or {}
    solution = structure.get("solution") or {}
    impact = structure.get("impact") or {}

    if structure.get("fix_matches") is False:
        other = (structure.get("other_defect") or {}).get("term")
        about = f"The answer names another defect ({other}), not this snippet's real bug" if other else \
            "The answer never pins down this snippet's real bug"
        items.append(FeedbackItem(
            "wrong_bug", "content",
            f"{about}: re-read the code and name the root cause, e.g. '{examples['problem']}'.",
            "You didn't name the real bug. Re-read the code and name the root cause.",
            95.0, _part_evidence(problem) or _part_evidence(solution)))
    if not problem.get("present"):
        items.append(FeedbackItem(
            "no_problem", "structure",
            f"No one-line diagnosis: open by naming the bug, e.g. '{examples['problem']}'.",
            "Start with a one-line diagnosis of the bug.", 85.0))
    if not solution.get("present"):
        items.append(FeedbackItem(
            "no_solution", "structure",
            f"No fix: after the diagnosis give the minimal change in two to four sentences, e.g. "
            f"'{examples['solution']}'.",
            "You diagnosed it but gave no fix. Say the minimal change.", 90.0))
    if not impact.get("present"):
        items.append(FeedbackItem(
            "no_impact", "structure",
            f"No impact: say what the fix prevents, e.g. '{examples['impact']}'.",
            "Add one sentence on impact: what the fix prevents.", 75.0))
    if problem.get("present") and problem.get("sentences", 1) > 2:
        items.append(FeedbackItem(
            "problem_long", "structure",
            f"The problem took {problem['sentences']} sentences: cut it to one line, then move to the fix.",
            "Keep the problem to one line.", 45.0, _part_evidence(problem)))
    if solution.get("present") and solution.get("edge_or_test") is False:
        items.append(FeedbackItem(
            "no_edge_or_test", "structure",
            "The fix names no edge case or test: add the test you would write, e.g. "
            "'a unit test that the last page is not dropped'.",
            "Name an edge case or the test you'd add.", 50.0, _part_evidence(solution)))
    if impact.get("present") and impact.get("quantified") is False:
        items.append(FeedbackItem(
            "impact_vague", "structure",
            "Make the impact concrete: latency, throughput, correctness, cost or reliability, with a number if "
            "you have one.", "Make the impact concrete, with a number if you have one.", 35.0,
            _part_evidence(impact)))
    if structure.get("order_ok") is False:
        seen = [name for name in ("problem", "solution", "impact") if (structure.get(name) or {}).get("present")]
        seen.sort(key=lambda n: structure[n].get("start_s") or 0.0)
        items.append(FeedbackItem(
            "order", "structure",
            f"Order was {' -> '.join(seen)}: lead with the problem, then the fix, then the impact.",
            "Lead with the problem, then the fix, then the impact.", 55.0))
    missing = list(structure.get("missing") or [])
    if missing and structure.get("fix_matches") is not False:
        names = ", ".join(m["point"].replace("_", " ") for m in missing[:3])
        example = missing[0].get("example", "")
        items.append(FeedbackItem(
            "missed_points", "content",
            f"Missed key points: {names}" + (f"; e.g. '{example}'." if example else "."),
            f"You missed: {names}.", 40.0 + 5 * min(len(missing), 4)))
    length = structure.get("length") or {}
    if length.get("fit") == "long":
        items.append(FeedbackItem(
            "too_long", "structure",
            f"{length['speech_s']:.0f} s for a {length['time_box_s']} s time box: drop the background and "
            "keep problem, fix and impact.", "You ran over the time box. Cut the background.", 45.0))
    elif length.get("fit") == "short":
        items.append(FeedbackItem(
            "too_short", "structure",
            f"{length['speech_s']:.0f} s of a {length['time_box_s']} s time box: there is room for the edge case "
            "and the test.", "You had time left. Add the edge case and the test.", 30.0))
    return items


# ---------------------------------------------------------------- entry points


def feedback_for(result: Mapping[str, Any], cfg: Config | None = None,
                 structure: Mapping[str, Any] | None = None) -> list[FeedbackItem]:
    """The prioritised list for one take (most important first), at most `feedback_max_items` long.

    `result` is `ScoreResult.to_dict()`; `structure` is the dict from `voicecoach.coach.structure` (or
    None, for delivery-only feedback).
    """
    opts = FeedbackOptions.from_config(cfg)
    items = delivery_items(result, opts)
    if structure and not result.get("no_speech"):
        items += structure_items(structure)
    items.sort(key=lambda it: -it.severity)  # stable: ties keep structure/delivery order above
    return [replace(it, rank=i + 1) for i, it in enumerate(items[: opts.feedback_max_items])]


def spoken_text(items: Sequence[FeedbackItem], max_items: int = 2) -> str:
    """The top `max_items` as a few short sentences for text-to-speech."""
    chosen = [it.spoken.strip() for it in list(items)[:max_items] if it.spoken.strip()]
    if not chosen:
        return "Clear answer. Nothing major to fix: keep that shape."
    return " ".join(chosen)
