"""Numbered, named schema migrations for the take store (the simonw/llm pattern).

The schema changes only by appending to MIGRATIONS: never edit or renumber one that shipped,
because user databases record which numbers they already ran.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import VoiceCoachError

log = logging.getLogger("voicecoach")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create_takes", """
        CREATE TABLE takes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('score', 'practice', 'drill')),
            scenario_id TEXT,
            audio_path TEXT,
            result_json TEXT NOT NULL,
            model_json TEXT NOT NULL DEFAULT '{}',
            settings_json TEXT NOT NULL DEFAULT '{}'
        );
    """),
    Migration(2, "key_figure_columns", """
        ALTER TABLE takes ADD COLUMN duration_s REAL;
        ALTER TABLE takes ADD COLUMN wpm REAL;
        ALTER TABLE takes ADD COLUMN fillers_per_100_words REAL;
        ALTER TABLE takes ADD COLUMN structure_score REAL;
        ALTER TABLE takes ADD COLUMN overall REAL;
    """),
    Migration(3, "index_scenario_created", """
        CREATE INDEX takes_scenario_created ON takes (scenario_id, created_at);
        CREATE INDEX takes_created ON takes (created_at);
    """),
    # the mock stage (issue 14): one row per started session, counted per round of attempts; its
    # answers stay ordinary takes, linked by mock_answers
    Migration(4, "mock_sessions", """
        CREATE TABLE mock_sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            round INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'started',
            stack TEXT,
            seed INTEGER,
            overall REAL,
            plan_json TEXT NOT NULL DEFAULT '{}',
            result_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX mock_sessions_round ON mock_sessions (round, attempt);
        CREATE TABLE mock_answers (
            session_id INTEGER NOT NULL REFERENCES mock_sessions (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            take_id INTEGER REFERENCES takes (id) ON DELETE SET NULL,
            PRIMARY KEY (session_id, position)
        );
    """),
)

_TABLE = "_migrations"


def applied(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} "
                 "(number INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL)")
    return [(int(n), str(name)) for n, name in conn.execute(f"SELECT number, name FROM {_TABLE} ORDER BY number")]


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[str]:
    """Apply the pending migrations, each in its own BEGIN IMMEDIATE transaction; return their names.

    `conn` must be in autocommit mode (isolation_level=None). Re-checking inside the write lock
    makes two processes opening a fresh store at once apply each migration exactly once.
    """
    known = {m.number for m in migrations}
    done_now: list[str] = []
    for m in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            done = dict(applied(conn))
            newer = sorted(n for n in done if n not in known)
            if newer:
                raise VoiceCoachError(
                    f"the history database has schema migration {newer[-1]} ({done[newer[-1]]}) that this "
                    "voicecoach does not know: it was written by a newer version; upgrade voicecoach")
            if m.number in done:
                conn.execute("COMMIT")
                continue
            # executescript would COMMIT on its own; run the statements one by one inside our transaction
            for statement in _statements(m.sql):
                conn.execute(statement)
            conn.execute(f"INSERT INTO {_TABLE} (number, name, applied_at) VALUES (?, ?, ?)",
                         (m.number, m.name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            conn.execute("COMMIT")
            done_now.append(m.name)
            log.info("store: applied migration %03d_%s", m.number, m.name)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return done_now


def _statements(sql: str) -> list[str]:
    # our migrations hold no string literals with ';', so a plain split is exact
    return [s.strip() for s in sql.split(";") if s.strip()]
