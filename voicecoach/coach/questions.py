"""Interview questions from templates: per resume claim, the mock stage's CV picks, the follow-up probe.

Templates are data (seeds/questions/*.toml, plus the user's `<user folder>/questions/*.toml`,
same id replaces): keyed to a technology, a category, a number in a claim, or the general set.
Follow-up probes are chosen from what the code-review answer left out, in this order: a missed
root cause or fix, then tests, then trade-offs, then the system-level topic that fits the bug
(latency, throughput, observability, idempotency, back-pressure).
"""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..config import data_path, user_dir
from ..errors import UnusableInput
from .resume import Claim, ResumeAnalysis, TechSummary

QUESTIONS_DIR = data_path("seeds", "questions")
SYSTEM_TOPICS = ("latency", "throughput", "observability", "idempotency", "back_pressure", "trade_offs")
# the probe that fits a bug class when the answer covered the points, tests and trade-offs
BUG_TOPIC = (("idempot|retr", "idempotency"), ("timeout|downstream|blocking|event loop", "latency"),
             ("leak|pool", "back_pressure"), ("n\\+1|pagination|off-by-one", "throughput"),
             ("status|validat|rejection", "observability"), ("race", "scale"))
POINT_WORDS = {"root_cause": "the root cause, the exact line that goes wrong and why",
               "fix": "the fix: what exactly you would change", "symptom": "what the user or caller sees",
               "edge_case": "the edge cases the fix has to handle", "impact": "the impact in production"}
_TRADE = re.compile(r"\b(trade ?-?offs?|alternatives?|instead|downside|costs?|simpler|on the other hand)\b", re.I)
_TEST = re.compile(r"\b(tests?|testing|assert\w*|reproduc\w+|regression)\b", re.I)


@dataclass(frozen=True)
class Template:
    id: str
    text: str
    tech: str = ""
    category: str = ""
    topic: str = ""
    listen_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question the interviewer asks, with where it came from."""

    id: str  # the template id (stable across attempts: the retake series of this question)
    text: str
    source: str  # "template" | "llm" | "general"
    tech: str = ""
    line_no: int | None = None
    claim: str = ""
    reason: str = ""  # why this question (e.g. "the smallest mention: Redis, named once")
    listen_for: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["listen_for"] = list(self.listen_for)
        return data


def _read(path: Path, table: str) -> list[Template]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UnusableInput(f"question templates {path} cannot be read ({exc}); fix or remove it") from exc
    out = []
    for i, raw in enumerate(data.get(table) or []):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("text"), str):
            raise UnusableInput(f"question templates {path}: {table} {i + 1} needs a string id and text")
        out.append(Template(raw["id"], " ".join(raw["text"].split()), str(raw.get("tech", "")),
                            str(raw.get("category", "")), str(raw.get("topic", "")),
                            tuple(str(x) for x in raw.get("listen_for") or ())))
    return out


def load_templates(table: str = "template") -> list[Template]:
    """CV templates (`template`) or follow-up probes (`follow_up`): bundled, then the user's."""
    found: dict[str, Template] = {}
    for folder in (QUESTIONS_DIR, user_dir() / "questions"):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                for t in _read(path, table):
                    found[t.id] = t
    return list(found.values())


def _short(line: str, words: int = 14) -> str:
    parts = line.rstrip(".").split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def fill(template: Template, tech_name: str = "", line: str = "") -> str:
    return template.text.replace("{tech}", tech_name or "that").replace("{line}", _short(line))


def templates_for(tech: TechSummary, templates: Sequence[Template]) -> list[Template]:
    own = [t for t in templates if t.tech == tech.id]
    return own or [t for t in templates if t.category == tech.category]


def questions_for_claim(claim: Claim, analysis: ResumeAnalysis, templates: Sequence[Template]) -> list[Question]:
    """Every question an interviewer could ask about one claim (its technologies, then its numbers)."""
    out: list[Question] = []
    for tech_id in claim.techs:
        tech = analysis.tech(tech_id)
        if tech is None:
            continue
        for t in templates_for(tech, templates):
            out.append(Question(t.id, fill(t, tech.name, claim.text), "template", tech.id, claim.line_no,
                                claim.text, listen_for=t.listen_for))
    if claim.numbers:
        for t in (t for t in templates if t.category == "number"):
            out.append(Question(t.id, fill(t, "", claim.text), "template", "", claim.line_no, claim.text,
                                listen_for=t.listen_for))
    return out


def general_questions(templates: Sequence[Template]) -> list[Question]:
    return [Question(t.id, t.text, "general", listen_for=t.listen_for) for t in templates if t.category == "general"]


