"""The store heals: a damaged database is moved aside and rebuilt from the sidecars in the takes
folder (takes, and mock sessions with their answers linked again), and `voicecoach repair`
re-indexes that folder and lists (or deletes) orphaned audio.

Several processes may hit the same damaged file at once: an exclusive lock file serialises the
healing, and a process that gets the lock after another one healed just reconnects.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..errors import VoiceCoachError
from . import sidecar
from .records import _dumps, key_figures

Store = Any  # db.Store (not imported: db imports this module)

log = logging.getLogger("voicecoach")
# one line for the person at the terminal (the CLI prints this logger as "voicecoach: ...")
notice = logging.getLogger("voicecoach.notice")

LOCK_NAME = ".voicecoach.db.lock"
# SQLITE_CORRUPT, SQLITE_NOTADB: the file is damaged or is not a database at all
DAMAGE_CODES = {11, 26}
DAMAGE_WORDS = ("malformed", "not a database", "file is encrypted", "corrupt")


def is_damage(exc: sqlite3.DatabaseError, db_path: Path) -> bool:
    """True for errors a rebuild cures; False for busy/locked/full/read-only, which it would not."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in DAMAGE_CODES:
        return True
    text = str(exc).lower()
    if any(word in text for word in DAMAGE_WORDS):
        return True
    # a database file we may not read: moved aside like a damaged one (it is kept, not deleted)
    return "unable to open" in text and db_path.is_file() and not os.access(db_path, os.R_OK)


