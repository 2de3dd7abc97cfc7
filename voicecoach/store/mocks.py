"""Mock-stage sessions in the take store: attempts counted per round, answers linked to their takes.

A session row is written when the session STARTS (the real dashboard counts a started attempt,
finished or not), inside one BEGIN IMMEDIATE transaction with the count, so two sessions started
at once cannot both take the last attempt. Each answer is an ordinary take (so `history`,
`compare`, `replay` and `report` work on it) linked through `mock_answers`.

Durable like a take: the session's sidecar `takes/mock-session-<id>.json` (sidecar.py) holds its
row and its whole output; it is written inside the start transaction before COMMIT and again,
with the result, before the row is updated at the end. So `voicecoach repair`, and the automatic
heal of a damaged database, bring the sessions back with their rounds and attempts (a lost
database does not hand out fresh attempts); their answers come back as takes and are linked
again (repair.py).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import UnusableInput, VoiceCoachError
from . import sidecar
from .db import Store, _dumps, _now_iso


class AttemptsUsed(VoiceCoachError):
    """Every attempt of this round is used; `--new-round` starts the next one."""

    exit_code = 2


@dataclass(frozen=True)
class MockSession:
    id: int
    created_at: str
    round: int
    attempt: int
    status: str  # started | complete | incomplete
    stack: str | None
    seed: int | None
    overall: float | None
    plan: Mapping[str, Any] = field(repr=False, default_factory=dict)
    result: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "round": self.round, "attempt": self.attempt,
                "status": self.status, "stack": self.stack, "seed": self.seed, "overall": self.overall}


_COLS = "id, created_at, round, attempt, status, stack, seed, overall, plan_json, result_json"


def _session(row: tuple) -> MockSession:
    id_, created, rnd, attempt, status, stack, seed, overall, plan, result = row
    return MockSession(int(id_), created, int(rnd), int(attempt), status, stack, seed, overall,
                       json.loads(plan or "{}"), json.loads(result or "{}"))


def round_state(store: Store) -> tuple[int, int]:
    """(current round, attempts started in it); round 1 with 0 attempts on a fresh store."""
    return store._healing(_round_state, store)


def _round_state(store: Store) -> tuple[int, int]:
    row = store.conn.execute("SELECT MAX(round) FROM mock_sessions").fetchone()
    current = int(row[0]) if row and row[0] is not None else 1
    used = store.conn.execute("SELECT COUNT(*) FROM mock_sessions WHERE round = ?", (current,)).fetchone()[0]
    return current, int(used)


def _rollback(store: Store) -> None:
    try:
        store.conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # the transaction is already gone (the error that brought us here ended it)


def _write_sidecar(store: Store, session_id: int) -> None:
    """The sidecar from the row as it stands in the open transaction."""
    row = store.conn.execute("SELECT id, created_at, round, attempt, status, stack, seed, overall, plan_json,"
                             " result_json FROM mock_sessions WHERE id = ?", (session_id,)).fetchone()
    sidecar.write(sidecar.mock_path(store.takes_dir, session_id), sidecar.mock_record(*row))


def start_session(store: Store, *, limit: int, new_round: bool = False, stack: str | None = None,
                  seed: int | None = None, plan: Mapping[str, Any] | None = None) -> MockSession:
    """Count a new attempt and return its session; AttemptsUsed when the round has none left."""
    return store._healing(_start_session, store, limit, new_round, stack, seed, plan)


def _start_session(store: Store, limit: int, new_round: bool, stack: str | None, seed: int | None,
                   plan: Mapping[str, Any] | None) -> MockSession:
    side = None
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        current, used = _round_state(store)
        if new_round and used:
            current, used = current + 1, 0
        if used >= limit:
            rows = store.conn.execute("SELECT id FROM mock_sessions WHERE round = ? ORDER BY attempt",
                                      (current,)).fetchall()
            raise AttemptsUsed(
                f"all {limit} attempts of round {current} are used (sessions {', '.join(f'#{r[0]}' for r in rows)}); "
                "compare them with `voicecoach mock-compare`, then start the next round with `voicecoach mock "
                "--new-round`")
        created = _now_iso()
        # chosen under the write lock, past every sidecar too: a session the database lost (until
        # `repair` brings it back) keeps its number and its sidecar is never overwritten
        session_id = 1 + max([int(store.conn.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'mock_sessions'), 0),"
            " coalesce((SELECT max(id) FROM mock_sessions), 0))").fetchone()[0]), *sidecar.mock_ids(store.takes_dir)])
        store.conn.execute(
            "INSERT INTO mock_sessions (id, created_at, round, attempt, status, stack, seed, plan_json)"
            " VALUES (?, ?, ?, ?, 'started', ?, ?, ?)",
            (session_id, created, current, used + 1, stack, seed, _dumps(plan or {})))
        # before COMMIT: a started attempt counts even if the database is lost right after
        side = sidecar.mock_path(store.takes_dir, session_id)
        _write_sidecar(store, session_id)
        store.conn.execute("COMMIT")
    except BaseException:
        _rollback(store)
        if side is not None:
            side.unlink(missing_ok=True)
        raise
    return MockSession(session_id, created, current, used + 1, "started", stack, seed, None, dict(plan or {}), {})


def link_answer(store: Store, session_id: int, position: int, kind: str, take_id: int | None) -> None:
    store._healing(_link_answer, store, session_id, position, kind, take_id)


def _link_answer(store: Store, session_id: int, position: int, kind: str, take_id: int | None) -> None:
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        store.conn.execute("INSERT OR REPLACE INTO mock_answers (session_id, position, kind, take_id)"
                           " VALUES (?, ?, ?, ?)", (session_id, position, kind, take_id))
        store.conn.execute("COMMIT")
    except BaseException:
        _rollback(store)
        raise


def finish_session(store: Store, session_id: int, *, status: str, overall: float | None,
                   result: Mapping[str, Any]) -> None:
    """Record the outcome in the session's sidecar (the whole output), then in its row."""
    store._healing(_finish_session, store, session_id, status, overall, _dumps(result))