def pick_cv_questions(analysis: ResumeAnalysis | None, count: int, rng: random.Random,
                      templates: Sequence[Template] | None = None) -> list[Question]:
    """`count` CV questions: the smallest mention first (always), then the strongest claim, then a
    vague one; distinct technologies and templates. The general set fills what the resume cannot."""
    templates = list(templates if templates is not None else load_templates())
    picked: list[Question] = []
    used_templates: set[str] = set()
    used_techs: set[str] = set()

    def take(tech: TechSummary, claim: Claim | None, reason: str) -> bool:
        options = [t for t in templates_for(tech, templates) if t.id not in used_templates]
        if not options or tech.id in used_techs:
            return False
        t = rng.choice(options)
        line = claim.text if claim else ""
        picked.append(Question(t.id, fill(t, tech.name, line), "template", tech.id,
                               claim.line_no if claim else tech.lines[0], line, reason, t.listen_for))
        used_templates.add(t.id)
        used_techs.add(tech.id)
        return True

    if analysis is not None and analysis.technologies:
        claims = {c.line_no: c for c in analysis.claims}
        small = analysis.smallest
        if small is not None:
            take(small, claims.get(small.lines[-1]),
                 f"the smallest mention: {small.name}, named {small.mentions} time(s)"
                 + (" only in a skills list" if small.only_in_skills else ""))
        # the strongest claim: scoped, with numbers, on the detected stack first
        strong = sorted((c for c in analysis.claims if c.scoped and c.techs and not c.skills_list),
                        key=lambda c: (-len(c.numbers), not any(analysis.tech(t) and analysis.tech(t).stack ==
                                                                analysis.stack for t in c.techs), c.line_no))
        vague = [c for c in analysis.claims if c.vague and c.techs and not c.skills_list]
        for pool, reason in ((strong, "your strongest claim"), (vague, "a vague claim")):
            for claim in pool:
                if len(picked) >= count:
                    break
                techs = [analysis.tech(t) for t in claim.techs]
                if any(tech is not None and take(tech, claim, f"{reason} (line {claim.line_no})") for tech in techs):
                    break
        numbered = [c for c in strong if c.numbers]
        if len(picked) < count and numbered:
            claim = numbered[0]
            t = next((t for t in templates if t.category == "number" and t.id not in used_templates), None)
            if t is not None:
                picked.append(Question(t.id, fill(t, "", claim.text), "template", "", claim.line_no, claim.text,
                                       f"a number you claim (line {claim.line_no})", t.listen_for))
                used_templates.add(t.id)
        rest = [s for s in analysis.technologies if s.id not in used_techs]
        rng.shuffle(rest)
        for tech in rest:
            if len(picked) >= count:
                break
            take(tech, claims.get(tech.lines[0]), f"{tech.name} (line {tech.lines[0]})")
    general = [q for q in general_questions(templates) if q.id not in used_templates]
    rng.shuffle(general)
    while len(picked) < count and general:
        q = general.pop()
        picked.append(Question(q.id, q.text, "general", reason="general set: no resume claim left to ask about",
                               listen_for=q.listen_for))
    return picked[:count]


# ---- the follow-up probe -----------------------------------------------------------------------

def _probe(templates: Sequence[Template], topic: str) -> Template:
    found = next((t for t in templates if t.topic == topic), None)
    if found is None:
        raise UnusableInput(f"no follow-up template for topic {topic!r} in {QUESTIONS_DIR}")
    return found


def topic_for_bug(bug_class: str, rng: random.Random | None = None) -> str:
    for pattern, topic in BUG_TOPIC:
        if re.search(pattern, bug_class, re.I):
            return topic
    return (rng or random.Random(0)).choice(SYSTEM_TOPICS[:-1])


def default_follow_up(scenario, templates: Sequence[Template] | None = None) -> Question:
    """The probe planned before the answer is heard: the system-level topic of the bug class."""
    templates = list(templates if templates is not None else load_templates("follow_up"))
    t = _probe(templates, topic_for_bug(getattr(scenario, "bug_class", "")))
    return Question(t.id, t.text, "template", reason="planned: the system-level topic of this bug; "
                    "the real probe is chosen from what the code-review answer leaves out", listen_for=t.listen_for)


def choose_follow_up(answer: Mapping[str, Any], scenario, templates: Sequence[Template] | None = None) -> Question:
    """The probe for a coached code-review answer (`coach()` output merged into the score dict)."""
    templates = list(templates if templates is not None else load_templates("follow_up"))
    structure = answer.get("structure") or {}
    coverage: Mapping[str, bool] = structure.get("coverage") or {}
    text = str((answer.get("transcript") or {}).get("text", ""))
    if answer.get("no_speech") or not text.strip():
        t = _probe(templates, "missed_point")
        return Question(t.id, t.text.replace("{point}", POINT_WORDS["root_cause"]), "template",
                        reason="no answer was heard: the probe asks for the diagnosis", listen_for=())
    for point in ("root_cause", "fix"):
        if point in coverage and not coverage[point]:
            t = _probe(templates, "missed_point")
            kp = scenario.point(point) if scenario is not None else None
            return Question(t.id, t.text.replace("{point}", POINT_WORDS[point]), "template",
                            reason=f"the answer missed the {point.replace('_', ' ')}",
                            listen_for=tuple(kp.phrases) if kp else ())
    solution = structure.get("solution") or {}
    if not coverage.get("test") and not _TEST.search(text) and not solution.get("edge_or_test"):
        t = _probe(templates, "tests")
        return Question(t.id, t.text, "template", reason="the answer named no test", listen_for=t.listen_for)
    if not _TRADE.search(text):
        t = _probe(templates, "trade_offs")
        return Question(t.id, t.text, "template", reason="the answer weighed no alternative",
                        listen_for=t.listen_for)
    t = _probe(templates, topic_for_bug(getattr(scenario, "bug_class", "")))
    return Question(t.id, t.text, "template", reason=f"system level: {t.topic.replace('_', ' ')}",
                    listen_for=t.listen_for)
