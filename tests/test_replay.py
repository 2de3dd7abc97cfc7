"""Replay: the timed transcript, following a clock, device errors, and real playback into PulseAudio."""

from __future__ import annotations

import io
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from conftest import shared_audio
from take_factory import make_result, write_wav
from voicecoach.cli import main
from voicecoach.errors import DeviceError
from voicecoach.audio.playback import follow, lines, play_take, print_timed, timeline
from voicecoach.store.db import open_store

TEXT = "so um the bug is in the loop and we fix it by checking the bound uh before reading"
REAL_CLIP = "ami_en2001a_sure-tagger/ami_EN2001a_utterance_00006.wav"


def plain_console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=200, color_system=None, highlight=False), buf


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def take(tmp_path):
    result = make_result(TEXT, long_pause_after=5, wpm_words_per_s=2.0)
    with open_store() as store:
        return store.get_take(store.save_take(result, audio_path=write_wav(tmp_path / "t.wav", seconds=12.0)))


def test_timeline_orders_words_and_long_pauses():
    result = make_result(TEXT, long_pause_after=5, wpm_words_per_s=2.0)
    events = timeline(result)
    assert [e.at_s for e in events] == sorted(e.at_s for e in events)
    assert [e.text for e in events if e.kind == "filler"] == ["um", "uh"]
    pause = next(i for i, e in enumerate(events) if e.kind == "pause")
    assert events[pause - 1].text == "in"  # the 6th word, after which the long pause was made
    later = timeline(result, from_s=4.0)
    assert later and all(e.end_s >= 4.0 for e in later) and later[0].kind != "filler"


def test_print_timed_marks_fillers_and_pauses(take):
    out, buf = plain_console()
    print_timed(take.result, out)
    text = buf.getvalue()
    assert text.startswith("00:00.3  so (um) the bug is in [pause 1.5s]")
    assert "(uh)" in text and len(text.splitlines()) == len(lines(take.result))
    out, buf = plain_console()
    print_timed(take.result, out, from_s=100)
    assert "no speech" in buf.getvalue()


def test_follow_prints_each_word_when_the_clock_reaches_it(take):
    now = [0.0]
    sleeps = []

    def sleep(s):
        sleeps.append(s)
        now[0] += s

    out, buf = plain_console()
    follow(take.result, out, from_s=2.0, clock=lambda: now[0], sleep=sleep)
    words = [w for w in take.result["transcript"]["words"] if w["end_s"] >= 2.0]
    printed = buf.getvalue()
    assert all(w["text"] in printed for w in words)
    assert now[0] == pytest.approx(words[-1]["start_s"] - 2.0)  # waited until the last word, not beyond
    out, buf = plain_console()
    follow(take.result, out, clock=lambda: now[0], sleep=sleep, is_done=lambda: True)
    assert "bug" not in buf.getvalue()  # playback stopped: the transcript stops too


def test_replay_no_audio_command(take):
    res = run("replay", str(take.id), "--no-audio")
    assert res.exit_code == 0, res.output
    assert "00:00.3" in res.output and "(um)" in res.output and "[pause 1.5s]" in res.output
    res = run("replay", str(take.id), "--no-audio", "--from", "5")
    assert res.exit_code == 0 and "(um)" not in res.output and "bound" in res.output


def test_replay_missing_audio_is_clear(take):
    with open_store() as store:
        store.audio_file(take).unlink()
    res = run("replay", str(take.id))
    assert res.exit_code == 2 and "audio file" in res.output and "is missing" in res.output
    assert run("replay", str(take.id), "--no-audio").exit_code == 0  # the transcript is still there


def _fake_sounddevice(monkeypatch, *, has_output=True):
    played = {}
    sd = types.ModuleType("sounddevice")

    def query_devices(kind=None):
        if not has_output:
            raise ValueError("No output device matching ''")
        return {"name": "fake", "max_output_channels": 2}

    sd.query_devices = query_devices
    sd.play = lambda samples, sr: played.update(samples=samples, sr=sr)
    sd.get_stream = lambda: types.SimpleNamespace(active=True)
    sd.wait = lambda: None
    sd.stop = lambda: None
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return played


def test_replay_without_output_device_says_what_to_do(take, monkeypatch):
    _fake_sounddevice(monkeypatch, has_output=False)
    res = run("replay", str(take.id))
    assert res.exit_code == 4 and "no audio output device" in res.output and "--no-audio" in res.output


def test_replay_without_sounddevice_gives_install_hint(take, monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import raises ImportError
    res = run("replay", str(take.id))
    assert res.exit_code == 3 and "pip install sounddevice" in res.output


def test_play_take_plays_from_the_offset(take, monkeypatch):
    played = _fake_sounddevice(monkeypatch)
    with open_store() as store:
        audio = store.audio_file(take)
    out, buf = plain_console()
    play_take(audio, take.result, out, from_s=3.0, clock=lambda: 0.0, sleep=lambda s: None)
    assert played["sr"] == 16000 and len(played["samples"]) == 16000 * 12 - 16000 * 3
    assert "bound" in buf.getvalue()
    with pytest.raises(Exception, match="past the end"):
        play_take(audio, take.result, out, from_s=60.0)


@pytest.fixture(scope="module")
def real_take_result(transcriber):
    from voicecoach.speech.pipeline import Scorer

    return Scorer(transcriber=transcriber).score_file(shared_audio(REAL_CLIP)).to_dict()


@pytest.mark.model
def test_replay_no_audio_of_a_real_take(real_take_result):
    with open_store() as store:
        take_id = store.save_take(real_take_result, audio_path=shared_audio(REAL_CLIP))
    res = run("replay", str(take_id), "--no-audio")
    assert res.exit_code == 0, res.output
    words = [w["text"].strip() for w in real_take_result["transcript"]["words"] if not w["filler"]]
    flat = res.output.replace("\n", " ")
    assert all(w in flat for w in words)
    fillers = [w["text"].strip() for w in real_take_result["transcript"]["words"] if w["filler"]]
    assert all(f"({f})" in flat for f in fillers)


@pytest.mark.audio
def test_replay_plays_into_the_pulse_null_sink(pulse_sink, tmp_path):
    """Real playback through sounddevice -> ALSA pulse -> the null sink, heard on its monitor."""
    result = make_result("one two three", wpm_words_per_s=4.0)
    with open_store() as store:
        take = store.get_take(store.save_take(result, audio_path=write_wav(tmp_path / "tone.wav", seconds=1.5)))
        audio = store.audio_file(take)
    out, buf = plain_console()
    try:
        recorded = pulse_sink.record(2.5, during=lambda: play_take(audio, take.result, out))
    except DeviceError as exc:  # pragma: no cover - shows why on a machine without the ALSA pulse plugin
        pytest.fail(f"replay could not reach PulseAudio: {exc}")
    assert "three" in buf.getvalue()
    assert recorded.size > 16000
    spectrum = np.abs(np.fft.rfft(recorded * np.hanning(recorded.size)))
    peak_hz = np.argmax(spectrum) * 16000 / recorded.size
    assert abs(peak_hz - 220.0) < 5 and float(np.max(np.abs(recorded))) > 0.1  # our 220 Hz tone came through
