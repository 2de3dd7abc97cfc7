"""The one coaching entry the CLI calls: structure, content, delivery -> overall, feedback, spoken.

`coach` is pure apart from the optional LLM judge. The LLM's judgement is reported beside the
offline one and may only LOWER the overall (by at most `[llm] max_penalty`): the spoken answer is
untrusted, so nothing it says can buy a higher score.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from ..config import Config
from .feedback import FeedbackOptions, feedback_for, spoken_text
from .meaning import meaning_matcher
from .scenarios import Scenario
from .vocabulary import matching_terms
from .structure import StructureOptions, as_words, grader_spans, score_structure

log = logging.getLogger("voicecoach")


@dataclass(frozen=True)
class CoachOptions:
    weight_structure: float = 0.35
    weight_content: float = 0.40
    weight_delivery: float = 0.25
    wrong_bug_overall_max: float = 35.0
    llm_max_penalty: float = 15.0

    @classmethod
    def from_config(cls, cfg: Config) -> "CoachOptions":
        c, llm = cfg.section("coaching"), cfg.section("llm")
        return cls(
            weight_structure=float(c.get("weight_structure", 0.35)),
            weight_content=float(c.get("weight_content", 0.40)),
            weight_delivery=float(c.get("weight_delivery", 0.25)),
            wrong_bug_overall_max=float(c.get("wrong_bug_overall_max", 35)),
            llm_max_penalty=float(llm.get("max_penalty", 15)),
        )


def delivery_score(result: Mapping[str, Any], opts: FeedbackOptions) -> int:
    """0-100 from the same thresholds the feedback uses: rate band, fillers, hedges, long pauses."""
    if result.get("no_speech"):
        return 0
    d = result.get("delivery") or {}
    score = 100.0
    rate = float(d.get("wpm", 0.0))
    if int(d.get("word_count", 0)) >= opts.wpm_min_words and rate > 0:
        off = max(opts.target_wpm_min - rate, rate - opts.target_wpm_max, 0.0)
        score -= min(30.0, off / 2)
    score -= min(30.0, 5.0 * max(0.0, float(d.get("fillers_per_100_words", 0.0)) - opts.fillers_per_100_max))
    score -= min(30.0, 8.0 * max(0, len(d.get("hedges") or []) - opts.hedges_max))
    inside = [p for p in d.get("pauses") or [] if p.get("long") and not p.get("at_boundary")]
    score -= min(20.0, 5.0 * max(0, len(inside) - opts.long_pauses_max))
    return int(round(max(0.0, score)))


def without_grader_text(result: Mapping[str, Any], cfg: Config, gap_s: float = 2.0) -> Mapping[str, Any]:
    """`result` with the sentences addressed to the grader cut out, as if never said: their words
    go, later words move back to close the gap, and the delivery figures are measured again. Pace,
    fillers per 100 words and pauses then cannot be bought by appending calm, clean sentences."""
    words = as_words((result.get("transcript") or {}).get("words") or [])
    spans = [(a - 1e-6, b + 1e-6) for a, b in grader_spans(words, gap_s)]
    if not spans:
        return result
    from ..speech.lexicon import Lexicon
    from ..speech.metrics import DeliveryOptions, analyze

    is_aside = [any(a <= w.start_s and w.end_s <= b for a, b in spans) for w in words]
    kept, shift = [], 0.0
    for i, w in enumerate(words):
        if is_aside[i]:
            if i == 0 or not is_aside[i - 1]:  # an aside starts: later words move back to where it began
                nxt = next((words[k] for k in range(i + 1, len(words)) if not is_aside[k]), None)
                shift += (nxt.start_s - w.start_s) if nxt is not None else 0.0
            continue
        kept.append(dataclasses.replace(w, start_s=round(w.start_s - shift, 3), end_s=round(w.end_s - shift, 3)))
    lexicon = Lexicon.from_config(cfg.section("fillers"), cfg.section("hedges"))
    delivery = analyze(kept, lexicon, DeliveryOptions.from_config(cfg.section("delivery")))
    out = dict(result)
    out["transcript"] = {"text": " ".join(w.text for w in kept), "words": [dataclasses.asdict(w) for w in kept]}
    out["delivery"] = dataclasses.asdict(delivery)
    out["no_speech"] = not kept
    return out


def combine(structure_score: float, content_score: float | None, delivery: float, fix_matches: bool | None,
            opts: CoachOptions) -> int:
    """Weighted mean of the available scores (content only with a scenario), capped for the wrong bug."""
    parts = [(opts.weight_structure, structure_score), (opts.weight_delivery, delivery)]
    if content_score is not None:
        parts.append((opts.weight_content, content_score))
    total = sum(w for w, _ in parts) or 1.0
    overall = sum(w * s for w, s in parts) / total
    if fix_matches is False:
        overall = min(overall, opts.wrong_bug_overall_max)
    return int(round(max(0.0, min(100.0, overall))))


def coach(result: Mapping[str, Any], scenario: Scenario | None, cfg: Config, *, use_llm: bool = False) -> dict:
    """Coach one scored take. `result` is `ScoreResult.to_dict()`.

    Returns {"structure", "overall", "scores": {structure, content, delivery}, "feedback": [item
    dicts], "spoken"} plus "llm" when the judge was asked (its outcome, or the fallback note).
    The judge is asked when `use_llm` (the `--llm` flag) or `[llm] enabled` in the config.
    """
    use_llm = use_llm or bool(cfg.section("llm").get("enabled", False))
    s_opts = StructureOptions.from_config(cfg)
    f_opts = FeedbackOptions.from_config(cfg)
    c_opts = CoachOptions.from_config(cfg)
    words = (result.get("transcript") or {}).get("words") or []
    hedge_times = [float(h["start_s"]) for h in (result.get("delivery") or {}).get("hedges") or []]
    structure = score_structure(words, scenario, s_opts, hedge_times, terms=matching_terms(scenario, cfg),
                                meaning=meaning_matcher(cfg) if scenario is not None else None)
    scored = without_grader_text(result, cfg, s_opts.sentence_gap_s)  # what was said to the grader is not scored
    # ...and can never help: if cutting it changed the delivery for the better (it ran on from a
    # real sentence and took that sentence's fillers with it), the take as said counts
    delivery = min(delivery_score(scored, f_opts), delivery_score(result, f_opts))
    overall = combine(structure["score"], structure["content_score"], delivery, structure["fix_matches"], c_opts)
    if result.get("no_speech") or not words or scored.get("no_speech"):
        overall = 0
    items = feedback_for(scored, cfg, structure)
    out: dict[str, Any] = {
        "structure": structure,
        "overall": overall,
        "scores": {"structure": structure["score"], "content": structure["content_score"], "delivery": delivery},
        "feedback": [it.to_dict() for it in items],
        "spoken": spoken_text(items, f_opts.spoken_max_items),
    }
    if use_llm:
        from .llm import judge_take

        verdict = judge_take(result, scenario, structure, cfg)
        out["llm"] = verdict
        if verdict.get("status") == "ok" and words:
            llm_overall = combine(structure["score"], verdict["content_score"], delivery,
                                  structure["fix_matches"], c_opts)
            out["overall"] = merge_overall(overall, llm_overall, c_opts.llm_max_penalty)
            verdict["overall_offline"] = overall
            verdict["adjustment"] = out["overall"] - overall
    return out


def merge_overall(offline: int, llm_overall: int, max_penalty: float) -> int:
    """The LLM can lower the offline overall by at most `max_penalty`, and can never raise it."""
    return int(min(offline, max(offline - max_penalty, llm_overall)))
