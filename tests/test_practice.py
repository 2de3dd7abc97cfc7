"""`voicecoach practice` end to end, as a subprocess: the real model, the real audio path."""

from __future__ import annotations

import json
import os
import signal
import time

import numpy as np
import pytest
import soundfile as sf

from live_helpers import NO_AUDIO_ENV, clip, cli, run_cli, silence, wait_for_take, wer, write_config
from voicecoach.audio.wavio import inspect_wav

pytestmark = pytest.mark.model


@pytest.fixture
def home(voicecoach_home):
    write_config(voicecoach_home)  # no countdown in tests
    return voicecoach_home


def test_practice_from_a_file_prints_score_json_with_finalize_time(home, tmp_path):
    wav, text = clip("short_hello.wav", tmp_path)
    proc = run_cli("practice", "--input", str(wav), "--json", "--no-speak")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert wer(text, data["transcript"]["text"]) <= 0.2
    assert data["timing"]["finalize_s"] >= 0
    assert data["practice"]["stop_reason"] == "end_silence"  # replayed "as if live": ends on the pause
    take = data["path"]
    assert take.startswith(str(home / "takes"))
    assert sf.info(take).duration >= sf.info(wav).duration  # the whole take is on disk
    assert data["feedback"] and data["spoken"]  # coached, ready to speak


@pytest.mark.audio
def test_practice_from_the_microphone_stops_on_silence(home, pulse_sink, tmp_path):
    wav, text = clip("short_hello.wav", tmp_path)
    proc = cli("practice", "--input", pulse_sink.device, "--json", "--no-speak", "--end-silence", "1.5",
               "--max-seconds", "60")
    try:
        wait_for_take(home, min_seconds=1.0)  # audio is flowing: nothing of the clip is lost
        pulse_sink.play(wav)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["practice"]["stop_reason"] == "end_silence"
    assert wer(text, data["transcript"]["text"]) <= 0.35, data["transcript"]["text"]


@pytest.mark.audio
def test_ctrl_c_keeps_and_scores_the_take(home, pulse_sink, tmp_path):
    wav, text = clip("short_hello.wav", tmp_path)
    proc = cli("practice", "--input", pulse_sink.device, "--json", "--no-speak", "--end-silence", "30")
    try:
        wait_for_take(home, min_seconds=1.0)  # audio is flowing: nothing of the clip is lost
        pulse_sink.play(wav)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["practice"]["stop_reason"] == "interrupt"
    assert wer(text, data["transcript"]["text"]) <= 0.35
    assert os.path.exists(data["path"]) and not inspect_wav(data["path"]).needs_repair


@pytest.mark.audio
def test_a_device_that_goes_away_mid_take_keeps_and_scores_what_was_recorded(home, pulse_sink, tmp_path):
    wav, text = clip("short_hello.wav", tmp_path)
    proc = cli("practice", "--input", pulse_sink.device, "--json", "--no-speak", "--end-silence", "30")
    try:
        wait_for_take(home, min_seconds=1.0)
        pulse_sink.play(wav)
        pulse_sink.suspend()  # the "microphone" stops delivering audio, as when unplugged
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        pulse_sink.reset()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["practice"]["stop_reason"] == "source_ended"
    assert "no audio from" in data["practice"]["stop_detail"]
    assert wer(text, data["transcript"]["text"]) <= 0.35


@pytest.mark.audio
def test_second_ctrl_c_leaves_at_once_with_the_wav_intact(home, pulse_sink, tmp_path):
    wav, _ = clip("hedgy_answer.wav", tmp_path)
    proc = cli("practice", "--input", pulse_sink.device, "--json", "--no-speak", "--end-silence", "30")
    player = None
    try:
        take = wait_for_take(home, min_seconds=1.0)
        player = pulse_sink.play(wav, background=True)
        time.sleep(3.0)  # mid-sentence, so the first Ctrl-C leaves an utterance to transcribe
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)  # two separate signals, the second while the first is being handled
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        if player is not None:
            player.stop()
    assert proc.returncode == 130
    assert out == ""  # left before scoring
    assert "the take so far is kept" in err and str(take) in err
    assert not inspect_wav(take).needs_repair
    assert sf.info(take).duration >= 1.0


