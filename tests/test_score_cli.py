"""`voicecoach score` end to end: the real model on real and synthesised audio, bad inputs, exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import FIXTURES, shared_audio
from voicecoach.speech.accuracy import wer


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def manifest():
    return {c["file"]: c for c in json.loads((FIXTURES / "manifest.json").read_text())}


def test_version_and_help():
    out = run("--version")
    assert out.returncode == 0 and "voicecoach" in out.stdout
    assert "Score one or more recordings" in run("score", "--help").stdout


def test_models_names_the_bundled_offline_model():
    info = json.loads(run("models", "--json").stdout)
    assert info["offline"] is True and "tiny.en" in info["name"]
    assert info["device"] == "cpu" and info["compute_type"] == "int8"  # no GPU here


@pytest.mark.model
def test_score_several_files_one_bad_does_not_stop_the_others(tmp_path):
    jfk = shared_audio("jfk_faster-whisper/jfk.flac")
    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(16000 * 3, dtype="float32"), 16000)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    clip = FIXTURES / "short_hello.wav"
    out = run("score", "--json", str(jfk), str(broken), str(silence), str(clip), str(tmp_path / "missing.wav"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("voicecoach:")]
    assert len(errors) == 2 and "broken.wav" in errors[0] and "missing.wav" in errors[1]
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["path"] for r in results] == [str(jfk), str(silence), str(clip)]
    first, quiet, synth = results
    assert wer(jfk.with_suffix(".txt").read_text(), first["transcript"]["text"]) < 0.1
    assert quiet["no_speech"] is True and quiet["delivery"]["word_count"] == 0
    assert wer(manifest()["short_hello.wav"]["text"], synth["transcript"]["text"]) < 0.2
    for r in (first, synth):
        assert set(r) >= {"path", "duration_s", "model", "transcript", "delivery", "timing"}
        assert set(r["delivery"]) >= {"word_count", "speech_span_s", "wpm", "articulation_wpm", "pauses",
                                      "fillers", "fillers_per_100_words", "hedges"}
        starts = [w["start_s"] for w in r["transcript"]["words"]]
        assert starts == sorted(starts)
        assert all(w["end_s"] >= w["start_s"] for w in r["transcript"]["words"])
        assert r["model"]["device"] == "cpu" and r["timing"]["transcribe_s"] > 0
    # a saved take for each scored file, none for the failures
    history = json.loads(run("history", "--json").stdout)
    assert len(history) == 3


@pytest.mark.model
def test_score_real_ami_speech_reports_pace_pauses_fillers_and_readable_output():
    clip = shared_audio("ami_en2001a_sure-tagger/ami_EN2001a_utterance_00001.wav")
    out = run("score", "--no-save", str(clip))
    assert out.returncode == 0, out.stderr
    assert "WPM" in out.stdout and "fillers" in out.stdout
    data = json.loads(run("score", "--json", "--no-save", str(clip)).stdout)
    d = data["delivery"]
    assert 60 < d["wpm"] < 250
    assert d["articulation_wpm"] > d["wpm"]  # this clip has real pauses
    assert any(p["long"] for p in d["pauses"])
    assert sum(f["text"] in ("um", "uh") for f in d["fillers"]) >= 3  # the reference has um x2, uh
    assert json.loads(run("history", "--json").stdout) == []  # --no-save kept nothing


@pytest.mark.model
def test_noise_without_speech_is_a_result_not_a_crash(tmp_path):
    noise = tmp_path / "noise.wav"
    rng = np.random.default_rng(0)
    sf.write(noise, (rng.standard_normal(16000 * 5) * 0.05).astype("float32"), 16000)
    out = run("score", "--json", "--no-save", str(noise))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["no_speech"] is True and data["delivery"]["word_count"] == 0
    assert data["message"] == "no speech found in this recording"
