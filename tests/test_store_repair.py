"""The store heals (issue 12): sidecars, a damaged database moved aside and rebuilt, `repair`,
orphaned audio, concurrent savers and healers, all on real SQLite files and the real CLI."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sqlite3
import time
from pathlib import Path

import pytest

from live_helpers import run_cli
from take_factory import make_result, write_wav
from voicecoach.store import sidecar
from voicecoach.store.db import open_store


def _save(n: int, wav: Path, prefix: str = "take") -> list[int]:
    with open_store() as store:
        return [store.save_take(make_result(f"{prefix} {i} says the fix"), audio_path=wav, scenario_id="s")
                for i in range(n)]


def _aged(path: Path, seconds: float = 3600) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_each_take_has_a_sidecar_with_its_full_result(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    (take_id,) = _save(1, wav)
    with open_store() as store:
        take = store.get_take(take_id)
        side = sidecar.find(store.takes_dir, take.audio_rel, take_id)
    assert side is not None and side.parent == (voicecoach_home / take.audio_rel).parent
    rec = json.loads(side.read_text())
    assert rec["id"] == take_id and rec["audio"] == take.audio_rel and rec["kind"] == "score"
    assert rec["result"] == take.result and rec["created_at"] == take.created_at


def test_delete_removes_the_sidecar_so_repair_does_not_bring_the_take_back(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(2, wav)
    with open_store() as store:
        store.delete_take(ids[0])
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0, proc.stderr
    with open_store() as store:
        assert [t.id for t in store.list_takes()] == [ids[1]]


def test_a_database_overwritten_with_garbage_is_moved_aside_and_rebuilt(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(3, wav)
    db = voicecoach_home / "voicecoach.db"
    db.write_bytes(os.urandom(64 * 1024))  # what the issue did: history printed a traceback
    proc = run_cli("history", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [t["id"] for t in json.loads(proc.stdout)] == ids  # no take lost, same ids
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voicecoach: the history database was damaged"), proc.stderr
    aside = list(voicecoach_home.glob("voicecoach.db.damaged-*"))
    assert len(aside) == 1 and aside[0].name in lines[0] and aside[0].stat().st_size == 64 * 1024
    assert "Traceback" not in proc.stderr
    # healed once: the next command is quiet
    again = run_cli("history", "--json")
    assert again.returncode == 0 and again.stderr.strip() == ""


def test_a_database_with_damaged_pages_is_rebuilt_when_a_read_fails(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(40, wav)  # enough rows for the table to span many pages
    db = voicecoach_home / "voicecoach.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 6
    with open(db, "r+b") as fh:  # the header stays valid; the pages after the schema do not
        fh.seek(2 * page)
        fh.write(b"\xff" * (page * (pages - 3)))
    proc = run_cli("history", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [t["id"] for t in json.loads(proc.stdout)] == ids
    assert "the history database was damaged" in proc.stderr and "Traceback" not in proc.stderr


def test_repair_rebuilds_rows_that_the_database_lost(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(4, wav)
    with sqlite3.connect(voicecoach_home / "voicecoach.db") as conn:
        conn.execute("DELETE FROM takes WHERE id IN (?, ?)", (ids[1], ids[2]))
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == 2 and report["takes"] == 4 and report["damaged_moved_to"] is None
    with open_store() as store:
        takes = store.list_takes()
        assert [t.id for t in takes] == ids
        assert takes[1].result["transcript"]["text"] == "take 1 says the fix"
        assert all(store.audio_file(t).exists() for t in takes)


def test_a_database_deleted_outright_comes_back_from_the_takes_folder(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(3, wav)
    for name in ("voicecoach.db", "voicecoach.db-wal", "voicecoach.db-shm"):
        (voicecoach_home / name).unlink(missing_ok=True)
    proc = run_cli("repair")
    assert proc.returncode == 0, proc.stderr
    assert "3 take(s) in the history; 3 added from sidecars" in proc.stdout
    with open_store() as store:
        assert [t.id for t in store.list_takes()] == ids


def test_a_take_killed_before_commit_is_indexed_by_repair(tmp_path, voicecoach_home):
    from test_store import _crash_before_commit

    wav = write_wav(tmp_path / "k.wav", seconds=0.5)
    kept = _save(1, wav)
    p = mp.get_context("spawn").Process(target=_crash_before_commit, args=(str(voicecoach_home), str(wav)))
    p.start()
    p.join(60)
    assert p.exitcode == 3
    with open_store() as store:
        assert [t.id for t in store.list_takes()] == kept
    proc = run_cli("repair", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["added"] == 1, proc.stderr
    with open_store() as store:
        texts = [t.result["transcript"]["text"] for t in store.list_takes()]
    assert texts[-1] == "this row must never appear"  # its sidecar was on disk: the take is not lost


def test_a_reused_id_is_renumbered_not_overwritten(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    (first,) = _save(1, wav)
    with open_store() as store:
        side = sidecar.find(store.takes_dir, store.get_take(first).audio_rel, first)
    orphan_rec = json.loads(side.read_text())
    orphan_rec["id"] = first + 1  # a killed save's sidecar claims the next id...
    orphan_rec["created_at"] = "2020-01-01T00:00:00.000+00:00"
    (side.parent / "killed.json").write_text(json.dumps(orphan_rec))
    (second,) = _save(1, wav, prefix="later")  # ...which a later save then took
    assert second == first + 1
    proc = run_cli("repair", "--json")
    report = json.loads(proc.stdout)
    assert report["added"] == 1 and report["renumbered"] == [[second, second + 1]], report
    assert json.loads((side.parent / "killed.json").read_text())["id"] == second + 1
    with open_store() as store:
        assert store.get_take(second).result["transcript"]["text"].startswith("later")


def test_repair_lists_and_deletes_orphaned_audio(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    _save(1, wav)
    takes = voicecoach_home / "takes"
    orphan = _aged(write_wav(takes / "20240101T000000-deadbeef00.wav", seconds=0.5))
    part = takes / ".20240101T000001-deadbeef01.wav.part"  # a copy killed half-way
    part.write_bytes(orphan.read_bytes()[:1000])
    _aged(part)
    fresh = write_wav(takes / "practice-20990101-000000.wav", seconds=0.2)  # maybe being recorded now
    proc = run_cli("repair")
    assert proc.returncode == 0, proc.stderr
    assert str(orphan) in proc.stdout and str(part) in proc.stdout and str(fresh) not in proc.stdout
    assert "--delete-orphans" in proc.stdout and orphan.exists()
    proc = run_cli("repair", "--delete-orphans", "--json")
    report = json.loads(proc.stdout)
    assert sorted(report["deleted"]) == sorted([orphan.name, part.name])
    assert not orphan.exists() and not part.exists() and fresh.exists()
    with open_store() as store:  # the kept take, its audio and its sidecar are untouched
        (take,) = store.list_takes()
        assert store.audio_file(take).exists()
        assert sidecar.find(store.takes_dir, take.audio_rel, take.id) is not None


def test_takes_saved_before_sidecars_get_one_when_the_store_opens(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(3, wav)
    takes = voicecoach_home / "takes"
    for path in takes.glob("*.json"):
        path.unlink()
    (takes / sidecar.BACKFILLED).unlink()
    with open_store() as store:
        assert all(sidecar.find(takes, store.get_take(i).audio_rel, i) for i in ids)
    (voicecoach_home / "voicecoach.db").write_bytes(b"not a database at all" * 100)
    with open_store() as store:
        assert [t.id for t in store.list_takes()] == ids


def _open_and_list(home: str, out: str) -> None:
    os.environ["VOICECOACH_HOME"] = home
    with open_store() as store:
        Path(out).write_text(json.dumps([t.id for t in store.list_takes()]))


def test_several_processes_meeting_one_damaged_database_heal_it_once(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "a.wav", seconds=0.5)
    ids = _save(5, wav)
    (voicecoach_home / "voicecoach.db").write_bytes(os.urandom(8192))
    ctx = mp.get_context("spawn")
    outs = [tmp_path / f"out{k}.json" for k in range(3)]
    procs = [ctx.Process(target=_open_and_list, args=(str(voicecoach_home), str(o))) for o in outs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert all(json.loads(o.read_text()) == ids for o in outs)
    assert len(list(voicecoach_home.glob("voicecoach.db.damaged-*"))) == 1


@pytest.mark.model
def test_two_score_processes_saving_into_one_new_home_both_succeed(tmp_path, voicecoach_home):
    from live_helpers import cli, clip

    wav, _text = clip("short_hello.wav", tmp_path)
    procs = [cli("score", str(wav), "--json") for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert json.loads(out)["take_id"] >= 1
    assert sorted(json.loads(o)["take_id"] for o, _ in outs) == [1, 2]
    with open_store() as store:
        assert store.integrity_ok() and len(store.list_takes()) == 2
        assert store.orphan_audio(min_age_s=0) == []
