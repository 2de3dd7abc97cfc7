"""The take store: migrations, saving with audio, secrets, deletion, crash and concurrency safety."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from take_factory import make_result, write_wav
from voicecoach.store import migrations
from voicecoach.errors import VoiceCoachError
from voicecoach.store.db import MissingAudio, TakeNotFound, key_figures, open_store, strip_secrets


def test_migrations_are_numbered_and_apply_once(voicecoach_home):
    numbers = [m.number for m in migrations.MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({m.name for m in migrations.MIGRATIONS}) == len(numbers)
    with open_store() as store:
        rows = store.conn.execute("SELECT number, name FROM _migrations ORDER BY number").fetchall()
        assert rows == [(m.number, m.name) for m in migrations.MIGRATIONS]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with open_store() as store:  # reopening applies nothing new
        assert migrations.migrate(store.conn) == []
        assert store.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] == len(numbers)
    assert (voicecoach_home / "voicecoach.db").exists()


def test_new_migration_is_applied_on_open(tmp_path):
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrations.migrate(conn, migrations.MIGRATIONS[:1]) == ["create_takes"]
    later = migrations.migrate(conn)
    assert later == [m.name for m in migrations.MIGRATIONS[1:]]
    cols = {r[1] for r in conn.execute("PRAGMA table_info(takes)")}
    assert {"wpm", "overall", "structure_score", "result_json"} <= cols


def test_database_from_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "v.db"
    with open_store(db) as store:
        store.conn.execute("INSERT INTO _migrations VALUES (999, 'from_the_future', 'x')")
    with pytest.raises(VoiceCoachError, match="newer version"):
        open_store(db)


def test_save_and_get_round_trip_copies_audio(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "answer.wav")
    result = make_result("so the bug is um in the loop", scenario="off-by-one", overall=61, structure_score=40,
                         coverage={"root cause": True})
    with open_store() as store:
        take_id = store.save_take(result, audio_path=wav, settings={"model": {"name": "default"}})
        take = store.get_take(take_id)
        audio = store.audio_file(take)
    assert take.result == result
    assert take.kind == "score" and take.scenario_id == "off-by-one"  # taken from result["scenario"]
    assert not Path(take.audio_rel).is_absolute() and take.audio_rel.startswith("takes/")
    assert audio.parent == voicecoach_home / "takes" and audio.read_bytes() == wav.read_bytes()
    assert wav.exists()  # copied, not moved
    assert take.wpm == result["delivery"]["wpm"] and take.overall == 61 and take.structure_score == 40
    assert take.model == result["model"] and take.settings == {"model": {"name": "default"}}
    assert take.created_at.endswith("+00:00")


def test_optional_keys_absent_give_empty_figures(tmp_path):
    result = make_result("hello there general")
    figures = key_figures(result)
    assert figures["structure_score"] is None and figures["overall"] is None
    assert figures["wpm"] == result["delivery"]["wpm"]
    with open_store() as store:
        take = store.get_take(store.save_take(result))  # result["path"] does not exist: no audio
    assert take.audio_rel is None
    with open_store() as store, pytest.raises(MissingAudio, match="saved without audio"):
        store.audio_file(take)


def test_move_audio_references_or_moves(tmp_path, voicecoach_home):
    with open_store() as store:
        inside = write_wav(store.takes_dir / "practice-1.wav")
        t1 = store.get_take(store.save_take(make_result("one two"), kind="practice", audio_path=inside,
                                            move_audio=True))
        outside = write_wav(tmp_path / "rec.wav")
        t2 = store.get_take(store.save_take(make_result("three four"), kind="practice", audio_path=outside,
                                            move_audio=True))
        assert t1.audio_rel == "takes/practice-1.wav" and inside.exists()
        assert not outside.exists() and store.audio_file(t2).exists()
        assert [t.kind for t in store.list_takes(kind="practice")] == ["practice", "practice"]
        with pytest.raises(ValueError):
            store.save_take(make_result("x"), kind="bogus")


def test_secrets_never_stored(tmp_path, voicecoach_home):
    settings = {"llm": {"api_key": "abc-SECRET-1", "OPENAI_API_KEY": "abc-SECRET-2", "apiKey": "abc-SECRET-3",
                        "access_token": "abc-SECRET-4", "client_secret": "abc-SECRET-5", "max_tokens": 300,
                        "endpoint_note": "sk-abcdefghijklmnopqrstuvwx"},
                "key_points": ["root cause"], "beam_size": 5}
    cleaned = strip_secrets(settings)
    assert cleaned == {"llm": {"max_tokens": 300}, "key_points": ["root cause"], "beam_size": 5}
    with open_store() as store:
        store.save_take(make_result("a b c"), settings=settings)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = b"".join(p.read_bytes() for p in voicecoach_home.iterdir() if p.name.startswith("voicecoach.db"))
    assert b"SECRET" not in raw and b"sk-abcdef" not in raw


def test_list_filters_and_delete_removes_audio(tmp_path):
    wav = write_wav(tmp_path / "a.wav")
    with open_store() as store:
        ids = [store.save_take(make_result(f"take {i} words"), audio_path=wav, scenario_id=s)
               for i, s in enumerate(["a", "b", "a"])]
        assert [t.id for t in store.list_takes(scenario_id="a")] == [ids[0], ids[2]]
        audio = store.audio_file(store.get_take(ids[0]))
        store.delete_take(ids[0])
        assert not audio.exists()
        assert [t.id for t in store.list_takes()] == ids[1:]
        with pytest.raises(TakeNotFound, match="no take #"):
            store.get_take(ids[0])


def test_missing_audio_is_a_clear_error(tmp_path):
    with open_store() as store:
        take = store.get_take(store.save_take(make_result("a b"), audio_path=write_wav(tmp_path / "a.wav")))
        store.audio_file(take).unlink()
        with pytest.raises(MissingAudio, match=r"take #\d+: its audio file .* is missing"):
            store.audio_file(take)


# ---- concurrency and crashes (child processes) ----------------------------------------------

def _saver(home: str, wav: str, n: int, tag: str) -> None:
    os.environ["VOICECOACH_HOME"] = home
    with open_store() as store:
        for i in range(n):
            store.save_take(make_result(f"{tag} take {i} of the answer"), audio_path=Path(wav), scenario_id=tag)


def test_concurrent_saves_keep_every_row(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "c.wav", seconds=0.5)
    ctx = mp.get_context("spawn")  # fresh interpreters: nothing shared but the files
    procs = [ctx.Process(target=_saver, args=(str(voicecoach_home), str(wav), 12, f"p{k}")) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with open_store() as store:
        takes = store.list_takes()
        assert store.integrity_ok()
        assert len(takes) == 48 and len({t.id for t in takes}) == 48
        assert {t.scenario_id for t in takes} == {"p0", "p1", "p2", "p3"}
        assert all(store.audio_file(t).exists() for t in takes)
        assert store.orphan_audio(min_age_s=0) == []


class _ExitOnCommit:
    """Connection proxy that dies after the INSERT but before COMMIT, like a crash mid-transaction."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql, *args):
        if sql.strip().upper() == "COMMIT":
            os._exit(3)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _crash_before_commit(home: str, wav: str) -> None:
    os.environ["VOICECOACH_HOME"] = home
    store = open_store()
    store.conn = _ExitOnCommit(store.conn)
    store.save_take(make_result("this row must never appear"), audio_path=Path(wav))


