"""Every take kept: a SQLite database in the user folder plus the audio files beside it.

Layout: `<user_dir>/voicecoach.db` (WAL mode) and `<user_dir>/takes/<stamp>-<id>.<ext>`; rows
reference audio by a path relative to the user folder, so the folder can be moved as a whole.

Safety: the audio is written (to a temp name, fsynced, renamed) BEFORE the row that points to
it is inserted, and each take is one BEGIN IMMEDIATE transaction, so a crash or kill mid-save
leaves at worst an unreferenced audio file, never a row pointing at nothing or a torn row.
`busy_timeout` makes concurrent writers wait for each other instead of failing.

Healing (repair.py): each take also gets a JSON sidecar beside its audio (sidecar.py), written
inside the save's transaction before COMMIT, so the takes folder can rebuild the database. A
database SQLite calls corrupt or "not a database" is moved aside and rebuilt from the sidecars
on the spot, with one notice line; `voicecoach repair` does the same on demand.
"""

from __future__ import annotations

import json
import logging
import os
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
from . import sidecar
from .migrations import migrate
from .records import _dumps, _fsync_dir, _now_iso, key_figures, strip_secrets  # noqa: F401 - re-exported

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


# ---- the store ------------------------------------------------------------------------------

class Store:
    """One connection to the take database. Use `open_store()`; usable as a context manager."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.root = self.db_path.parent
        self.takes_dir = self.root / TAKES_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self.takes_dir.mkdir(parents=True, exist_ok=True)
        self.healed_from: Path | None = None  # where a damaged database was moved, when it was
        from .repair import opening

        try:
            with opening(self.root):
                self._connect()
        except sqlite3.DatabaseError as exc:
            from .repair import heal, is_damage

            if not is_damage(exc, self.db_path):
                raise VoiceCoachError(f"cannot open the history database {self.db_path}: {exc}") from exc
            heal(self, exc)
        if not (self.takes_dir / sidecar.BACKFILLED).exists():
            from .repair import backfill_sidecars

            backfill_sidecars(self)

    def _connect(self) -> None:
        # autocommit mode: we issue BEGIN IMMEDIATE ourselves so the write lock is taken up front
        self.conn = sqlite3.connect(str(self.db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._enable_wal()
            # FULL: a committed take survives a power cut too, at the cost of one more fsync per save
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            migrate(self.conn)
            self.conn.execute("SELECT count(*) FROM takes").fetchone()  # reads the table's pages once
        except BaseException:
            self.conn.close()
            raise

    def _healing(self, fn, *args, **kwargs):
        """Run `fn`; when SQLite finds the database damaged, heal it (move aside, rebuild from the
        sidecars) and run `fn` once more."""
        try:
            return fn(*args, **kwargs)
        except sqlite3.DatabaseError as exc:
            from .repair import heal, is_damage

            if not is_damage(exc, self.db_path):
                raise
            self.conn.close()
            heal(self, exc)
            return fn(*args, **kwargs)

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

        row = (kind, scenario_id, result_json, _dumps(model), settings_json, figures)
        rel, created = (self._place_audio(Path(audio_path), move_audio) if audio_path else (None, False))
        try:
            take_id = self._healing(self._insert, rel, *row)
        except BaseException:
            if created and rel:  # the row never landed: do not leave a copy nobody references
                (self.root / rel).unlink(missing_ok=True)
            raise
        log.info("store: saved take %d (%s) audio=%s", take_id, kind, rel)
        return take_id

    def _insert(self, rel, kind, scenario_id, result_json, model_json, settings_json, figures) -> int:
        """The row and its sidecar in one write transaction; the sidecar lands first, so a kill
        before COMMIT leaves a take that `repair` can still index."""
        side = None
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            # the id is chosen under the write lock, so the sidecar can carry it before the INSERT
            take_id = int(self.conn.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'takes'), 0),"
                " coalesce((SELECT max(id) FROM takes), 0)) + 1").fetchone()[0])
            created_at = _now_iso()
            side = sidecar.sidecar_path(self.takes_dir, rel, take_id)
            sidecar.write(side, sidecar.record(take_id, created_at, kind, scenario_id, rel, result_json,
                                               model_json, settings_json))
            self.conn.execute(
                "INSERT INTO takes (id, created_at, kind, scenario_id, audio_path, result_json, model_json,"
                " settings_json, duration_s, wpm, fillers_per_100_words, structure_score, overall)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (take_id, created_at, kind, scenario_id, rel, result_json, model_json, settings_json,
                 figures["duration_s"], figures["wpm"], figures["fillers_per_100_words"],
                 figures["structure_score"], figures["overall"]))
            self.conn.execute("COMMIT")
        except BaseException:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the transaction is already gone (the error that brought us here ended it)
            if side is not None:
                side.unlink(missing_ok=True)
            raise
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
        # sidecar and audio go after the commit: a crash in between leaves a file `repair` lists
        # (or a take it brings back), never a row pointing at nothing
        side = sidecar.find(self.takes_dir, take.audio_rel, take.id)
        if side is not None:
            side.unlink(missing_ok=True)
        if take.audio_rel and not still_used:
            (self.root / take.audio_rel).unlink(missing_ok=True)
        return take

    # -- reading --
    def get_take(self, take_id: int) -> Take:
        return self._healing(self._get_take, take_id)

    def _get_take(self, take_id: int) -> Take:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM takes WHERE id = ?", (int(take_id),)).fetchone()
        if row is None:
            raise TakeNotFound(f"no take #{take_id} in {self.db_path}; `voicecoach history` lists the takes")
        return _take(row)

    def list_takes(self, scenario_id: str | None = None, kind: str | None = None) -> list[Take]:
        """Takes oldest first, optionally of one scenario and/or kind."""
        return self._healing(self._list_takes, scenario_id, kind)

    def _list_takes(self, scenario_id: str | None, kind: str | None) -> list[Take]:
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

    def orphan_audio(self, min_age_s: float = 60.0) -> list[Path]:
        """Files under takes/ that no row and no sidecar references: audio left by a save killed
        before its sidecar was written, and `.part` files of a killed copy. Files younger than
        `min_age_s` are left out: another process may be recording or saving them right now."""
        used = {r[0] for r in self._healing(
            lambda: self.conn.execute("SELECT audio_path FROM takes WHERE audio_path IS NOT NULL").fetchall())}
        found, _bad = sidecar.scan(self.takes_dir)
        used |= {str(s.record.get("audio")) for s in found if s.record.get("audio")}
        now = time.time()
        out = []
        for p in self.takes_dir.iterdir():
            if not p.is_file() or f"{TAKES_DIR}/{p.name}" in used:
                continue
            if p.name.startswith(".") and not p.name.endswith(".part"):
                continue  # the backfill marker
            if p.suffix == sidecar.SUFFIX and not p.name.startswith("."):
                continue  # a sidecar, not audio
            try:
                if now - p.stat().st_mtime < min_age_s:
                    continue
            except OSError:
                continue
            out.append(p)
        return sorted(out)

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
