"""The mock stage's plan: which passage, which CV questions, which scenario, how long each part gets.

A plan is a pure function of the resume analysis, the stack, the minutes and the seed (plus an
LLM's questions with `--llm`), so `mock --plan --seed N` shows exactly what a session with the
same inputs will ask. The time budget is spread over the parts by the `[mock]` shares; the rest
of the minutes is the interviewer's own speech and reading time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..coach.questions import Question, default_follow_up, pick_cv_questions
from ..coach.resume import ResumeAnalysis, normalise_stack
from ..coach.scenarios import Scenario, load_scenarios
from ..config import Config
from ..errors import UnusableInput
from .drill import Passage, load_passages

KINDS = ("english", "cv", "code_review", "follow_up")
ENGLISH_PROMPT = "First, a short English check. Please read the passage on your screen aloud, at your normal pace."
CODE_PROMPT = ("Now the code review. Here is some {framework} code. Tell me what is wrong with it, how you "
               "would fix it, and why it matters.")


@dataclass(frozen=True)
class MockOptions:
    minutes: float = 25.0
    share_english: float = 0.10
    share_cv: float = 0.40
    share_code_review: float = 0.30
    share_follow_up: float = 0.12
    cv_questions_long: int = 3  # at or above `three_questions_min` minutes, else 2
    three_questions_min: float = 24.0
    weight_english: float = 0.15
    weight_cv: float = 0.30
    weight_code_review: float = 0.35
    weight_follow_up: float = 0.20

    @classmethod
    def from_config(cls, cfg: Config, *, minutes: float | None = None) -> "MockOptions":
        section = cfg.section("mock")
        kwargs: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            if name in section:
                kwargs[name] = type(default)(section[name])
        opts = cls(**kwargs)
        if minutes is not None:
            opts = cls(**{**opts.__dict__, "minutes": float(minutes)})
        if not 2 <= opts.minutes <= 120:
            raise UnusableInput(f"--minutes {opts.minutes:g}: choose 2 to 120 (the real stage is 20-30)")
        return opts

    def share(self, kind: str) -> float:
        return float(getattr(self, f"share_{kind}"))

    def weight(self, kind: str) -> float:
        return float(getattr(self, f"weight_{kind}"))


@dataclass(frozen=True)
class Section:
    index: int  # 1-based position in the session
    kind: str  # english | cv | code_review | follow_up
    question: str  # what the interviewer asks
    budget_s: float  # the planned answer limit
    share: float  # this part's share of the session, for re-spreading the time left
    key: str  # the history's scenario id for this question (its retake series)
    passage: Passage | None = None
    cv: Question | None = None
    scenario: Scenario | None = None
    probe: Question | None = None  # the follow-up planned before the answer is heard

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "kind": self.kind, "question": self.question,
                                "budget_s": round(self.budget_s, 1), "key": self.key}
        if self.passage is not None:
            data["passage"] = {"id": self.passage.id, "title": self.passage.title, "text": self.passage.text}
        if self.cv is not None:
            data["reason"] = self.cv.reason
            data["source"] = self.cv.source
            data["claim_line"] = self.cv.line_no
            data["claim"] = self.cv.claim
        if self.scenario is not None and self.kind == "code_review":
            data["scenario"] = self.scenario.id
            data["snippet"] = self.scenario.snippet
            data["language"] = self.scenario.language
        elif self.scenario is not None:
            data["about_scenario"] = self.scenario.id
        if self.probe is not None:
            data["reason"] = self.probe.reason
        return data


@dataclass(frozen=True)
class MockPlan:
    seed: int
    options: MockOptions
    stack: str
    stack_source: str  # "--stack" | "resume" | "general"
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()
    resume: ResumeAnalysis | None = None
    questions_source: str = "templates"  # templates | llm | general
    llm: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.options.minutes * 60.0

    def to_dict(self) -> dict[str, Any]:
        """The `--json` shape with nothing answered yet (what `--plan` prints)."""
        return {"plan": True, "stack": self.stack, "stack_source": self.stack_source, "attempt": None,
                "overall": None, "seed": self.seed, "minutes": self.options.minutes,
                "questions_source": self.questions_source, "notes": list(self.notes),
                "resume": _resume_summary(self.resume),
                "sections": [{**s.to_dict(), "transcript": None, "overall": None, "feedback": []}
                             for s in self.sections]}


def _resume_summary(analysis: ResumeAnalysis | None) -> dict[str, Any] | None:
    if analysis is None:
        return None
    small = analysis.smallest
    return {"source": analysis.source, "stack": analysis.stack, "technologies": [t.name for t in analysis.technologies],
            "vague_claims": sum(1 for c in analysis.claims if c.vague),
            "smallest_mention": {"name": small.name, "lines": list(small.lines)} if small else None,
            "ignored_lines": [n for n, _ in analysis.ignored]}


def choose_stack(analysis: ResumeAnalysis | None, stack: str | None) -> tuple[str | None, str, list[str]]:
    """(stack or None for general, where it came from, notes to say)."""
    notes: list[str] = []
    if stack:
        chosen = normalise_stack(stack)
        if analysis is not None and analysis.stack and analysis.stack != chosen:
            notes.append(f"the resume points to {analysis.stack}; --stack {chosen} is used for the code review")
        return chosen, "--stack", notes
    if analysis is not None and analysis.stack:
        return analysis.stack, "resume", notes
    if analysis is not None:
        notes.append("no recognisable stack in the resume: using the general question set and a code review "
                     "in a language picked by the seed (choose one with --stack)")
    else:
        notes.append("no resume given: using the general question set (add --resume FILE for CV-tailored "
                     "questions, --stack LANG for the code-review language)")
    return None, "general", notes


def pick_passage(rng: random.Random) -> Passage:
    passages = sorted((p for p in load_passages().values() if not p.calibrate), key=lambda p: p.id)
    if not passages:
        raise UnusableInput("no read-aloud passage for the English check (seeds/drills/ is empty)")
    return rng.choice(passages)


def pick_scenario(stack: str | None, rng: random.Random) -> Scenario:
    scenarios = load_scenarios()
    pool = [s for s in scenarios if s.language == stack] if stack else scenarios
    if not pool:
        raise UnusableInput(f"no code-review scenario in {stack}; `voicecoach scenarios` lists the bank")
    return rng.choice(pool)


def build_plan(cfg: Config, *, analysis: ResumeAnalysis | None, stack: str | None = None,
               minutes: float | None = None, seed: int = 0, cv_questions: list[Question] | None = None,
               questions_source: str = "templates", llm: Mapping[str, Any] | None = None,
               extra_notes: tuple[str, ...] = ()) -> MockPlan:
    """The session's plan. `cv_questions` (from an LLM) replaces the template picks when given."""
    opts = MockOptions.from_config(cfg, minutes=minutes)
    rng = random.Random(seed)
    chosen, source, notes = choose_stack(analysis, stack)
    passage = pick_passage(rng)
    n_cv = opts.cv_questions_long if opts.minutes >= opts.three_questions_min else 2
    picks = cv_questions[:n_cv] if cv_questions else pick_cv_questions(analysis, n_cv, rng)
    if not cv_questions and picks and all(q.source == "general" for q in picks):
        questions_source = "general"
    scenario = pick_scenario(chosen, rng)
    total = opts.minutes * 60.0
    sections: list[Section] = [Section(1, "english", ENGLISH_PROMPT, opts.share_english * total, opts.share_english,
                                       f"mock-english:{passage.id}", passage=passage)]
    per_cv = opts.share_cv / max(1, len(picks))
    for q in picks:
        sections.append(Section(len(sections) + 1, "cv", q.text, per_cv * total, per_cv, f"mock-cv:{q.id}", cv=q))
    framework = scenario.framework or scenario.language
    # timed as in `practice`: the answer gets the scenario's time box; the rest of the share is reading
    review_s = min(opts.share_code_review * total, float(scenario.time_box_s))
    sections.append(Section(len(sections) + 1, "code_review", CODE_PROMPT.format(framework=framework),
                            review_s, opts.share_code_review, scenario.id, scenario=scenario))
    probe = default_follow_up(scenario)
    sections.append(Section(len(sections) + 1, "follow_up", probe.text, opts.share_follow_up * total,
                            opts.share_follow_up, f"mock-follow-up:{scenario.id}", scenario=scenario, probe=probe))
    return MockPlan(seed, opts, chosen or scenario.language, source, tuple(sections),
                    tuple(notes) + tuple(extra_notes), analysis, questions_source, dict(llm or {}))