@pytest.mark.audio
def test_kill_9_leaves_a_playable_take_repaired_on_next_start_and_silence_is_not_scored(home, pulse_sink, tmp_path):
    proc = cli("practice", "--input", pulse_sink.device, "--json", "--no-speak", "--end-silence", "30")
    try:
        take = wait_for_take(home, min_seconds=2.0)
        time.sleep(0.5)  # mid-second: samples on disk past the last header update
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert sf.info(take).duration >= 2.0  # plays up to the last header update
    assert inspect_wav(take).needs_repair  # ...and holds more than the header says
    time.sleep(2.5)  # the repair leaves files touched in the last 2 s alone (a live take elsewhere)
    quiet = silence(tmp_path / "quiet.wav", 2.0)
    nxt = run_cli("practice", "--input", str(quiet), "--json", "--no-speak", "--end-silence", "1.0")
    assert nxt.returncode == 0, nxt.stderr
    assert f"Repaired the take {take}" in nxt.stderr
    assert not inspect_wav(take).needs_repair
    # the silent take: said so, kept, not scored
    assert "No speech heard" in nxt.stderr
    data = json.loads(nxt.stdout)
    assert data["no_speech"] is True and "feedback" not in data
    assert os.path.exists(data["path"])


def test_without_an_audio_output_the_feedback_is_printed_and_exit_is_0(home, tmp_path):
    wav, _ = clip("short_hello.wav", tmp_path)
    proc = run_cli("practice", "--input", str(wav), env=NO_AUDIO_ENV)
    assert proc.returncode == 0, proc.stderr
    assert "Fix first" in proc.stdout  # the feedback, in writing
    assert "Feedback not spoken: no audio output device" in proc.stderr


@pytest.mark.audio
def test_feedback_is_spoken_after_the_json_and_heard_on_the_output(home, pulse_sink, transcriber, tmp_path):
    wav, _ = clip("short_hello.wav", tmp_path)
    with pulse_sink.recorder() as rec:
        rec.wait_started()
        proc = cli("practice", "--input", str(wav), "--json")
        try:
            data = json.loads(proc.stdout.readline())
            json_at_s = rec.seconds  # how much of the output had been recorded when the JSON arrived
            proc.wait(timeout=120)
        finally:
            proc.kill()
        time.sleep(0.3)
    assert proc.returncode == 0, proc.stderr.read()
    recorded = rec.samples()
    # nothing was said before the result (0.5 s of slack for a test process slow to wake up)
    before = recorded[: int(max(0.0, json_at_s - 0.5) * 16000)]
    assert before.size and float(np.max(np.abs(before))) < 0.02
    heard = " ".join(w.text for w in transcriber.transcribe(recorded[int(json_at_s * 16000):]))
    # espeak through tiny.en is not a clean channel ("7" comes back as "seven"): a loose bound
    assert wer(data["spoken"], heard) <= 0.5, (data["spoken"], heard)


def test_demo_finds_its_clip_and_the_scenario_it_answers():
    from voicecoach.cli.demo_cmd import FIXTURES, demo_clip, demo_scenario

    if not (FIXTURES / "manifest.json").exists():
        pytest.skip("audio_fixtures/ not built (make fixtures)")
    assert demo_clip().name == "demo_answer.wav"
    sid = demo_scenario()
    assert sid is None or "pagination" in sid


def test_live_line_shows_level_time_and_pace():
    from voicecoach.sessions.live import live_line, meter
    from voicecoach.speech.stream import LiveStatus

    line = live_line(LiveStatus(elapsed_s=75.2, level_dbfs=-30.0, speaking=True, heard_speech=True,
                                silence_s=0.0, wpm=142.4, words=170, end_of_speech=False), 120)
    assert "1:15 / 2:00 (0:44 left)" in line and "142 wpm" in line and "speaking" in line
    assert meter(-60.0) == "-" * 12 and meter(0.0) == "#" * 12 and meter(-30.0).count("#") == 6
