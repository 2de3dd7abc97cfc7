"""Content accuracy through the real model: synthesised answers (espeak-ng), the scenario's
vocabulary in Whisper's prompt, key points found in what was heard. benchmarks/content.py has
the figures over every scenario and voice; these are a handful, kept fast."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import spoken_clip
from voicecoach.coach.scenarios import get_scenario
from voicecoach.config import load_config

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.model


def synthesise(text: str, target: Path, rate_wpm: int = 160) -> Path:
    return spoken_clip.espeak(text, target, rate_wpm)


@pytest.fixture(scope="module")
def scorer_for(transcriber):
    """A Scorer with the scenario's vocabulary, sharing the session's loaded model."""
    from voicecoach.sessions.score import score_options
    from voicecoach.speech.pipeline import Scorer

    def make(scenario=None, **overrides):
        return Scorer(score_options(load_config(), scenario, device="cpu", **overrides), transcriber=transcriber)

    return make


def _coached(path: Path, scenario, scorer) -> dict:
    from voicecoach.sessions.score import score_file

    return score_file(path, scenario, scorer=scorer)


# one per language; the two the issue saw at 60 among them
@pytest.mark.parametrize("scenario_id", ["go-missing-timeout", "java-jdbc-connection-leak",
                                         "js-blocking-event-loop", "py-nonidempotent-retry"])
def test_a_reference_answer_read_aloud_makes_every_key_point(scenario_id, scorer_for, tmp_path):
    scenario = get_scenario(scenario_id)
    wav = synthesise(" ".join(scenario.reference_parts().values()), tmp_path / "ref.wav")
    data = _coached(wav, scenario, scorer_for(scenario))
    s = data["structure"]
    assert s["content_score"] >= 95 and not s["missing"], (data["transcript"]["text"], s["points"])
    assert s["verdict"] == "right_bug"


def _paraphrases(kind: str) -> list[dict]:
    answers = tomllib.loads((ROOT / "tests" / "labelled" / "paraphrases" / "dev2.toml").read_text())["answers"]
    return [a for a in answers if a["kind"] == kind]


@pytest.mark.parametrize("scenario_id", ["js-wrong-status-code", "java-jpa-n-plus-one", "py-unvalidated-input"])
def test_a_paraphrased_right_answer_is_never_the_wrong_bug(scenario_id, scorer_for, tmp_path):
    # "four oh four", "two hundred", "N plus one": numbers and names said aloud, no cue words
    answer = next(a for a in _paraphrases("good") if a["scenario"] == scenario_id)
    scenario = get_scenario(scenario_id)
    data = _coached(synthesise(" ".join(answer["text"].split()), tmp_path / "p.wav"), scenario, scorer_for(scenario))
    s = data["structure"]
    assert s["verdict"] == "right_bug" and s["fix_matches"] is True, (data["transcript"]["text"], s["points"])
    found = {p for p, v in s["coverage"].items() if v}
    assert len(found & set(answer["points"])) >= len(answer["points"]) - 1, (found, answer["points"])
    assert data["overall"] > 60


def test_an_answer_about_another_bug_is_told_so(scorer_for, tmp_path):
    scenario = get_scenario("js-unhandled-rejection")
    text = ("The profile leaks the lifetime value to anyone, because there's no authorization check on the "
            "user id. I'd add an auth middleware and only return the profile to its owner.")
    data = _coached(synthesise(text, tmp_path / "w.wav"), scenario, scorer_for(scenario))
    s = data["structure"]
    assert s["verdict"] == "wrong_bug" and data["overall"] <= 35, (data["transcript"]["text"], s["points"])
    assert data["feedback"][0]["code"] == "wrong_bug" and "authorization" in data["feedback"][0]["text"]


def test_the_vocabulary_prompt_writes_the_terms_and_loses_no_words(scorer_for, tmp_path):
    scenario = get_scenario("js-blocking-event-loop")
    wav = synthesise("The login calls pbkdf2Sync on every request, and then readFileSync for the policy. "
                     "That blocks the event loop, so p99 latency goes to seconds.", tmp_path / "t.wav")
    plain = scorer_for(None).score_file(wav).transcript
    hinted = scorer_for(scenario).score_file(wav).transcript
    assert "pbkdf2sync" in hinted.text.lower().replace(" ", "") and "readfilesync" in hinted.text.lower()
    # the coverage check: a prompt must never make a sentence vanish; words cover the voiced audio
    from voicecoach.audio.load import load_audio
    from voicecoach.audio.vad import STRICT, voiced_frames
    from voicecoach.speech.fillers import RecoveryOptions, uncovered_voiced

    letters = [sum(c.isalnum() for c in t.text) for t in (plain, hinted)]
    assert letters[1] >= 0.85 * letters[0], (plain.text, hinted.text)
    voiced = voiced_frames(load_audio(wav).samples, STRICT)
    assert uncovered_voiced(voiced, hinted.words, RecoveryOptions(min_gap_s=0.8, max_gap_s=30.0)) == []


def test_score_cli_biases_recognition_with_the_scenario(tmp_path, voicecoach_home):
    scenario = get_scenario("py-nonidempotent-retry")
    wav = synthesise("The retry has no idempotency key, so the customer is charged twice.", tmp_path / "c.wav")
    out = subprocess.run([sys.executable, "-m", "voicecoach", "score", "--json", "--no-save", "--scenario",
                          scenario.id, str(wav)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "idempotency key" in data["transcript"]["text"].lower(), data["transcript"]["text"]
    assert data["structure"]["coverage"]["root_cause"] and data["structure"]["coverage"]["symptom"]
