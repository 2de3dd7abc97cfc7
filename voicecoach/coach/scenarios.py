"""The scenario bank: buggy backend snippets with the key points a good spoken answer covers.

Scenarios are data files (TOML, or JSON with the same fields): the bundled bank in the repo's
`seeds/scenarios/` plus the user's own in `<user folder>/scenarios/`. A user file whose `id`
matches a bundled one replaces it, so a user can adjust the phrasings that count.
"""

from __future__ import annotations

import json
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..config import Config, data_path, user_dir
from ..errors import VoiceCoachError

log = logging.getLogger("voicecoach")

BANK_DIR = data_path("seeds", "scenarios")
# Roles a key point can play; other names are allowed and count as plain content.
ROLES = ("symptom", "root_cause", "fix", "edge_case", "test", "impact")
_SUFFIXES = (".toml", ".json")


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer says; any of `phrases` (matched loosely) counts as saying it."""

    name: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    language: str          # a Pygments lexer name: python, javascript, go, java
    bug_class: str
    snippet: str
    prompt: str
    time_box_s: int
    key_points: tuple[KeyPoint, ...]
    reference_answer: str  # PSI form: lines starting "Problem:", "Solution:", "Impact:"
    framework: str = ""
    source: str = ""       # the file it came from
    # terms recognition should expect beside the snippet's identifiers (coach/vocabulary.py)
    vocabulary: tuple[str, ...] = ()
    # groups of phrasings that mean the same here, first one canonical (coach/keypoints.py)
    synonyms: tuple[tuple[str, ...], ...] = ()

    def point(self, name: str) -> KeyPoint | None:
        return next((p for p in self.key_points if p.name == name), None)

    def reference_parts(self) -> dict[str, str]:
        """{"problem": ..., "solution": ..., "impact": ...} from the labelled reference answer."""
        parts: dict[str, str] = {}
        current = None
        for line in self.reference_answer.splitlines():
            head, _, rest = line.partition(":")
            if head.strip().lower() in ("problem", "solution", "impact") and rest:
                current = head.strip().lower()
                parts[current] = rest.strip()
            elif current and line.strip():
                parts[current] += " " + line.strip()
        return parts

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "language": self.language, "framework": self.framework,
            "bug_class": self.bug_class, "time_box_s": self.time_box_s, "prompt": self.prompt,
            "snippet": self.snippet,
            "key_points": [{"name": p.name, "phrases": list(p.phrases)} for p in self.key_points],
            "reference_answer": self.reference_answer, "source": self.source,
            "vocabulary": list(self.vocabulary), "synonyms": [list(g) for g in self.synonyms],
        }


def _bad(path: Path, field: str, why: str) -> VoiceCoachError:
    return VoiceCoachError(f"scenario file {path}: field '{field}' {why}")


def _text(data: Mapping[str, Any], path: Path, field: str, *, required: bool = True) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, field, "is missing or not a non-empty string")
    return value


def parse_scenario(data: Mapping[str, Any], path: Path) -> Scenario:
    """Validate one decoded file; errors name the file and the field."""
    if not isinstance(data, Mapping):
        raise VoiceCoachError(f"scenario file {path}: expected a table of fields at the top level")
    time_box = data.get("time_box_s")
    if isinstance(time_box, bool) or not isinstance(time_box, int) or time_box <= 0:
        raise _bad(path, "time_box_s", "must be a positive whole number of seconds")
    raw_points = data.get("key_points")
    if not isinstance(raw_points, list) or not raw_points:
        raise _bad(path, "key_points", "must be a non-empty list of {name, phrases}")
    points = []
    for i, raw in enumerate(raw_points):
        where = f"key_points[{i}]"
        if not isinstance(raw, Mapping):
            raise _bad(path, where, "must be a table with name and phrases")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad(path, f"{where}.name", "is missing or not a string")
        phrases = raw.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise _bad(path, f"{where}.phrases", "must be a non-empty list of strings")
        points.append(KeyPoint(name.strip(), tuple(p.strip() for p in phrases)))
    vocabulary = data.get("vocabulary", [])
    if not isinstance(vocabulary, list) or not all(isinstance(v, str) and v.strip() for v in vocabulary):
        raise _bad(path, "vocabulary", "must be a list of non-empty strings")
    synonyms = data.get("synonyms", [])
    if not isinstance(synonyms, list) or not all(
            isinstance(g, list) and len(g) >= 2 and all(isinstance(v, str) and v.strip() for v in g) for g in synonyms):
        raise _bad(path, "synonyms", "must be a list of lists of two or more phrasings (the first is canonical)")
    scenario_id = _text(data, path, "id")
    if any(c.isspace() for c in scenario_id):
        raise _bad(path, "id", "must not contain spaces")
    return Scenario(
        id=scenario_id, title=_text(data, path, "title"), language=_text(data, path, "language").lower(),
        bug_class=_text(data, path, "bug_class"), snippet=_text(data, path, "snippet").strip("\n"),
        prompt=_text(data, path, "prompt").strip(), time_box_s=time_box, key_points=tuple(points),
        reference_answer=_text(data, path, "reference_answer").strip(),
        framework=_text(data, path, "framework", required=False), source=str(path),
        vocabulary=tuple(v.strip() for v in vocabulary),
        synonyms=tuple(tuple(v.strip() for v in g) for g in synonyms),
    )


def load_file(path: Path) -> Scenario:
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VoiceCoachError(f"scenario file {path} cannot be parsed ({exc}); fix or remove it") from exc
    except OSError as exc:
        raise VoiceCoachError(f"scenario file {path} cannot be read ({exc.strerror})") from exc
    return parse_scenario(data, path)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file())


def scenario_dirs(cfg: Config | None = None) -> list[Path]:
    """The bundled bank (when this checkout has one) then the user's folder."""
    del cfg  # reserved: the bank location is fixed today
    return [BANK_DIR, user_dir() / "scenarios"]


def load_scenarios(cfg: Config | None = None) -> list[Scenario]:
    """Every scenario, bundled then user's, sorted by id; a user file replaces a bundled id."""
    found: dict[str, Scenario] = {}
    bank, user = scenario_dirs(cfg)
    if not bank.is_dir():
        log.info("no bundled scenario bank at %s; only user scenarios are available", bank)
    for folder in (bank, user):
        seen_here: dict[str, Path] = {}
        for path in _files(folder):
            scenario = load_file(path)
            if scenario.id in seen_here:
                raise _bad(path, "id", f"'{scenario.id}' is already used by {seen_here[scenario.id]}")
            seen_here[scenario.id] = path
            if scenario.id in found:
                log.info("user scenario %s replaces the bundled one", path)
            found[scenario.id] = scenario
    return sorted(found.values(), key=lambda s: s.id)


def get_scenario(scenario_id: str, cfg: Config | None = None) -> Scenario:
    scenarios = load_scenarios(cfg)
    for scenario in scenarios:
        if scenario.id == scenario_id:
            return scenario
    close = [s.id for s in scenarios if scenario_id.lower() in s.id.lower()]
    hint = f" (did you mean {', '.join(close[:3])}?)" if close else ""
    raise VoiceCoachError(f"no scenario '{scenario_id}'{hint}; run `voicecoach scenarios` to list the ids")
