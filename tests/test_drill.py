"""`voicecoach drill` end to end: espeak-ng clips at known rates through the real model.

Most runs replay the file unpaced (`--speed 0`: the same source -> stream -> result path, just
not waiting for the clock); one run goes through the real microphone path (PortAudio reading
the PulseAudio null sink's monitor while the clip plays into the sink).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import spoken_clip
from live_helpers import cli, run_cli, wait_for_take, write_config
from voicecoach.sessions.drill import calibration_passage
from voicecoach.text import plain_tokens as tokens

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
BAND_EDGES = (130, 160)  # the default band ([coaching] target_wpm_min/max)


def pace_clip(name: str, tmp_path: Path) -> tuple[Path, str]:
    """(wav, text) of a audio_fixtures/fixtures.json clip: audio_fixtures/ when built, else synthesised now."""
    spec = next(c for c in json.loads((ROOT / "audio_fixtures" / "fixtures.json").read_text())["clips"] if c["name"] == name)
    wav = FIXTURES / f"{name}.wav"
    if not wav.exists():
        wav = synthesise(spec["text"], spec["rate_wpm"], tmp_path / f"{name}.wav")
    return wav, spec["text"]


def synthesise(text: str, rate_wpm: int, target: Path) -> Path:
    return spoken_clip.espeak(text, target, rate_wpm)


def voiced_span_s(wav: Path) -> float:
    """First to last 30 ms frame above -40 dBFS: the speech span, measured without the model."""
    samples, rate = sf.read(wav, dtype="float32")
    frame = int(rate * 0.03)
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1))
    voiced = np.flatnonzero(20 * np.log10(np.maximum(rms, 1e-6)) > -40)
    return (voiced[-1] - voiced[0] + 1) * 0.03


def text_file(text: str, tmp_path: Path) -> Path:
    path = tmp_path / "passage.txt"
    path.write_text(text)
    return path


@pytest.fixture
def home(voicecoach_home):
    write_config(voicecoach_home)  # no countdown
    return voicecoach_home


def drill_json(*args: str) -> dict:
    proc = run_cli("drill", "--no-speak", "--json", *args, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)


def check_schema(data: dict) -> None:
    assert data["target"] == {"low": 130.0, "high": 160.0}
    windows = data["windows"]
    assert windows and all(set(w) >= {"start_s", "end_s", "wpm", "band"} for w in windows)
    assert all(w["band"] in ("below", "in", "above") for w in windows)
    assert all(a["end_s"] == b["start_s"] for a, b in zip(windows, windows[1:]))  # they tile the speech
    assert all(w["end_s"] - w["start_s"] <= 15.01 for w in windows)
    for w in windows:  # each window's band is what its pace says
        expect = "below" if w["wpm"] < 130 else "above" if w["wpm"] > 160 else "in"
        assert w["band"] == expect
    assert 0 <= data["time_in_band_pct"] <= 100
    assert set(data["stretches"]) == {"too_fast", "too_slow"}
    for key in ("wpm", "word_count", "pauses", "fillers", "fillers_per_100_words"):  # the usual delivery fields
        assert key in data["delivery"]
    assert "finalize_s" in data["timing"] and data["transcript"]["text"]


@pytest.mark.model
@pytest.mark.parametrize("name, band", [("pace_slow", "below"), ("pace_mid", "in"), ("pace_fast", "above")])
def test_espeak_clips_at_known_rates_land_in_the_right_band(home, tmp_path, name, band):
    wav, text = pace_clip(name, tmp_path)
    data = drill_json("--input", str(wav), "--text", str(text_file(text, tmp_path)), "--speed", "0")
    check_schema(data)
    drill = data["drill"]
    assert drill["kind"] == "read-aloud" and drill["pace_source"] == "passage"
    assert drill["passage_read_pct"] == 100.0
    # the pace counts the passage's words over the speech span, so it matches a model-free measure
    expected = len(tokens(text)) / voiced_span_s(wav) * 60
    assert drill["pace_wpm"] == pytest.approx(expected, rel=0.08)
    shares = drill["band_shares_pct"]
    assert max(shares, key=shares.get) == band, data["windows"]  # mostly in the expected band
    assert (data["time_in_band_pct"] >= 50) == (band == "in")
    stretch = data["stretches"]["too_fast" if band == "above" else "too_slow"]
    if band == "in":
        assert data["stretches"]["too_slow"] is None
    else:
        assert stretch is not None and stretch["band"] == band
        assert set(tokens(stretch["words"])) <= set(tokens(text))  # its words are the passage's
        assert stretch["duration_s"] >= 10
    # kept as a drill take, listed by history
    history = json.loads(run_cli("history", "--json", timeout=60).stdout)
    assert [(t["id"], t["kind"]) for t in history] == [(data["take_id"], "drill")]
    assert history[0]["wpm"] == data["delivery"]["wpm"]


@pytest.mark.model
def test_calibrate_suggests_a_band_around_the_measured_pace(home, tmp_path):
    passage = calibration_passage()
    wav = synthesise(passage.text, 185, tmp_path / "calibrate.wav")
    data = drill_json("--calibrate", "--input", str(wav), "--speed", "0")
    cal = data["calibration"]
    expected = passage.word_count / voiced_span_s(wav) * 60
    assert cal["natural_wpm"] == pytest.approx(expected, rel=0.08)
    assert cal["natural_wpm"] > 160 and cal["reliable"]
    low, high = cal["suggested"]["low"], cal["suggested"]["high"]
    assert low <= cal["natural_wpm"] <= high and high - low == 30
    assert low < cal["natural_wpm"] - 5  # nudged toward the calmer target band, not centred above it
    assert data["drill"]["kind"] == "calibrate" and data["drill"]["passage"] == passage.id
    assert f"{low:.0f} to {high:.0f}" in data["spoken"]


@pytest.mark.model
def test_free_explanation_preset_counts_the_transcript_and_stops_at_the_limit(home, tmp_path):
    wav, _ = pace_clip("demo_answer", tmp_path)  # a 50 s answer
    data = drill_json("--preset", "elevator", "--scenario", "py-pagination-off-by-one", "--target", "100-130",
                      "--seconds", "20", "--input", str(wav), "--speed", "0")
    assert data["target"] == {"low": 100.0, "high": 130.0}
    assert data["drill"]["kind"] == "free" and data["drill"]["preset"] == "elevator"
    assert data["drill"]["seconds"] == 20 and data["practice"]["stop_reason"] == "max_seconds"
    assert data["drill"]["pace_source"] == "transcript" and data["drill"]["passage_read_pct"] is None
    assert sum(w.get("words", 0) for w in data["windows"]) == data["delivery"]["word_count"]
    assert len(data["windows"]) == 2 and data["windows"][-1]["end_s"] <= 20.5
    for w in data["windows"]:
        assert w["band"] == ("below" if w["wpm"] < 100 else "above" if w["wpm"] > 130 else "in")
    history = json.loads(run_cli("history", "--json", timeout=60).stdout)
    assert history[-1]["kind"] == "drill" and history[-1]["scenario_id"] == "py-pagination-off-by-one"


@pytest.mark.audio
@pytest.mark.model
def test_drill_from_the_microphone_then_the_summary_is_heard(home, pulse_sink, transcriber, tmp_path):
    """The live path end to end: the clip plays into the null sink, the drill records its monitor
    through PortAudio; after the JSON, the spoken summary comes out of the same sink."""
    from live_helpers import wer

    wav, text = pace_clip("pace_fast", tmp_path)
    proc = cli("drill", "--input", pulse_sink.device, "--text", str(text_file(text, tmp_path)), "--json",
               "--seconds", "60")
    try:
        wait_for_take(home, min_seconds=1.0)  # audio is flowing: nothing of the clip is lost
        pulse_sink.play(wav)
        data = json.loads(proc.stdout.readline())  # the result comes first (capture has stopped)...
        # ...then the summary, spoken: record the sink from here until the command ends
        recorded = pulse_sink.record(0.3, during=lambda: proc.wait(timeout=120))
    finally:
        proc.kill()
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    check_schema(data)
    assert data["practice"]["stop_reason"] == "end_silence"
    assert data["drill"]["passage_read_pct"] >= 90, data["transcript"]["text"]
    assert data["drill"]["band_shares_pct"]["above"] >= 50 and data["drill"]["pace_wpm"] > 160
    assert data["stretches"]["too_fast"] is not None
    spoken = data["spoken"]
    assert "Slow down" in spoken and "words per minute" in spoken
    heard = " ".join(w.text for w in transcriber.transcribe(recorded))
    assert wer(spoken, heard) <= 0.5, (spoken, heard, err[-300:])  # espeak through tiny.en: a loose bound
    history = json.loads(run_cli("history", "--json", timeout=60).stdout)
    assert history and history[-1]["kind"] == "drill"


def test_bad_target_and_conflicting_kinds_are_one_line(home):
    proc = run_cli("drill", "--target", "fast", "--no-speak", timeout=60)
    assert proc.returncode == 2 and "LOW-HIGH" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("drill", "--calibrate", "--text", "connection-leak", "--no-speak", timeout=60)
    assert proc.returncode == 2 and "choose one of" in proc.stderr


def test_human_output_lists_windows_stretches_and_calibration_verbatim():
    from rich.console import Console

    from voicecoach.cli.drill_cmd import render_drill

    fast = {"band": "above", "start_s": 10.0, "end_s": 30.0, "duration_s": 20.0, "wpm": 182.0,
            "words": "the [bold] server opens"}
    data = {"target": {"low": 130.0, "high": 160.0}, "time_in_band_pct": 33.3, "path": "x.wav", "take_id": 7,
            "windows": [{"start_s": 0.0, "end_s": 10.0, "wpm": 145.0, "band": "in"},
                        {"start_s": 10.0, "end_s": 20.0, "wpm": 185.0, "band": "above"},
                        {"start_s": 20.0, "end_s": 30.0, "wpm": 179.0, "band": "above"}],
            "stretches": {"too_fast": fast, "too_slow": None},
            "delivery": {"pauses": [{"long": True}, {"long": False}], "fillers": [{"text": "um"}]},
            "drill": {"pace_wpm": 170.0, "pace_source": "passage", "band_shares_pct": {"below": 0, "in": 33.3,
                      "above": 66.7}, "passage_read_pct": 100.0, "window_s": 10.0},
            "calibration": {"natural_wpm": 170.0, "suggested": {"low": 140.0, "high": 170.0}, "reliable": False}}
    out = Console(record=True, width=200)
    render_drill(out, data)
    text = out.export_text()
    assert "33% of speaking time" in text and "0:10-0:20    185 wpm  FAST" in text
    assert "0:10-0:30 at 182 wpm: \"the [bold] server opens\"" in text  # transcript words are not markup
    assert "Pauses 2 (long 1)  fillers 1: um" in text
    assert "--target 140-170" in text and "[coaching]" in text and "Less than half" in text
    assert "Take saved: 7" in text



def test_drill_gauge_moves_within_seconds_not_after_a_long_utterance(home):
    """Drills close utterances sooner than practice, so the first pace arrives early."""
    from voicecoach.audio.load import load_audio
    from voicecoach.config import load_config
    from voicecoach.sessions.drill import DrillOptions
    from voicecoach.sessions.practice import PracticeOptions
    from voicecoach.speech.stream import LiveSession
    from voicecoach.types import Word

    class OneWordPerChunk:
        def transcribe_chunk(self, samples, *, offset_s=0.0, context=""):
            end = offset_s + len(samples) / 16000
            return [Word(f"w{i}", offset_s + i * 0.3, offset_s + i * 0.3 + 0.25, 0.9)
                    for i in range(int((end - offset_s) / 0.4))]

    # a sentence every ~4 s with 0.4 s pauses between, as people pause at clause ends
    # (espeak's own comma pauses are ~0.1 s, shorter than anyone's)
    sentence = load_audio(FIXTURES / "short_hello.wav").samples
    samples = np.concatenate([sentence, np.zeros(6400, np.float32)] * 4)

    def first_pace_at(stream_options) -> float:
        updates = []
        session = LiveSession(OneWordPerChunk(), stream_options, on_pace=updates.append)
        for i in range(0, len(samples), 480):
            session.feed(samples[i:i + 480])
        session.finish()
        return min(u.at_s for u in updates if u.wpm is not None)

    cfg = load_config()
    drill_first = first_pace_at(DrillOptions.from_config(cfg).practice.stream)
    practice_first = first_pace_at(PracticeOptions.from_config(cfg).stream)
    assert drill_first < 6.0 < practice_first


@pytest.mark.model
def test_reading_something_else_says_so_and_paces_what_was_said(home, tmp_path):
    # an answer about the pagination bug against the default read-aloud passage (a leaked connection)
    wav, _ = pace_clip("demo_answer", tmp_path)
    data = drill_json("--input", str(wav), "--speed", "0")
    dr = data["drill"]
    assert dr["kind"] == "read-aloud" and dr["off_passage"] is True, data["transcript"]["text"]
    assert dr["passage_read_pct"] < 30 and dr["pace_source"] == "transcript"
    assert sum(w["words"] for w in data["windows"]) == data["delivery"]["word_count"]
    assert all(w["wpm"] < 250 for w in data["windows"])  # no window made of words never said
    assert data["spoken"].startswith("That was not the passage")