def _crash_after_audio(home: str, wav: str) -> None:
    from voicecoach.store.db import Store

    os.environ["VOICECOACH_HOME"] = home
    original = Store._place_audio

    def place_then_die(self, src, move):
        original(self, src, move)
        os._exit(4)

    Store._place_audio = place_then_die
    open_store().save_take(make_result("nor this one"), audio_path=Path(wav))


@pytest.mark.parametrize("target,code", [(_crash_before_commit, 3), (_crash_after_audio, 4)])
def test_crash_during_save_leaves_db_consistent(tmp_path, voicecoach_home, target, code):
    wav = write_wav(tmp_path / "k.wav", seconds=0.5)
    with open_store() as store:
        kept = store.save_take(make_result("kept before the crash"), audio_path=wav)
    p = mp.get_context("spawn").Process(target=target, args=(str(voicecoach_home), str(wav)))
    p.start()
    p.join(60)
    assert p.exitcode == code
    with open_store() as store:
        assert store.integrity_ok()
        assert [t.id for t in store.list_takes()] == [kept]
        assert store.audio_file(store.get_take(kept)).exists()
        # never a row without its audio; killed before COMMIT, the take's sidecar was already
        # written (so `repair` can index it), killed before that only the audio is left (an orphan)
        assert len(store.orphan_audio(min_age_s=0)) == (0 if code == 3 else 1)
        new_id = store.save_take(make_result("saving still works"), audio_path=wav)
        assert new_id > kept


def _save_forever(home: str, wav: str) -> None:
    _saver(home, wav, 10_000, "loop")


def test_kill_9_during_saves(tmp_path, voicecoach_home):
    wav = write_wav(tmp_path / "l.wav", seconds=0.5)
    p = mp.get_context("spawn").Process(target=_save_forever, args=(str(voicecoach_home), str(wav)))
    p.start()
    db = voicecoach_home / "voicecoach.db"
    deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
    count = 0
    while count < 20 and time.monotonic() < deadline and p.is_alive():
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=30) as conn:
                count = conn.execute("SELECT count(*) FROM takes").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # the table may not exist yet
    os.kill(p.pid, signal.SIGKILL)
    p.join(30)
    assert count >= 20
    with open_store() as store:
        assert store.integrity_ok()
        takes = store.list_takes()
        assert len(takes) >= count
        assert all(store.audio_file(t).exists() for t in takes)  # no row points at nothing
        assert all(t.result["transcript"]["text"].startswith("loop take") for t in takes)


def test_non_finite_numbers_are_stored_as_absent():
    result = make_result("a b c d")
    result["delivery"]["wpm"] = float("nan")
    result["overall"] = float("inf")
    with open_store() as store:
        take = store.get_take(store.save_take(result))
    assert take.result["delivery"]["wpm"] is None and take.overall is None and take.wpm is None
