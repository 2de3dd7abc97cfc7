"""Every take kept: a SQLite database in the user folder plus the audio files beside it.

Layout: `<user_dir>/voicecoach.db` (WAL mode) and `<user_dir>/takes/<stamp>-<id>.<ext>`; rows
reference audio by a path relative to the user folder, so the folder can be moved as a whole.

Safety: the audio is written (to a temp name, fsynced, renamed) BEFORE the row that points to
it is inserted, and each take is one BEGIN IMMEDIATE transaction, so a crash or kill mid-save
leaves at worst an unreferenced audio file, never a row pointing at nothing or a torn row.
`busy_timeout` makes concurrent writers wait for each other instead of failing.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import re
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..config import user_dir
from ..errors import UnusableInput, VoiceCoachError
from .migrations import migrate

log = logging.getLogger("voicecoach")

DB_NAME = "voicecoach.db"
TAKES_DIR = "takes"
KINDS = ("score", "practice", "drill")
# long enough for a slow disk to finish another process's save; a save is milliseconds
BUSY_TIMEOUT_MS = 30_000


class TakeNotFound(UnusableInput):
    """No take with that id."""


class MissingAudio(VoiceCoachError):
    """The take exists but its audio file does not."""

    exit_code = 2


@dataclass(frozen=True)
class Take:
    id: int
    created_at: str  # UTC, ISO 8601
    kind: str
    scenario_id: str | None
    audio_rel: str | None  # relative to the user folder
    duration_s: float | None
    wpm: float | None
    fillers_per_100_words: float | None
    structure_score: float | None
    overall: float | None
    result: Mapping[str, Any] = field(repr=False)
    model: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Key figures only (what `history --json` and `export --csv` list)."""
        return {
            "id": self.id, "created_at": self.created_at, "kind": self.kind, "scenario_id": self.scenario_id,
            "duration_s": self.duration_s, "wpm": self.wpm, "fillers_per_100_words": self.fillers_per_100_words,
            "structure_score": self.structure_score, "overall": self.overall, "audio": self.audio_rel,
            "model": self.model.get("name"),
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "model": dict(self.model), "settings": dict(self.settings),
                "result": self.result}


# ---- pure helpers ---------------------------------------------------------------------------

_SECRET_PARTS = {"key", "apikey", "token", "secret", "password", "passwd", "credential", "credentials"}


def _is_secret_name(name: str) -> bool:
    # "api_key", "OPENAI_API_KEY", "apiKey", "access_token", "client_secret" go; "key_points",
    # "max_tokens" stay: judge by the last word of the name, plus any name containing secret/password
    low = name.lower()
    if "secret" in low or "password" in low or "apikey" in low.replace("_", "").replace("-", ""):
        return True
    parts = [p for p in re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()) if p]
    return bool(parts) and parts[-1] in _SECRET_PARTS


def _looks_like_key(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"(sk|pk|rk)-[A-Za-z0-9_\-]{16,}", value.strip()))


def strip_secrets(value: Any) -> Any:
    """`value` with every key named like a credential (and any sk-... string) removed, recursively."""
    if isinstance(value, Mapping):
        return {str(k): strip_secrets(v) for k, v in value.items()
                if not _is_secret_name(str(k)) and not _looks_like_key(v)}
    if isinstance(value, (list, tuple)):
        return [strip_secrets(v) for v in value if not _looks_like_key(v)]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):  # tolerate {"score": 72} where a bare number was expected
        value = value.get("score")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def key_figures(result: Mapping[str, Any]) -> dict[str, float | None]:
    """The columns listed by `history`; every optional part of the result may be absent."""
    delivery = result.get("delivery") or {}
    structure = result.get("structure") or {}
    return {
        "duration_s": _number(result.get("duration_s")),
        "wpm": _number(delivery.get("wpm")),
        "fillers_per_100_words": _number(delivery.get("fillers_per_100_words")),
        "structure_score": _number(structure.get("score")) if isinstance(structure, Mapping) else None,
        "overall": _number(result.get("overall")),
    }


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN/inf are not JSON; a metric that could not be computed is "absent"
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), ensure_ascii=False, default=_json_default, allow_nan=False)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- the store ------------------------------------------------------------------------------

