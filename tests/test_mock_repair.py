"""Mock sessions are durable like takes: each keeps a sidecar in the takes folder, so a damaged or
lost database gets its sessions back (round, attempt, status, whole output, answers linked), and
a lost database hands out no fresh attempts. The real CLI, the real model, real SQLite files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from live_helpers import run_cli
from voicecoach.config import load_config
from voicecoach.sessions.mock_plan import build_plan
from voicecoach.store import sidecar
from voicecoach.store.db import open_store
from voicecoach.store.mocks import answers, finish_session, get_session, list_sessions, round_state, start_session

CV_ANSWER = ("At my last job the checkout service timed out under load. I moved the rendering to a worker thread, "
             "and the latency went from 800 milliseconds to 200 milliseconds.")


def synth(text: str, path: Path) -> Path:
    subprocess.run(["espeak-ng", "-w", str(path), "-s", "160", text], check=True, timeout=60)
    return path


def _db_files(home: Path) -> list[Path]:
    return [home / n for n in ("voicecoach.db", "voicecoach.db-wal", "voicecoach.db-shm")]


@pytest.fixture
def session_from_answers(tmp_path, voicecoach_home):
    """One `mock --answers` session: the English check and one CV answer given, the rest not."""
    plan = build_plan(load_config(), analysis=None, stack="python", minutes=20, seed=4)
    reading = " ".join(plan.sections[0].passage.text.split()[:20])
    wavs = [synth(reading, tmp_path / "q1.wav"), synth(CV_ANSWER, tmp_path / "q2.wav")]
    proc = run_cli("mock", "--stack", "python", "--seed", "4", "--minutes", "20", "--json", "--answers",
                   *map(str, wavs), timeout=300)
    assert proc.returncode == 2, proc.stderr  # three questions unanswered: exit 2, the rest scored
    out = json.loads(proc.stdout)
    assert [s["status"] for s in out["sections"]][:2] == ["answered", "answered"]
    with open_store() as store:
        links = answers(store, out["session_id"])
        session = get_session(store, out["session_id"])
    assert len(links) == 5 and [t is not None for _p, _k, t in links] == [True, True, False, False, False]
    return out, links, session


@pytest.mark.model
def test_a_damaged_database_brings_the_mock_session_back(session_from_answers, voicecoach_home):
    out, links, before = session_from_answers
    side = voicecoach_home / "takes" / f"mock-session-{out['session_id']}.json"
    assert json.loads(side.read_text())["result"] == out  # its full output, beside its answers' audio
    db = voicecoach_home / "voicecoach.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.write_bytes(os.urandom(64 * 1024))

    proc = run_cli("mock-history", "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "the history database was damaged" in lines[0], proc.stderr
    assert "2 take(s) and 1 mock session(s)" in lines[0]
    (listed,) = json.loads(proc.stdout)
    assert listed == {**before.summary(), "attempts_allowed": 3}
    with open_store() as store:
        after = get_session(store, out["session_id"])
        assert after.result == out and after.plan == before.plan and after.status == "incomplete"
        assert answers(store, out["session_id"]) == links  # the answers are linked to the same takes
        assert round_state(store) == (1, 1)
    # healed once: the next command is quiet, and `mock-compare` reads the session again
    again = run_cli("mock-history", "--json")
    assert again.returncode == 0 and again.stderr.strip() == ""


@pytest.mark.model
def test_repair_rebuilds_a_deleted_database_and_keeps_the_attempt_count(session_from_answers, voicecoach_home):
    out, links, before = session_from_answers
    for path in _db_files(voicecoach_home):
        path.unlink(missing_ok=True)
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == 2 and report["mock_sessions_added"] == 1 and report["unreadable_sidecars"] == []
    history = run_cli("mock-history", "--json")
    assert [s["id"] for s in json.loads(history.stdout)] == [out["session_id"]]
    with open_store() as store:
        assert get_session(store, out["session_id"]).result == out
        assert answers(store, out["session_id"]) == links
        # the lost database handed out no fresh attempt: the next one is attempt 2
        assert start_session(store, limit=3).attempt == 2
    # and repairing again adds nothing
    proc = run_cli("repair", "--json")
    assert json.loads(proc.stdout)["mock_sessions_added"] == 0


def test_a_started_session_counts_after_the_database_is_lost(voicecoach_home):
    with open_store() as store:
        first = start_session(store, limit=3, stack="go", seed=1, plan={"seed": 1})
    for path in _db_files(voicecoach_home):
        path.unlink(missing_ok=True)
    with open_store() as store:  # before `repair`: a new session does not take the lost one's number
        second = start_session(store, limit=3)
        assert second.id == first.id + 1 and sidecar.mock_path(store.takes_dir, first.id).exists()
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["mock_sessions_added"] == 1, proc.stderr
    with open_store() as store:
        sessions = list_sessions(store)
        assert [(s.id, s.status, s.stack) for s in sessions] == [(first.id, "started", "go"), (second.id, "started",
                                                                                             None)]
        assert sessions[0].plan == {"seed": 1}


def test_a_result_whose_row_update_was_lost_is_restored_by_repair(voicecoach_home):
    with open_store() as store:
        s = start_session(store, limit=3)
        finish_session(store, s.id, status="complete", overall=71, result={"overall": 71, "sections": []})
    # as if killed after the sidecar was written and before COMMIT
    with sqlite3.connect(voicecoach_home / "voicecoach.db") as conn:
        conn.execute("UPDATE mock_sessions SET status = 'started', overall = NULL, result_json = '{}'")
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["mock_sessions_added"] == 1, proc.stderr
    with open_store() as store:
        (row,) = list_sessions(store)
        assert (row.status, row.overall, row.result) == ("complete", 71, {"overall": 71, "sections": []})


def test_mock_sidecars_are_not_take_sidecars_and_old_sessions_get_one(voicecoach_home):
    with open_store() as store:
        s = start_session(store, limit=3)
        side = sidecar.mock_path(store.takes_dir, s.id)
        side.unlink()  # a session saved before mock sidecars existed
        (store.takes_dir / sidecar.BACKFILLED).unlink()
    with open_store() as store:  # the first open writes the missing sidecars, once
        assert json.loads(side.read_text())["id"] == s.id
    proc = run_cli("repair", "--json")
    report = json.loads(proc.stdout)
    assert report["unreadable_sidecars"] == [] and report["added"] == 0 and report["orphans"] == []
