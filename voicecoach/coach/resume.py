"""Resume analysis: the stack, the claims with their lines, the vague ones, the smallest mention.

Offline rules over the resume's lines (the optional LLM pass is coach/resume_llm.py). A claim is
a line that names a technology or a number. A claim is vague when it says "worked with",
"familiar with" and the like without a number, or names a technology with no scope (no verb of
ownership, no number); a technology named only in a skills list is vague too, because that is
exactly the "small mention" an interviewer drills into (seeds/ article). Lines addressed to a
reader or an AI ("ignore previous instructions") are set aside as data, never analysed.
Reading the files is coach/resume_files.py.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..config import data_path, user_dir
from ..errors import UnusableInput
from .resume_files import read_resume  # noqa: F401  (re-exported: callers read and analyse here)

log = logging.getLogger("voicecoach")

TECH_FILE = data_path("seeds", "resume", "technologies.toml")
STACKS = ("python", "javascript", "go", "java")
STACK_ALIASES = {"node": "javascript", "nodejs": "javascript", "node.js": "javascript", "js": "javascript",
                 "typescript": "javascript", "ts": "javascript", "golang": "go", "kotlin": "java",
                 "spring": "java", "py": "python", "django": "python", "flask": "python", "fastapi": "python"}

_VAGUE = re.compile(
    r"\b(worked (?:with|on)|familiar(?:ity)? with|exposure to|knowledge of|(?:some |basic )?experience (?:with|in)|"
    r"involved in|helped(?: with| to)?|responsible for|participated in|assisted|various|etc\.?|and more|"
    r"basic understanding|understanding of|dabbled|played with|touched)\b", re.I)
_SCOPE = re.compile(
    r"\b(built|build|designed|led|lead|migrated|implemented|owned|own|reduced|scaled|wrote|written|shipped|"
    r"launched|automated|introduced|replaced|cut|improved|optimi[sz]ed|created|developed|architected|"
    r"deployed|rewrote|refactored|maintained|operated|serving|serves|handling|handled|processing|processed|"
    r"mentored|raised|lowered|increased|decreased|saved|eliminated|added|set up|ran)\b", re.I)
_NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,.]*\s?(?:%|percent|k\b|m\b|x\b|ms\b|s\b|rps\b|qps\b|tb\b|gb\b|mb\b|\+)?|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|"
    r"billions?)\b)", re.I)
_GENERIC_BACKEND = re.compile(r"\b(backend|back-end|server[- ]side|full[- ]stack|apis?|databases?|cloud)\b", re.I)
_SKILLS_LABEL = re.compile(r"^\s*(?:[-*+]\s*)?(?:\*\*)?(technical )?(skills|technologies|tech stack|stack|tools|"
                           r"languages|frameworks|databases|platforms)(?:\*\*)?\s*[:|-]", re.I)
_INJECTION = re.compile(
    r"\b(ignore (?:all |any |the |your |previous |prior |above )*(?:instructions|rules|prompt|criteria)|"
    r"(?:system|developer) prompt|you are (?:now )?(?:an? |the )?(?:ai|assistant|grader|interviewer|model)|"
    r"as an ai|(?:rate|score|rank) (?:this|the|me|him|her) (?:candidate|resume|cv)?\s*(?:as |at )?"
    r"(?:excellent|perfect|highly|10|100|top)|hire this candidate|disregard)\b", re.I)
_MARKDOWN = re.compile(r"^\s*(?:#+\s*|[-*+•·▪]\s+|\d+[.)]\s+|>\s*)")


# ---- technologies -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Technology:
    id: str
    name: str
    category: str  # language | framework | datastore | queue | cloud | observability | tool
    patterns: tuple[str, ...]
    stack: str = ""  # the code-review language it points to, or ""

    @property
    def regex(self) -> re.Pattern:
        return _compile(self.patterns)


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"(?<![\w./+#-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w+#]|\.\w)", re.I)


def _read_tech_file(path: Path) -> list[Technology]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UnusableInput(f"technology list {path} cannot be read ({exc}); fix or remove it") from exc
    out = []
    for i, raw in enumerate(data.get("tech") or []):
        try:
            tech = Technology(str(raw["id"]), str(raw["name"]), str(raw["category"]),
                              tuple(str(p) for p in raw["patterns"]), str(raw.get("stack", "")))
            tech.regex  # a bad pattern fails here, naming the file
        except (KeyError, TypeError, re.error) as exc:
            raise UnusableInput(f"technology list {path}: entry {i + 1} is invalid ({exc})") from exc
        out.append(tech)
    return out


def load_technologies() -> list[Technology]:
    """The bundled list, then `<user folder>/resume/technologies.toml` (same id replaces)."""
    found = {t.id: t for t in _read_tech_file(TECH_FILE)}
    user = user_dir() / "resume" / "technologies.toml"
    if user.is_file():
        found.update({t.id: t for t in _read_tech_file(user)})
    return list(found.values())


# ---- analysis ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    tech: str
    name: str
    category: str
    line_no: int  # 1-based, in the resume's text
    text: str  # as written


@dataclass(frozen=True)
class Claim:
    line_no: int
    text: str
    techs: tuple[str, ...]  # technology ids, in order of appearance
    numbers: tuple[str, ...]
    skills_list: bool
    scoped: bool  # names what was done (a verb of ownership) or how much (a number)
    vague: tuple[str, ...] = ()  # why it is vague, empty when it is not
    rewrite: str | None = None


@dataclass(frozen=True)
class TechSummary:
    id: str
    name: str
    category: str
    stack: str
    lines: tuple[int, ...]
    mentions: int
    scoped: bool  # named at least once in a scoped claim
    only_in_skills: bool


@dataclass(frozen=True)
class ResumeAnalysis:
    source: str
    line_count: int
    technologies: tuple[TechSummary, ...]
    claims: tuple[Claim, ...]
    stack: str | None
    stack_votes: dict[str, float] = field(default_factory=dict)
    smallest: TechSummary | None = None
    ignored: tuple[tuple[int, str], ...] = ()  # lines addressed to a reader/AI, set aside

    def tech(self, tech_id: str) -> TechSummary | None:
        return next((t for t in self.technologies if t.id == tech_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "lines": self.line_count, "stack": self.stack,
                "stack_votes": self.stack_votes,
                "technologies": [asdict(t) for t in self.technologies],
                "claims": [asdict(c) for c in self.claims],
                "smallest_mention": asdict(self.smallest) if self.smallest else None,
                "ignored_lines": [{"line": n, "text": t, "why": "addressed to a reader or an AI: treated as data"}
                                  for n, t in self.ignored]}


def clean_line(line: str) -> str:
    return _MARKDOWN.sub("", line).replace("**", "").replace("__", "").strip()


# names a transcript writes in lower case ("node .js", "express"); short or common words stay strict
_LOOSE = re.compile(r"\(\?-i:((?:Node|Express|React)[^)]*)\)")


def find_mentions(line: str, line_no: int, techs: list[Technology], *, spoken: bool = False) -> list[Mention]:
    """Technologies named in one line, longest match first where two overlap (JavaScript, not Java).
    `spoken`: a transcript, where Whisper lower-cases names and writes "node .js"."""
    if spoken:
        line = re.sub(r"\s+\.(?=[a-z])", ".", line)
    spans: list[tuple[int, int, Technology]] = []
    for tech in techs:
        regex = _compile(tuple(_LOOSE.sub(r"(?:\1)", p) for p in tech.patterns)) if spoken else tech.regex
        for m in regex.finditer(line):
            spans.append((m.start(), m.end(), tech))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, Technology]] = []
    for s in spans:
        if any(s[0] < k[1] and k[0] < s[1] for k in kept):
            continue
        kept.append(s)
    seen: set[str] = set()
    out = []
    for start, end, tech in sorted(kept):
        if tech.id not in seen:
            seen.add(tech.id)
            out.append(Mention(tech.id, tech.name, tech.category, line_no, line[start:end]))
    return out


def _is_skills_line(line: str, mentions: list[Mention]) -> bool:
    if _SKILLS_LABEL.search(line):
        return True
    words = re.findall(r"[A-Za-z][\w.+#/-]*", line)
    # "Python, Go, Kafka, Redis": mostly names, separated by commas, no verb
    return len(mentions) >= 3 and line.count(",") >= 2 and not _SCOPE.search(line) and len(words) <= 3 * len(mentions)


REWRITES = {
    "language": "Built <what> in {tech}: <N> endpoints or jobs, <N> requests/s or users, e.g. \"Built the "
                "billing API in {tech} (12 endpoints, 1.5k requests/s at p99 80 ms)\"",
    "framework": "Say what you built with {tech} and how big it is, e.g. \"Built the orders service on {tech}: "
                 "20 endpoints, 3k requests/min, p99 cut from 900 ms to 200 ms\"",
    "datastore": "Say what {tech} held and the hard part, e.g. \"Ran {tech} with 400 GB of orders; added two "
                 "indexes that cut the checkout query from 1.2 s to 40 ms\"",
    "queue": "Say what flowed through {tech} and how you kept it safe, e.g. \"Moved payment events to {tech} "
             "(2M/day) with idempotent consumers; no duplicate charges since\"",
    "cloud": "Say what you ran on {tech} yourself, e.g. \"Deployed 6 services to {tech} with rolling updates and "
             "readiness probes; deploys went from 40 to 8 minutes\"",
    "observability": "Say what {tech} caught, e.g. \"Added {tech} alerts on error rate and p99 latency; incidents "
                     "found in 2 minutes instead of by customers\"",
    "tool": "Say what you changed with {tech}, e.g. \"Cut the {tech} pipeline from 25 to 9 minutes with caching "
            "and parallel test shards\"",
    "generic": "Name the system, your part and its scale, e.g. \"Built 12 REST endpoints in Express for the orders "
               "service (3k requests/min) and cut p99 latency from 900 ms to 200 ms\"",
}


def rewrite_for(claim_text: str, mentions: list[Mention]) -> str:
    if mentions:
        m = mentions[0]
        return REWRITES.get(m.category, REWRITES["generic"]).format(tech=m.name)
    return REWRITES["generic"]


def analyze_resume(text: str, source: str = "", techs: list[Technology] | None = None) -> ResumeAnalysis:
    """Claims, technologies, vague lines, the stack and the smallest mention of one resume text (pure)."""
    techs = techs if techs is not None else load_technologies()
    by_id = {t.id: t for t in techs}
    raw_lines = text.splitlines()
    claims: list[Claim] = []
    ignored: list[tuple[int, str]] = []
    mentions_by_tech: dict[str, list[tuple[int, bool, bool]]] = {}
    for n, raw in enumerate(raw_lines, 1):
        line = clean_line(raw)
        if not line:
            continue
        if _INJECTION.search(line):
            ignored.append((n, line[:200]))
            continue
        mentions = find_mentions(line, n, techs)
        numbers = tuple(m.group(0).strip() for m in _NUMBER.finditer(line))
        # a bare year or a date range is not a claim of scale
        numbers = tuple(x for x in numbers if not re.fullmatch(r"(19|20)\d\d", x.strip("+")))
        vague_phrase = _VAGUE.search(line)
        if not mentions and not numbers and not vague_phrase:
            continue
        skills = _is_skills_line(line, mentions)
        scoped = bool(numbers) or (bool(_SCOPE.search(line)) and not skills)
        why: list[str] = []
        if vague_phrase and not numbers:
            why.append(f"\"{vague_phrase.group(0)}\" says neither what you did nor how much")
        elif mentions and not scoped and not skills:
            why.append(f"{mentions[0].name} with no scope or number")
        if not mentions and _GENERIC_BACKEND.search(line) and not numbers and not why:
            why.append("a generic area with no named technology")
        claims.append(Claim(n, line, tuple(m.tech for m in mentions), numbers, skills, scoped, tuple(why),
                            rewrite_for(line, mentions) if why else None))
        for m in mentions:
            mentions_by_tech.setdefault(m.tech, []).append((n, scoped, skills))

    summaries = []
    for tech_id, found in mentions_by_tech.items():
        t = by_id[tech_id]
        scoped = any(s for _, s, _ in found)
        only_skills = all(sk for _, _, sk in found)
        summaries.append(TechSummary(t.id, t.name, t.category, t.stack, tuple(n for n, _, _ in found), len(found),
                                     scoped, only_skills))
    summaries.sort(key=lambda s: s.lines[0])

    # a technology named only in a skills list is a small mention an interviewer will drill into
    flagged = []
    for c in claims:
        if c.skills_list:
            thin = [by_id[t].name for t in c.techs if not any(s.scoped for s in summaries if s.id == t)]
            if thin:
                why = (f"{', '.join(thin[:4])}{' and more' if len(thin) > 4 else ''} only in a skills list, "
                       "never with what you did or how much",)
                first = next(by_id[t] for t in c.techs if by_id[t].name == thin[0])
                c = Claim(c.line_no, c.text, c.techs, c.numbers, c.skills_list, c.scoped, c.vague + why,
                          c.rewrite or REWRITES.get(first.category, REWRITES["generic"]).format(tech=first.name))
        flagged.append(c)

    votes: dict[str, float] = {}
    for s in summaries:
        if s.stack:
            weight = {"language": 2.0, "framework": 1.5}.get(s.category, 1.0)
            votes[s.stack] = votes.get(s.stack, 0.0) + weight * s.mentions + (1.0 if s.scoped else 0.0)
    stack = max(votes, key=lambda k: (votes[k], -_first_line(summaries, k))) if votes else None
    return ResumeAnalysis(source, len(raw_lines), tuple(summaries), tuple(flagged), stack,
                          {k: round(v, 1) for k, v in votes.items()}, smallest_mention(summaries), tuple(ignored))


def _first_line(summaries: list[TechSummary], stack: str) -> int:
    return min((s.lines[0] for s in summaries if s.stack == stack), default=10**9)


def smallest_mention(summaries: list[TechSummary] | tuple[TechSummary, ...]) -> TechSummary | None:
    """The technology an interviewer would pivot to: fewest mentions, never scoped, latest in the page."""
    if not summaries:
        return None
    order = {s.id: i for i, s in enumerate(summaries)}  # by first appearance: later in a list is smaller
    return min(summaries, key=lambda s: (s.mentions, s.scoped, not s.only_in_skills, -s.lines[0], -order[s.id]))


def normalise_stack(value: str) -> str:
    """'--stack Node' -> 'javascript'; UnusableInput naming the choices otherwise."""
    key = value.strip().lower()
    key = STACK_ALIASES.get(key, key)
    if key not in STACKS:
        raise UnusableInput(f"no code-review stack {value!r}: choose one of {', '.join(STACKS)} "
                            "(or node, typescript, golang, kotlin)")
    return key