class Store:
    """One connection to the take database. Use `open_store()`; usable as a context manager."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.root = self.db_path.parent
        self.takes_dir = self.root / TAKES_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self.takes_dir.mkdir(parents=True, exist_ok=True)
        # autocommit mode: we issue BEGIN IMMEDIATE ourselves so the write lock is taken up front
        self.conn = sqlite3.connect(str(self.db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._enable_wal()
        # FULL: a committed take survives a power cut too, at the cost of one more fsync per save
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        migrate(self.conn)

    def _enable_wal(self) -> None:
        # switching a fresh file to WAL takes an exclusive lock; with several processes opening at
        # once SQLite may answer "locked" without waiting, so retry for the busy timeout
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise VoiceCoachError(f"cannot open the history database {self.db_path}: {exc}") from exc
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            log.warning("store: %s is in %s journal mode, not WAL (file system without shared memory?)",
                        self.db_path, mode)

    # -- context manager --
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing --
    def save_take(self, result: dict, *, kind: str = "score", audio_path: Path | None = None,
                  scenario_id: str | None = None, settings: dict | None = None, move_audio: bool = False) -> int:
        """Keep one take: its audio under takes/ first, then one row; return the take id.

        `audio_path` defaults to `result["path"]` when that file exists. With `move_audio`, a file
        already under takes/ is referenced as is and any other file is moved there (practice
        recordings); otherwise the file is copied. `scenario_id` defaults to `result["scenario"]`.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        result = dict(result)
        if scenario_id is None and isinstance(result.get("scenario"), str):
            scenario_id = result["scenario"]
        if audio_path is None and result.get("path") and Path(str(result["path"])).is_file():
            audio_path = Path(str(result["path"]))
        result_json = _dumps(result)  # fail on bad data before touching the disk
        model = strip_secrets(result.get("model") or {})
        settings_json = _dumps(strip_secrets(settings or {}))
        figures = key_figures(result)

        rel, created = (self._place_audio(Path(audio_path), move_audio) if audio_path else (None, False))
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                cur = self.conn.execute(
                    "INSERT INTO takes (created_at, kind, scenario_id, audio_path, result_json, model_json,"
                    " settings_json, duration_s, wpm, fillers_per_100_words, structure_score, overall)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (_now_iso(), kind, scenario_id, rel, result_json, _dumps(model), settings_json,
                     figures["duration_s"], figures["wpm"], figures["fillers_per_100_words"],
                     figures["structure_score"], figures["overall"]))
                take_id = int(cur.lastrowid)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        except BaseException:
            if created and rel:  # the row never landed: do not leave a copy nobody references
                (self.root / rel).unlink(missing_ok=True)
            raise
        log.info("store: saved take %d (%s) audio=%s", take_id, kind, rel)
        return take_id

    def _place_audio(self, src: Path, move: bool) -> tuple[str, bool]:
        """Put `src` under takes/; return (path relative to the user folder, whether we created it)."""
        if not src.is_file():
            raise UnusableInput(f"{src}: audio file to keep does not exist")
        src_abs = src.resolve()
        takes_abs = self.takes_dir.resolve()
        if move and src_abs.parent == takes_abs:
            return src_abs.relative_to(self.root.resolve()).as_posix(), False
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{uuid.uuid4().hex[:10]}{src.suffix.lower() or '.wav'}"
        dest = self.takes_dir / name
        tmp = self.takes_dir / f".{name}.part"
        try:
            if move:
                try:
                    os.replace(src_abs, tmp)  # same file system: atomic, no copy
                except OSError:
                    shutil.copyfile(src_abs, tmp)
                    src_abs.unlink()
            else:
                shutil.copyfile(src_abs, tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
            _fsync_dir(self.takes_dir)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return f"{TAKES_DIR}/{name}", True

    def delete_take(self, take_id: int) -> Take:
        """Delete the row, then its audio file (unless another take still references it)."""
        take = self.get_take(take_id)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute("DELETE FROM takes WHERE id = ?", (take_id,))
            still_used = take.audio_rel is not None and self.conn.execute(
                "SELECT 1 FROM takes WHERE audio_path = ? LIMIT 1", (take.audio_rel,)).fetchone() is not None
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        # audio goes after the commit: a crash in between leaves an orphan file, not a dangling row
        if take.audio_rel and not still_used:
            (self.root / take.audio_rel).unlink(missing_ok=True)
        return take

    # -- reading --
    def get_take(self, take_id: int) -> Take:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM takes WHERE id = ?", (int(take_id),)).fetchone()
        if row is None:
            raise TakeNotFound(f"no take #{take_id} in {self.db_path}; `voicecoach history` lists the takes")
        return _take(row)

    def list_takes(self, scenario_id: str | None = None, kind: str | None = None) -> list[Take]:
        """Takes oldest first, optionally of one scenario and/or kind."""
        where, args = [], []
        if scenario_id is not None:
            where.append("scenario_id = ?")
            args.append(scenario_id)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        sql = f"SELECT {_COLUMNS} FROM takes" + (" WHERE " + " AND ".join(where) if where else "")
        return [_take(r) for r in self.conn.execute(sql + " ORDER BY created_at, id", args)]

    def audio_file(self, take: Take) -> Path:
        """The absolute path of the take's audio; MissingAudio with what to do when it is gone."""
        if not take.audio_rel:
            raise MissingAudio(f"take #{take.id} was saved without audio, so there is nothing to play; "
                               f"`voicecoach replay {take.id} --no-audio` shows its transcript")
        path = self.root / take.audio_rel
        if not path.is_file():
            raise MissingAudio(f"take #{take.id}: its audio file {path} is missing (moved or deleted outside "
                               f"voicecoach); put it back there, or `voicecoach delete {take.id}`")
        return path

    def orphan_audio(self) -> list[Path]:
        """Files under takes/ no row references (left by a save killed before its commit)."""
        used = {r[0] for r in self.conn.execute("SELECT audio_path FROM takes WHERE audio_path IS NOT NULL")}
        return sorted(p for p in self.takes_dir.iterdir()
                      if p.is_file() and f"{TAKES_DIR}/{p.name}" not in used)

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def __iter__(self) -> Iterator[Take]:
        return iter(self.list_takes())


_COLUMNS = ("id, created_at, kind, scenario_id, audio_path, duration_s, wpm, fillers_per_100_words,"
            " structure_score, overall, result_json, model_json, settings_json")


def _take(row: tuple) -> Take:
    (id_, created, kind, scenario, audio, dur, wpm, fph, struct, overall, result, model, settings) = row
    return Take(id=int(id_), created_at=created, kind=kind, scenario_id=scenario, audio_rel=audio,
                duration_s=dur, wpm=wpm, fillers_per_100_words=fph, structure_score=struct, overall=overall,
                result=json.loads(result), model=json.loads(model or "{}"), settings=json.loads(settings or "{}"))


def default_db_path() -> Path:
    return user_dir() / DB_NAME


def open_store(path: Path | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `path`, default `<user_dir>/voicecoach.db`."""
    return Store(Path(path) if path else default_db_path())