@contextlib.contextmanager
def _locked(root: Path, *, shared: bool = False) -> Iterator[None]:
    """The heal lock: exclusive while a heal moves the database aside and rebuilds it; shared
    while a process opens the database, so it never opens the half-rebuilt one (it would list
    no takes until the rebuild commits)."""
    try:
        import fcntl
    except ImportError:  # Windows: one process heals at a time in practice; no lock
        yield
        return
    with open(root / LOCK_NAME, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def opening(root: Path):
    """Held (shared) while a Store connects: waits for a heal in progress to finish."""
    return _locked(root, shared=True)


def _aside(db_path: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = db_path.with_name(f"{db_path.name}.damaged-{stamp}-{n}")
    return target


def _healthy(db_path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def move_aside(db_path: Path) -> Path:
    """Rename the database and its -wal/-shm files to `<name>.damaged-<UTC time>[-wal|-shm]`.

    The WAL must go with it: SQLite would replay an old WAL into the new, empty database.
    """
    target = _aside(db_path)
    try:
        os.replace(db_path, target)
        for suffix in ("-wal", "-shm", "-journal"):
            extra = db_path.with_name(db_path.name + suffix)
            if extra.exists():
                os.replace(extra, target.with_name(target.name + suffix))
    except OSError as exc:
        raise VoiceCoachError(f"the history database {db_path} is damaged and cannot be moved aside ({exc}); "
                              f"move it away by hand, then run `voicecoach repair`") from exc
    return target


def heal(store: Store, exc: BaseException | None = None, *, force: bool = False) -> Path | None:
    """Move a damaged database aside and rebuild it from the sidecars; reconnect `store`.

    Returns where the damaged file went, or None when another process had already healed it.
    """
    with _locked(store.root):
        moved = None
        if force or not store.db_path.exists() or not _healthy(store.db_path):
            if store.db_path.exists():
                moved = move_aside(store.db_path)
        store._connect()
        if moved is None:
            return None
        store.healed_from = moved
        report = reindex(store)
        why = f" ({exc})" if exc is not None else ""
        mocks = f" and {report.mocks_added} mock session(s)" if report.mocks_added else ""
        notice.warning("the history database was damaged%s: moved it to %s and rebuilt the history from "
                       "%d take(s)%s in %s", why, moved.name, report.added, mocks, store.takes_dir)
        return moved


@dataclass
class Reindex:
    added: int = 0  # rows rebuilt from sidecars
    renumbered: list[tuple[int, int]] = field(default_factory=list)  # (sidecar id, new id) on a clash
    sidecars_written: int = 0  # rows that had none (saved before sidecars existed)
    unreadable: list[str] = field(default_factory=list)
    mocks_added: int = 0  # mock sessions rebuilt from their sidecars
    mocks_updated: int = 0  # rows behind their sidecar (killed between the sidecar and COMMIT)
    mocks_renumbered: list[tuple[int, int]] = field(default_factory=list)


def _insert(conn: sqlite3.Connection, take_id: int | None, rec) -> int:
    result = rec["result"]
    figures = key_figures(result)
    cur = conn.execute(
        "INSERT INTO takes (id, created_at, kind, scenario_id, audio_path, result_json, model_json, settings_json,"
        " duration_s, wpm, fillers_per_100_words, structure_score, overall)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (take_id, rec["created_at"], rec["kind"], rec["scenario_id"], rec["audio"], _dumps(result),
         _dumps(rec["model"] or {}), _dumps(rec["settings"] or {}), figures["duration_s"], figures["wpm"],
         figures["fillers_per_100_words"], figures["structure_score"], figures["overall"]))
    return int(cur.lastrowid)


def reindex(store: Store) -> Reindex:
    """Rows for the sidecars the database lacks (keeping their ids when free), then sidecars for
    the rows that lack one. One write transaction, so concurrent savers simply wait."""
    report = Reindex()
    found, report.unreadable = sidecar.scan(store.takes_dir)
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = {int(i): c for i, c in conn.execute("SELECT id, created_at FROM takes")}
        for side in found:
            rec = side.record
            if rec.get("kind") not in ("score", "practice", "drill"):
                report.unreadable.append(f"{side.path.name}: unknown kind {rec.get('kind')!r}")
                continue
            have = rows.get(side.take_id)
            if have == rec["created_at"]:
                continue  # already indexed
            new_id = _insert(conn, None if have is not None else side.take_id, rec)
            rows[new_id] = rec["created_at"]
            report.added += 1
            if new_id != side.take_id:  # its id went to another take meanwhile: follow the new one
                report.renumbered.append((side.take_id, new_id))
                sidecar.write(side.path, sidecar.record(new_id, rec["created_at"], rec["kind"], rec["scenario_id"],
                                                        rec["audio"], _dumps(rec["result"]), _dumps(rec["model"]),
                                                        _dumps(rec["settings"])))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    reindex_mocks(store, report)
    report.sidecars_written = backfill_sidecars(store)
    return report


def _mock_links(conn: sqlite3.Connection, old_id: int, rec) -> dict[int, tuple[str, int | None]]:
    """position -> (kind, take id) of a rebuilt session: its answers' takes (their settings name
    the session they answered, under the sidecar's id), then the unanswered parts of its output."""
    links: dict[int, tuple[str, int | None]] = {}
    for take_id, settings in conn.execute("SELECT id, settings_json FROM takes WHERE settings_json LIKE ?",
                                          ('%"mock_session"%',)):
        try:
            s = json.loads(settings or "{}")
            if int(s.get("mock_session")) == old_id:
                links[int(s["position"])] = (str(s.get("kind") or ""), int(take_id))
        except (TypeError, ValueError, KeyError):
            continue
    for section in rec["result"].get("sections") or []:
        try:
            links.setdefault(int(section["index"]), (str(section.get("kind") or ""), None))
        except (TypeError, ValueError, KeyError):
            continue
    return links


def reindex_mocks(store: Store, report: Reindex) -> None:
    """Rows for the mock session sidecars the database lacks (ids kept when free) with their
    answers linked; a row still 'started' whose sidecar has the result is brought up to date."""
    found, bad = sidecar.scan_mocks(store.takes_dir)
    report.unreadable += bad
    if not found:
        return
    conn = store.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = {int(i): (c, st, r) for i, c, st, r in
                conn.execute("SELECT id, created_at, status, result_json FROM mock_sessions")}
        for side in found:
            rec, old_id = side.record, side.take_id
            have = rows.get(old_id)
            result_json, plan_json = _dumps(rec["result"]), _dumps(rec["plan"])
            if have is not None and have[0] == rec["created_at"]:
                if (have[1], have[2]) != (rec["status"], result_json) and rec["status"] != "started":
                    conn.execute("UPDATE mock_sessions SET status = ?, overall = ?, result_json = ? WHERE id = ?",
                                 (rec["status"], rec["overall"], result_json, old_id))
                    report.mocks_updated += 1
                continue
            cur = conn.execute(
                "INSERT INTO mock_sessions (id, created_at, round, attempt, status, stack, seed, overall, plan_json,"
                " result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (None if have is not None else old_id, rec["created_at"], int(rec["round"]), int(rec["attempt"]),
                 rec["status"], rec["stack"], rec["seed"], rec["overall"], plan_json, result_json))
            new_id = int(cur.lastrowid)
            rows[new_id] = (rec["created_at"], rec["status"], result_json)
            for position, (kind, take_id) in _mock_links(conn, old_id, rec).items():
                conn.execute("INSERT OR IGNORE INTO mock_answers (session_id, position, kind, take_id)"
                             " VALUES (?, ?, ?, ?)", (new_id, position, kind, take_id))
            report.mocks_added += 1
            if new_id != old_id:  # its id went to another session meanwhile: the sidecar follows the row
                report.mocks_renumbered.append((old_id, new_id))
                sidecar.write(sidecar.mock_path(store.takes_dir, new_id), sidecar.mock_record(
                    new_id, rec["created_at"], rec["round"], rec["attempt"], rec["status"], rec["stack"],
                    rec["seed"], rec["overall"], plan_json, result_json))
                side.path.unlink(missing_ok=True)
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def backfill_sidecars(store: Store) -> int:
    """A sidecar for every row without one (takes saved before sidecars existed, mock sessions
    before they had one); then a marker, so this runs once per takes folder rather than on every
    start."""
    written = 0
    rows = store.conn.execute("SELECT id, created_at, kind, scenario_id, audio_path, result_json, model_json,"
                              " settings_json FROM takes ORDER BY id").fetchall()
    for take_id, created, kind, scenario, audio, result, model, settings in rows:
        if sidecar.find(store.takes_dir, audio, int(take_id)) is not None:
            continue
        path = sidecar.sidecar_path(store.takes_dir, audio, int(take_id))
        sidecar.write(path, sidecar.record(int(take_id), created, kind, scenario, audio, result, model or "{}",
                                           settings or "{}"))
        written += 1
    for row in store.conn.execute("SELECT id, created_at, round, attempt, status, stack, seed, overall, plan_json,"
                                  " result_json FROM mock_sessions ORDER BY id").fetchall():
        path = sidecar.mock_path(store.takes_dir, int(row[0]))
        if not path.exists():  # sessions of a database from before mock sidecars
            sidecar.write(path, sidecar.mock_record(*row))
            written += 1
    (store.takes_dir / sidecar.BACKFILLED).touch()
    if written:
        log.info("store: wrote %d sidecar(s) for takes saved before sidecars existed", written)
    return written


@dataclass
class RepairReport:
    damaged_moved_to: str | None
    added: int
    renumbered: list[tuple[int, int]]
    sidecars_written: int
    unreadable_sidecars: list[str]
    missing_audio: list[int]
    orphans: list[str]
    orphan_bytes: int
    deleted: list[str]
    recordings_fixed: list[str]
    mock_sessions_added: int = 0
    mock_sessions_renumbered: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def repair(store: Store, delete_orphans: bool = False, orphan_min_age_s: float = 60.0) -> RepairReport:
    """Check the database fully (moving it aside and rebuilding when damaged), re-index the takes
    folder, list or delete orphaned audio. (Recordings cut by a crash are the caller's: the store
    knows no audio code.)"""
    moved = store.healed_from
    try:
        ok = store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        ok = False
    if not ok:
        store.conn.close()
        moved = heal(store, force=True) or moved
    report = reindex(store)
    missing = [t.id for t in store.list_takes() if t.audio_rel and not (store.root / t.audio_rel).is_file()]
    orphans = store.orphan_audio(min_age_s=orphan_min_age_s)
    size = sum(p.stat().st_size for p in orphans if p.exists())
    deleted = []
    if delete_orphans:
        for path in orphans:
            path.unlink(missing_ok=True)
            deleted.append(path.name)
    return RepairReport(str(moved) if moved else None, report.added, report.renumbered, report.sidecars_written,
                        report.unreadable, missing, [p.name for p in orphans], size, deleted, [],
                        report.mocks_added + report.mocks_updated, report.mocks_renumbered)
