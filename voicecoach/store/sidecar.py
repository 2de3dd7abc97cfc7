"""A small JSON file beside each take's audio with everything its database row holds.

`takes/<audio stem>.json` (or `takes/take-<id>.json` for a take without audio) is written,
atomically, before the row is committed, so the takes folder alone can rebuild the history
(`voicecoach repair`, or automatically when the database is damaged): the database is an index
of the folder, not the only copy. Written by Store.save_take, removed by Store.delete_take.

A mock session keeps one too, `takes/mock-session-<id>.json`, beside its answers' audio: its
row (round, attempt, status, plan) and its whole output, written when it starts and again when
it ends, each time before the row (store/mocks.py).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

log = logging.getLogger("voicecoach")

FORMAT = "voicecoach-take"
VERSION = 1
SUFFIX = ".json"
# written once every row of an existing database has its sidecar (databases from before sidecars;
# v2: mock sessions have one too)
BACKFILLED = ".sidecars-v2"
MOCK_FORMAT = "voicecoach-mock-session"
MOCK_PREFIX = "mock-session-"
MOCK_FIELDS = ("id", "created_at", "round", "attempt", "status", "stack", "seed", "overall", "plan", "result")
FIELDS = ("id", "created_at", "kind", "scenario_id", "audio", "result", "model", "settings")


@dataclass(frozen=True)
class Sidecar:
    path: Path
    record: Mapping[str, Any]

    @property
    def take_id(self) -> int:
        return int(self.record["id"])


def sidecar_path(takes_dir: Path, audio_rel: str | None, take_id: int) -> Path:
    """Beside the audio; `<stem>.take-<id>.json` when another take already has `<stem>.json`
    (two takes of one audio file)."""
    if not audio_rel:
        return takes_dir / f"take-{take_id}{SUFFIX}"
    stem = Path(audio_rel).stem
    plain = takes_dir / f"{stem}{SUFFIX}"
    if plain.exists():
        try:
            if int(json.loads(plain.read_text(encoding="utf-8")).get("id", -1)) != take_id:
                return takes_dir / f"{stem}.take-{take_id}{SUFFIX}"
        except (OSError, ValueError, TypeError):
            pass  # unreadable: ours to overwrite
    return plain


def find(takes_dir: Path, audio_rel: str | None, take_id: int) -> Path | None:
    """The sidecar of take `take_id`, if there is one."""
    candidates = [takes_dir / f"take-{take_id}{SUFFIX}"]
    if audio_rel:
        stem = Path(audio_rel).stem
        candidates = [takes_dir / f"{stem}.take-{take_id}{SUFFIX}", takes_dir / f"{stem}{SUFFIX}"] + candidates
    for path in candidates:
        try:
            if path.is_file() and int(json.loads(path.read_text(encoding="utf-8")).get("id", -1)) == take_id:
                return path
        except (OSError, ValueError, TypeError, AttributeError):
            continue
    return None


def record(take_id: int, created_at: str, kind: str, scenario_id: str | None, audio_rel: str | None,
           result_json: str, model_json: str, settings_json: str) -> str:
    """The sidecar text, from the very strings the row stores (so both say the same)."""
    head = json.dumps({"format": FORMAT, "version": VERSION, "id": take_id, "created_at": created_at, "kind": kind,
                       "scenario_id": scenario_id, "audio": audio_rel}, ensure_ascii=False)
    # the JSON parts are already serialised; splice them in rather than parse and dump again
    return f'{head[:-1]}, "model": {model_json}, "settings": {settings_json}, "result": {result_json}}}\n'


def write(path: Path, text: str) -> None:
    """Atomically: a temp file, fsynced, renamed over `path`."""
    # unique per writer: two processes backfilling the same folder must not share a temp file
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.part")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _load(path: Path, fmt: str, what: str) -> dict:
    """The sidecar's JSON object; ValueError when it is torn or of another kind."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: unreadable ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ValueError(f"{path.name}: not a voicecoach {what} sidecar")
    return data


def _scan(paths, reader) -> tuple[list[Sidecar], list[str]]:
    """The readable sidecars among `paths` (oldest first) and why the others could not be read."""
    found, bad = [], []
    for path in paths:
        try:
            found.append(reader(path))
        except ValueError as exc:
            bad.append(str(exc))
    found.sort(key=lambda s: (str(s.record.get("created_at")), s.take_id))
    return found, bad


def read(path: Path) -> Sidecar:
    """ValueError when the file is not a take sidecar (or is torn)."""
    data = _load(path, FORMAT, "take")
    missing = [k for k in FIELDS if k not in data]
    if missing or not isinstance(data.get("result"), dict):
        raise ValueError(f"{path.name}: missing {', '.join(missing) or 'result'}")
    try:
        int(data["id"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path.name}: bad id {data['id']!r}") from exc
    return Sidecar(path, data)


def scan(takes_dir: Path) -> tuple[list[Sidecar], list[str]]:
    """Every sidecar in `takes_dir` (oldest first) and the reasons some could not be read."""
    if not takes_dir.is_dir():
        return [], []
    return _scan((p for p in sorted(takes_dir.glob(f"*{SUFFIX}")) if not p.name.startswith((".", MOCK_PREFIX))), read)


# ---- mock sessions --------------------------------------------------------------------------------

def mock_path(takes_dir: Path, session_id: int) -> Path:
    return takes_dir / f"{MOCK_PREFIX}{int(session_id)}{SUFFIX}"


def mock_ids(takes_dir: Path) -> list[int]:
    """The session ids that have a sidecar (by file name)."""
    out = []
    for path in takes_dir.glob(f"{MOCK_PREFIX}*{SUFFIX}"):
        number = path.name[len(MOCK_PREFIX):-len(SUFFIX)]
        if number.isdigit():
            out.append(int(number))
    return out


def mock_record(session_id: int, created_at: str, round_no: int, attempt: int, status: str, stack: str | None,
                seed: int | None, overall: float | None, plan_json: str, result_json: str) -> str:
    """The mock session sidecar text, from the strings its row stores."""
    head = json.dumps({"format": MOCK_FORMAT, "version": VERSION, "id": int(session_id), "created_at": created_at,
                       "round": int(round_no), "attempt": int(attempt), "status": status, "stack": stack,
                       "seed": seed, "overall": overall}, ensure_ascii=False)
    return f'{head[:-1]}, "plan": {plan_json or "{}"}, "result": {result_json or "{}"}}}\n'


def read_mock(path: Path) -> Sidecar:
    """ValueError when the file is not a mock session sidecar (or is torn)."""
    data = _load(path, MOCK_FORMAT, "mock session")
    missing = [k for k in MOCK_FIELDS if k not in data]
    if missing or not isinstance(data.get("result"), dict) or not isinstance(data.get("plan"), dict):
        raise ValueError(f"{path.name}: missing {', '.join(missing) or 'plan/result'}")
    try:
        int(data["id"]), int(data["round"]), int(data["attempt"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path.name}: bad id, round or attempt") from exc
    return Sidecar(path, data)


def scan_mocks(takes_dir: Path) -> tuple[list[Sidecar], list[str]]:
    """Every mock session sidecar in `takes_dir` (oldest first) and the reasons some could not be read."""
    if not takes_dir.is_dir():
        return [], []
    return _scan(sorted(takes_dir.glob(f"{MOCK_PREFIX}*{SUFFIX}")), read_mock)