def _finish_session(store: Store, session_id: int, status: str, overall: float | None, text: str) -> None:
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        store.conn.execute("UPDATE mock_sessions SET status = ?, overall = ?, result_json = ? WHERE id = ?",
                           (status, overall, text, session_id))
        # written before COMMIT: killed in between, the sidecar has the result and `repair` updates the row
        _write_sidecar(store, session_id)
        store.conn.execute("COMMIT")
    except BaseException:
        _rollback(store)
        raise


def get_session(store: Store, session_id: int) -> MockSession:
    return store._healing(_get_session, store, session_id)


def _get_session(store: Store, session_id: int) -> MockSession:
    row = store.conn.execute(f"SELECT {_COLS} FROM mock_sessions WHERE id = ?", (int(session_id),)).fetchone()
    if row is None:
        raise UnusableInput(f"no mock session #{session_id}; `voicecoach mock-history` lists them")
    return _session(row)


def list_sessions(store: Store, round_no: int | None = None) -> list[MockSession]:
    return store._healing(_list_sessions, store, round_no)


def _list_sessions(store: Store, round_no: int | None) -> list[MockSession]:
    sql = f"SELECT {_COLS} FROM mock_sessions"
    args: tuple = ()
    if round_no is not None:
        sql, args = sql + " WHERE round = ?", (round_no,)
    return [_session(r) for r in store.conn.execute(sql + " ORDER BY id", args)]


def answers(store: Store, session_id: int) -> list[tuple[int, str, int | None]]:
    """(position, kind, take id) of a session's answers, in order."""
    return store._healing(lambda: [(int(p), str(k), None if t is None else int(t)) for p, k, t in store.conn.execute(
        "SELECT position, kind, take_id FROM mock_answers WHERE session_id = ? ORDER BY position", (session_id,))])


def session_file(store: Store, session_id: int) -> Path:
    """The session's sidecar: its row and whole output (takes/mock-session-<id>.json)."""
    return sidecar.mock_path(store.takes_dir, session_id)
