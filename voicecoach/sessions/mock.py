"""Running the mock stage: live through the microphone, or from one recording per planned question.

Each answer is scored as soon as it ends and handed to `on_outcome` (the CLI keeps it in the
history right away), so a session cut short by a vanished microphone, Ctrl-C or a crash keeps
every answer already given. The follow-up probe is chosen from the code-review answer once that
answer is scored. Nothing here prints: the display and the voice are passed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..coach.questions import Question, choose_follow_up
from ..config import Config, user_dir
from ..errors import DeviceError, UnusableInput
from .interviewer import KIND_TITLE, SessionClock, Voice, budget_now, overrun_notice, summary_sentences
from .mock_plan import MockPlan, Section
from .practice import PracticeOptions, StopControl, record_take, result_json

log = logging.getLogger("voicecoach")

# Below this an answer cannot say anything: the part is skipped with a note instead.
MIN_ANSWER_S = 10.0


@dataclass
class Outcome:
    section: Section
    question: str
    status: str  # answered | no_speech | unanswered | skipped
    budget_s: float
    data: dict[str, Any] | None = None  # the scored take (score JSON + coaching)
    path: Path | None = None
    stop_reason: str | None = None
    note: str | None = None
    probe: Question | None = None
    take_id: int | None = None

    @property
    def answered(self) -> bool:
        return self.status in ("answered", "no_speech")


def score_section(section: Section, data: dict[str, Any], cfg: Config, *, probe: Question | None = None,
                  use_llm: bool = False) -> dict[str, Any]:
    """Coach one answer by its kind; adds overall, scores, feedback and spoken to `data`."""
    from ..coach.interview import score_answer, score_english

    if section.kind == "english":
        data.update(score_english(data, section.passage.text, cfg))
    elif section.kind == "cv":
        data.update(score_answer(data, cfg, listen_for=section.cv.listen_for if section.cv else ()))
    elif section.kind == "code_review":
        from ..coach.evaluate import coach

        data.update(coach(data, section.scenario, cfg, use_llm=use_llm))
    else:
        data.update(score_answer(data, cfg, listen_for=probe.listen_for if probe else (), follow_up=True))
    data["mock"] = {"kind": section.kind, "index": section.index, "question": probe.text if probe else section.question}
    return data


def section_scorer(scorer, section: Section, cfg: Config):
    """The scorer for one section: the code-review answer is heard as `score --scenario` hears
    it, with the scenario's terms in Whisper's prompt (sessions/score.py `score_options`), on
    the model already loaded; every other section as it is."""
    from ..speech.pipeline import Scorer
    from .score import preload_coaching, score_options

    if section.kind != "code_review" or section.scenario is None or not isinstance(scorer, Scorer):
        return scorer
    preload_coaching(cfg, section.scenario)
    terms = score_options(cfg, section.scenario).vocabulary
    if terms == scorer.options.vocabulary:
        return scorer
    return Scorer(replace(scorer.options, vocabulary=terms), transcriber=scorer.transcriber)


def _probe_for(section: Section, outcomes: Sequence[Outcome]) -> Question | None:
    if section.kind != "follow_up":
        return None
    review = next((o for o in outcomes if o.section.kind == "code_review"), None)
    if review is not None and review.data is not None:
        return choose_follow_up(review.data, section.scenario)
    return section.probe


def _overrun(outcome: Outcome) -> dict[str, Any] | None:
    duration = float((outcome.data or {}).get("duration_s") or 0.0)
    if outcome.stop_reason == "max_seconds":
        return {"cut_at_s": round(outcome.budget_s, 1)}
    if duration > outcome.budget_s + 0.5 and outcome.stop_reason is None:  # a recording given with --answers
        return {"over_by_s": round(duration - outcome.budget_s, 1)}
    return None


def run_from_files(plan: MockPlan, files: Sequence[str | Path], scorer, cfg: Config, *, use_llm: bool = False,
                   on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """One recording per planned question, in order, scored as recorded (no real-time replay)."""
    outcomes: list[Outcome] = []
    for i, section in enumerate(plan.sections):
        probe = _probe_for(section, outcomes)
        question = probe.text if probe else section.question
        if i >= len(files):
            outcome = Outcome(section, question, "unanswered", section.budget_s, probe=probe,
                              note="no recording given for this question")
        else:
            try:
                result = section_scorer(scorer, section, cfg).score_file(files[i]).to_dict()
            except UnusableInput as exc:
                outcome = Outcome(section, question, "unanswered", section.budget_s, probe=probe, note=str(exc))
            else:
                data = score_section(section, result, cfg, probe=probe, use_llm=use_llm)
                outcome = Outcome(section, question, "no_speech" if result.get("no_speech") else "answered",
                                  section.budget_s, data, Path(files[i]), probe=probe)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def new_answer_path(section: Section) -> Path:
    folder = user_dir() / "takes"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"mock-{stamp}-q{section.index}-{section.kind}.wav", 1
    while path.exists():
        n += 1
        path = folder / f"mock-{stamp}-q{section.index}-{section.kind}-{n}.wav"
    return path


def run_live(plan: MockPlan, scorer, cfg: Config, *, open_input: Callable[[], Any], voice: Voice, ui,
             control: StopControl, session: SessionClock, options: PracticeOptions, use_llm: bool = False,
             on_outcome: Callable[[Outcome], None] | None = None, intro: str = "") -> list[Outcome]:
    """The interviewer asks, the microphone records, each answer is scored as it ends.

    The session clock keeps the budget: each part gets its planned time, shrunk to its share of
    what is left; an answer reaching its limit is cut with a spoken notice; a part with under
    MIN_ANSWER_S left is skipped. A microphone that goes away ends the session: the answer in
    progress is kept and scored, the rest are marked unanswered. Ctrl-C does the same.
    """
    outcomes: list[Outcome] = []
    stopped: str | None = None
    scorer.transcriber  # load the model before the first question, not while the person answers
    if intro:
        voice.say(intro)
    sections = plan.sections
    for i, section in enumerate(sections):
        probe = _probe_for(section, outcomes)
        question = probe.text if probe else section.question
        budget = budget_now(section.budget_s, section.share, sum(s.share for s in sections[i:]), session.left_s)
        if stopped is not None or budget < MIN_ANSWER_S:
            note = stopped or "the session time ran out before this question"
            outcome = Outcome(section, question, "unanswered" if stopped else "skipped", budget, probe=probe, note=note)
        else:
            shown = replace(section, question=question)
            ui.section(shown, len(sections), budget)
            voice.say(question)
            budget = min(budget, session.left_s)
            try:
                source = open_input()
                source.open()
            except DeviceError as exc:
                stopped = f"the microphone could not be opened: {exc}"
                outcome = Outcome(section, question, "unanswered", budget, probe=probe, note=stopped)
            else:
                try:
                    ui.countdown(options.countdown_s)
                except BaseException:
                    source.close()
                    raise
                control.reason = None  # Enter ended the last answer; this one starts fresh
                take = record_take(source, section_scorer(scorer, section, cfg), options, max_seconds=budget,
                                   path=new_answer_path(section),
                                   control=control, on_status=lambda s, b=budget: ui.status(s, b))
                ui.stopped(take.stop_reason, take.detail)
                data = result_json(take)
                if not take.result.no_speech:
                    data = score_section(section, data, cfg, probe=probe, use_llm=use_llm)
                outcome = Outcome(section, question, "no_speech" if take.result.no_speech else "answered", budget,
                                  data, take.path, take.stop_reason, probe=probe)
                if take.stop_reason == "max_seconds":
                    outcome.note = f"cut at the {budget:.0f} s limit"
                    voice.say(overrun_notice())
                elif take.stop_reason == "source_ended" and getattr(source, "live", True):
                    stopped = f"the microphone stopped during question {section.index} ({take.detail})"
                    outcome.note = stopped + "; what was recorded is kept and scored"
                elif take.stop_reason == "interrupt":
                    stopped = f"the session was stopped with Ctrl-C during question {section.index}"
                    outcome.note = stopped + "; what was recorded is kept and scored"
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


# ---- the session's JSON ---------------------------------------------------------------------------

def _feedback_texts(data: Mapping[str, Any] | None) -> list[str]:
    return [str(f.get("text")) if isinstance(f, Mapping) else str(f) for f in (data or {}).get("feedback") or []]


def section_json(outcome: Outcome) -> dict[str, Any]:
    s, data = outcome.section, outcome.data or {}
    out: dict[str, Any] = {**s.to_dict(), "question": outcome.question, "budget_s": round(outcome.budget_s, 1),
                           "status": outcome.status, "answered": outcome.answered,
                           "transcript": (data.get("transcript") or {}).get("text") if data else None,
                           "overall": int(data.get("overall") or 0) if outcome.answered else 0,
                           "scores": data.get("scores") or {}, "feedback": _feedback_texts(data),
                           "spoken": data.get("spoken") or "", "duration_s": data.get("duration_s"),
                           "audio": str(outcome.path) if outcome.path else None, "take_id": outcome.take_id,
                           "note": outcome.note, "overrun": _overrun(outcome)}
    if outcome.probe is not None:
        out["reason"] = outcome.probe.reason
    if s.kind == "english":
        out["english"] = data.get("english")
    elif s.kind == "code_review":
        structure = data.get("structure") or {}
        out["coverage"] = structure.get("coverage")
        out["fix_matches"] = structure.get("fix_matches")
        if data.get("llm"):
            out["llm"] = {k: v for k, v in data["llm"].items() if k in ("status", "note", "verdict", "content_score")}
    else:
        out["structure"] = {k: (data.get("structure") or {}).get(k) for k in ("framework", "parts", "score", "missing")}
        out["specificity"] = data.get("specificity")
    if not outcome.answered:
        out["feedback"] = [outcome.note or "not answered"]
    return out


def overall_score(plan: MockPlan, outcomes: Sequence[Outcome]) -> int:
    """Weighted mean over the parts (CV questions averaged); an unanswered part counts 0."""
    total = weights = 0.0
    for kind in ("english", "cv", "code_review", "follow_up"):
        parts = [o for o in outcomes if o.section.kind == kind]
        if not parts:
            continue
        mean = sum(int((o.data or {}).get("overall") or 0) if o.answered else 0 for o in parts) / len(parts)
        total += plan.options.weight(kind) * mean
        weights += plan.options.weight(kind)
    return int(round(total / weights)) if weights else 0


def session_json(plan: MockPlan, outcomes: Sequence[Outcome], *, session_id: int | None, attempt: int | None,
                 round_no: int | None, attempts_allowed: int, mode: str, elapsed_s: float | None,
                 notes: Sequence[str] = ()) -> dict[str, Any]:
    """The `mock --json` object: stack, attempt, overall, sections in order (+ the plan's context)."""
    sections = [section_json(o) for o in outcomes]
    complete = all(o.answered for o in outcomes) and len(outcomes) == len(plan.sections)
    out = {"stack": plan.stack, "stack_source": plan.stack_source, "attempt": attempt, "round": round_no,
           "attempts_allowed": attempts_allowed, "session_id": session_id, "mode": mode,
           "status": "complete" if complete else "incomplete", "overall": overall_score(plan, outcomes),
           "seed": plan.seed, "minutes": plan.options.minutes, "questions_source": plan.questions_source,
           "clock": {"budget_s": plan.total_s, "elapsed_s": None if elapsed_s is None else round(elapsed_s, 1)},
           "notes": list(plan.notes) + list(notes), "resume": plan.to_dict()["resume"], "sections": sections}
    out["summary"] = " ".join(summary_sentences(out))
    return out


def intro_text(plan: MockPlan, attempt_note: str = "") -> str:
    parts = ", ".join(dict.fromkeys(KIND_TITLE[s.kind].lower() for s in plan.sections))
    text = (f"Hello. This session has {len(plan.sections)} questions and lasts about {plan.options.minutes:.0f} "
            f"minutes: {parts}.")
    return f"{text} {attempt_note}".strip()
