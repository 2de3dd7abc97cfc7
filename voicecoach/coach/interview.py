"""Scoring the mock stage's answers other than the code review: pure functions over score dicts.

- English check: a passage read aloud; accuracy is 1 - WER against the passage (fillers left out
  of the hypothesis: they are scored on their own), pace over the passage's words (timed by
  pacing.align_to_passage), long pauses inside the reading, fillers.
- CV answers and follow-ups: structure (situation-action-result, or Problem-Solution-Impact:
  whichever fits the answer better), specificity (numbers, named technologies, scope), delivery
  (coach.evaluate.delivery_score), and for a follow-up whether it addressed what was probed.
Every result has `overall`, `scores`, `feedback` (items with text/spoken) and `spoken`.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from ..config import Config
from ..speech.accuracy import wer
from ..speech.pacing import align_to_passage, overall_wpm
from ..types import Word
from .evaluate import delivery_score
from .feedback import FeedbackOptions
from .resume import find_mentions, load_technologies
from .structure import StructureOptions, as_words, score_structure, split_sentences
from .textmatch import phrase_matches, tokens

_SITUATION = re.compile(r"\b(at (my|our|the)|we had|our (team|service|system|product)|the (team|goal|problem|"
                        r"service|system) (was|had)|in my (last|previous)|when i|there was|we needed|the task|"
                        r"i was (working|asked|on)|context|background)\b")
_ACTION = re.compile(r"\b((i|we) (\w+ed|built|wrote|made|led|chose|set up|split|ran|took|put|sent|kept|found|cut|"
                      r"drove|began|brought|did|got|gave|spent|shipped|rewrote|owned|tuned|moved|added)|i'd|so i|"
                      r"my part|i started)\b")
_RESULT = re.compile(r"\b(result|as a result|which (cut|reduced|meant|brought)|reduced|cut|dropped|went (down|up) "
                     r"from|from \S+ to|improved|saved|so now|in the end|outcome|afterwards|since then|"
                     r"percent|%|faster|fewer|no more|zero)\b")
_SCOPE = re.compile(r"\b(\d[\d,.]*\s?(%|percent|ms|milliseconds|seconds|minutes|hours|days|requests|users|"
                    r"customers|rps|qps|per second|per day|gb|tb|services|engineers|people|endpoints|k|x)|"
                    r"my team|i led|i owned|on call|in production|p\d\d|latency|throughput)\b")
_NUMBER = re.compile(r"(\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
                     r"hundred|thousand|million|billion|half|double|twice)\b)")


def _item(code: str, text: str, spoken: str, severity: float) -> dict[str, Any]:
    return {"code": code, "kind": "mock", "text": text, "spoken": spoken, "severity": severity, "evidence": []}


def _finish(items: list[dict[str, Any]], opts: FeedbackOptions) -> tuple[list[dict[str, Any]], str]:
    items = sorted(items, key=lambda it: -it["severity"])[: opts.feedback_max_items]
    for rank, it in enumerate(items, 1):
        it["rank"] = rank
    spoken = " ".join(it["spoken"] for it in items[: opts.spoken_max_items]) or "Good answer: keep that shape."
    return items, spoken


def _words(result: Mapping[str, Any]) -> list[Word]:
    return as_words((result.get("transcript") or {}).get("words") or [])


def _plain(text: str) -> str:
    return re.sub(r"[^\w'%+ ]+", " ", text.lower()).strip()


# ---- English check -------------------------------------------------------------------------------

def score_english(result: Mapping[str, Any], passage: str, cfg: Config) -> dict[str, Any]:
    """Accuracy, pace, pauses and fillers of a passage read aloud."""
    f_opts = FeedbackOptions.from_config(cfg)
    words = _words(result)
    spoken = [w for w in words if not w.filler]
    hyp = " ".join(w.text for w in spoken)
    accuracy_wer = round(wer(passage, hyp), 3) if spoken else 1.0
    aligned, read_share = align_to_passage(passage, spoken)
    pace = overall_wpm(aligned) if aligned else None
    d = result.get("delivery") or {}
    fillers = len(d.get("fillers") or [])
    long_inside = [p for p in d.get("pauses") or [] if p.get("long") and not p.get("at_boundary")]
    accuracy = max(0.0, 100.0 * (1.0 - accuracy_wer))
    if pace is None:
        pace_score = 0.0
    else:
        off = max(f_opts.target_wpm_min - pace, pace - f_opts.target_wpm_max, 0.0)
        pace_score = max(0.0, 100.0 - 1.5 * off)
    pause_score = max(0.0, 100.0 - 15.0 * max(0, len(long_inside) - 1))
    filler_score = max(0.0, 100.0 - 15.0 * max(0, fillers - 1))
    overall = 0 if not spoken else int(round(0.5 * accuracy + 0.2 * pace_score + 0.15 * pause_score
                                             + 0.15 * filler_score))
    items = []
    if not spoken:
        items.append(_item("no_speech", "No reading heard: read the passage aloud, all of it.",
                           "I didn't hear the passage. Read it aloud next time.", 100))
    else:
        if accuracy_wer > 0.15:
            items.append(_item("accuracy", f"{accuracy_wer:.0%} of the passage's words were missed or changed "
                               f"(read {read_share:.0%} of it): read every word as written, at an even pace.",
                               "Read every word as written; some were missed or changed.", 60 + 40 * accuracy_wer))
        if pace is not None and pace > f_opts.target_wpm_max:
            items.append(_item("pace_fast", f"Read at {pace:.0f} WPM, above {f_opts.target_wpm_max:.0f}: slow down "
                               "and let each sentence end.", f"You read at {pace:.0f} words a minute; slow down.", 50))
        elif pace is not None and pace < f_opts.target_wpm_min:
            items.append(_item("pace_slow", f"Read at {pace:.0f} WPM, below {f_opts.target_wpm_min:.0f}: read a "
                               "sentence ahead with your eyes.", f"You read at {pace:.0f} words a minute; a little "
                               "faster.", 45))
        if len(long_inside) > 1:
            items.append(_item("pauses", f"{len(long_inside)} long pauses inside sentences: pause at full stops, "
                               "not mid-sentence.", "Pause at full stops, not in the middle of sentences.", 40))
        if fillers > 1:
            items.append(_item("fillers", f"{fillers} fillers while reading: there is nothing to think about in a "
                               "passage, so every um is habit.", f"{fillers} fillers while reading. Drop them.", 40))
    feedback, spoken_text = _finish(items, f_opts)
    return {"overall": overall, "scores": {"accuracy": int(round(accuracy)), "pace": int(round(pace_score)),
                                           "pauses": int(round(pause_score)), "fillers": int(round(filler_score))},
            "english": {"wer": accuracy_wer, "read_share": read_share, "pace_wpm": pace,
                        "long_pauses": len(long_inside), "fillers": fillers},
            "feedback": feedback, "spoken": spoken_text}


# ---- CV answers and follow-ups ---------------------------------------------------------------------

def star_structure(words: Sequence[Word], opts: StructureOptions) -> dict[str, Any]:
    """Situation, action, result: which sentences carry each, whether they come in that order."""
    sentences = split_sentences(words, opts.sentence_gap_s)
    found: dict[str, int | None] = {"situation": None, "action": None, "result": None}
    for s in sentences:
        plain = _plain(s.text)
        for part, cue in (("situation", _SITUATION), ("action", _ACTION), ("result", _RESULT)):
            if found[part] is None and cue.search(plain):
                found[part] = s.index
    present = [p for p in found if found[p] is not None]
    order = [found[p] for p in ("situation", "action", "result") if found[p] is not None]
    order_ok = all(a <= b for a, b in zip(order, order[1:]))
    score = 30 * len(present) + (10 if order_ok and len(present) >= 2 else 0)
    return {"framework": "STAR", "parts": {p: found[p] is not None for p in found}, "order_ok": order_ok,
            "score": int(min(100, score)) if sentences else 0,
            "missing": [p for p in found if found[p] is None]}


def specificity(text: str, listen_for: Sequence[str] = ()) -> dict[str, Any]:
    """Numbers, named technologies and scope words in an answer (0-100)."""
    plain = _plain(text)
    numbers = len(_NUMBER.findall(plain))
    techs = sorted({m.name for m in find_mentions(text, 0, load_technologies(), spoken=True)})
    scope = len(_SCOPE.findall(plain))
    heard = frozenset(tokens(text))
    terms = [t for t in listen_for if phrase_matches(t, heard)]
    score = min(40, 15 * numbers) + min(30, 12 * (len(techs) + len(terms))) + min(30, 10 * scope)
    return {"score": int(min(100, score)), "numbers": numbers, "technologies": techs, "scope_terms": scope,
            "terms_heard": terms}


def score_answer(result: Mapping[str, Any], cfg: Config, *, listen_for: Sequence[str] = (),
                 follow_up: bool = False) -> dict[str, Any]:
    """A spoken CV answer (or follow-up): structure, specificity, delivery (and addressed, for a probe)."""
    f_opts, s_opts = FeedbackOptions.from_config(cfg), StructureOptions.from_config(cfg)
    words = _words(result)
    text = " ".join(w.text for w in words if not w.filler)
    hedges = [float(h["start_s"]) for h in (result.get("delivery") or {}).get("hedges") or []]
    star = star_structure(words, s_opts)
    psi = score_structure(words, None, s_opts, hedges)
    use_star = star["score"] >= psi["score"]
    structure = dict(star) if use_star else {"framework": "PSI", "parts": {p: bool((psi.get(p) or {}).get("present"))
                                                                          for p in ("problem", "solution", "impact")},
                                             "order_ok": psi["order_ok"], "score": psi["score"],
                                             "missing": [p for p in ("problem", "solution", "impact")
                                                         if not (psi.get(p) or {}).get("present")]}
    structure["star_score"], structure["psi_score"] = star["score"], psi["score"]
    spec = specificity(text, listen_for)
    delivery = delivery_score(result, f_opts)
    scores = {"structure": structure["score"], "specificity": spec["score"], "delivery": delivery}
    if follow_up:
        heard = frozenset(tokens(text))
        hits = [p for p in listen_for if phrase_matches(p, heard)]
        addressed = 100 if not listen_for and text else min(100, 50 * len(hits))
        scores["addressed"] = addressed
        overall = 0.30 * scores["structure"] + 0.25 * spec["score"] + 0.25 * addressed + 0.20 * delivery
    else:
        overall = 0.35 * scores["structure"] + 0.40 * spec["score"] + 0.25 * delivery
    if not words or result.get("no_speech"):
        overall = 0
    items = []
    if not words:
        items.append(_item("no_speech", "No answer heard.", "I didn't hear an answer.", 100))
    else:
        if structure["missing"]:
            missing = " and ".join(structure["missing"])
            example = ("the situation in one line, what you did, then the result with a number" if use_star
                       else "the problem in one line, your solution, then its impact")
            items.append(_item("structure", f"{structure['framework']} structure without the {missing}: give "
                               f"{example}.", f"Add the {structure['missing'][-1]} to your answer.",
                               40 + 15 * len(structure["missing"])))
        if spec["numbers"] == 0:
            items.append(_item("no_numbers", "No number in the answer: say how much (requests per second, "
                               "milliseconds, users, percent, team size).",
                               "Put a number in it: how many, how fast, how much.", 65))
        if not spec["technologies"] and not spec["terms_heard"]:
            items.append(_item("no_names", "No technology named: say which database, queue or framework, by name.",
                               "Name the technologies you used.", 50))
        if follow_up and listen_for and scores.get("addressed", 0) < 50:
            items.append(_item("off_probe", "The answer did not address what was asked; answer the probe first, "
                               "in one sentence, then explain.", "Answer the question asked, first, in one sentence.",
                               70))
        if delivery < 70:
            items.append(_item("delivery", f"Delivery {delivery}/100: pace, fillers, hedges or long pauses (see the "
                               "figures).", "Steady the delivery: fewer fillers and hedges.", 35))
    feedback, spoken = _finish(items, f_opts)
    return {"overall": int(round(max(0.0, min(100.0, overall)))), "scores": scores, "structure": structure,
            "specificity": spec, "feedback": feedback, "spoken": spoken}
