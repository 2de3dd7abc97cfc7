"""The filled-pause detector with the real model, in both paths: `score` (Scorer.transcribe_recording)
and live practice/drill (LiveSession -> Scorer.transcribe_chunk per closed utterance)."""

from __future__ import annotations

import dataclasses
import subprocess

import numpy as np
import pytest
import soundfile as sf

from live_helpers import clip
from synth_voice import silence, vowel
from voicecoach.audio.load import load_audio
from voicecoach.speech.accuracy import wer
from voicecoach.speech.pipeline import Scorer, ScoreOptions

SENTENCE = "The handler leaks a database connection on every error path."


def sentence(tmp_path) -> np.ndarray:
    wav, text = clip("short_hello.wav", tmp_path)
    assert text == SENTENCE
    samples = load_audio(wav).samples
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0]:loud[-1] + 1]


def scorer(transcriber, acoustic: bool = True) -> Scorer:
    options = ScoreOptions()
    return Scorer(dataclasses.replace(options, recovery=dataclasses.replace(options.recovery, acoustic=acoustic)),
                  transcriber=transcriber)


def fillers_in(words, start_s: float, end_s: float):
    return [w for w in words if w.filler and start_s - 0.3 <= w.start_s <= end_s]


def without_fillers(words) -> str:
    return " ".join(w.text for w in words if not w.filler)


@pytest.mark.model
def test_a_held_uh_whisper_does_not_write_is_heard(transcriber, tmp_path):
    # a held neutral vowel before the sentence: tiny.en writes nothing for it
    samples = np.concatenate([silence(0.3), vowel(0.55), silence(0.05), sentence(tmp_path), silence(0.5)])
    plain = scorer(transcriber, acoustic=False).transcribe_recording(samples)
    assert not [w for w in plain if w.start_s < 0.85 and w.text.lower().strip(",.") in ("uh", "um")]
    words = scorer(transcriber).transcribe_recording(samples)
    from voicecoach.speech.metrics import mark_fillers
    from voicecoach.speech.lexicon import Lexicon

    words = mark_fillers(words, Lexicon.default())
    found = fillers_in(words, 0.3, 0.85)
    assert len(found) == 1 and found[0].source == "acoustic", words
    assert 0.25 <= found[0].start_s and found[0].end_s <= 0.95 and 0.5 < found[0].probability <= 1
    assert wer(SENTENCE, without_fillers(words)) <= 0.2
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    assert all(w.start_s <= w.end_s for w in words)


@pytest.mark.model
def test_an_uh_whisper_writes_is_not_counted_twice(transcriber, tmp_path):
    # espeak-ng's own slow "uh" mid-sentence: tiny.en writes it; the detector must not add another
    uh_path = tmp_path / "uh.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "40", "-w", str(uh_path), "uh"], check=True, timeout=60)
    uh = load_audio(uh_path).samples
    loud = np.flatnonzero(np.abs(uh) > 0.01)
    uh = uh[loud[0]:loud[-1] + 1]
    s = sentence(tmp_path)
    cut = 16000  # after "The handler leaks a"
    samples = np.concatenate([silence(0.3), s[:cut], silence(0.25), uh, silence(0.25), s[cut:], silence(0.5)])
    start = 0.3 + cut / 16000 + 0.25
    from voicecoach.speech.metrics import mark_fillers
    from voicecoach.speech.lexicon import Lexicon

    words = mark_fillers(scorer(transcriber).transcribe_recording(samples), Lexicon.default())
    fillers = [w for w in words if w.filler]
    assert len(fillers) == 1, words  # Whisper's or the detector's, not both
    assert start - 0.8 <= fillers[0].start_s <= start + len(uh) / 16000 + 0.8  # Whisper times fillers loosely


@pytest.mark.model
def test_no_filler_is_heard_in_clean_synthetic_speech(transcriber, tmp_path):
    wav, text = clip("demo_answer.wav", tmp_path)  # ~50 s of espeak-ng, two windows
    words = scorer(transcriber).transcribe_recording(load_audio(wav).samples)
    assert not [w for w in words if w.source == "acoustic"]
    assert wer(text, " ".join(w.text for w in words)) < 0.15


@pytest.mark.model
def test_the_live_path_hears_it_per_utterance(transcriber, tmp_path):
    from voicecoach.speech.stream import LiveSession, StreamOptions

    take = np.concatenate([silence(1.0), vowel(0.55), silence(0.05), sentence(tmp_path), silence(2.5)])
    session = LiveSession(scorer(transcriber), StreamOptions(close_pause_s=0.8))
    for i in range(0, len(take), 480):
        session.feed(take[i:i + 480])
    result = session.finish()
    acoustic = [w for w in result.words if w.source == "acoustic"]
    assert result.utterances == 1
    assert len(acoustic) == 1 and 0.95 <= acoustic[0].start_s and acoustic[0].end_s <= 1.65, result.words
    assert [w.start_s for w in result.words] == sorted(w.start_s for w in result.words)
    # the live take's words carry the filler into the result like any other word
    from voicecoach.types import Timing

    built = scorer(transcriber).build_result("take.wav", len(take) / 16000, result.words, Timing(0, 0, 0))
    assert [f.source for f in built.delivery.fillers] == ["acoustic"]


def test_dev_clip_script_writes_known_fillers(tmp_path):
    """scripts/make_filler_clips.py (the detector's dev set) with espeak-ng: text and times agree."""
    import json
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_filler_clips.py"
    subprocess.run([sys.executable, str(script), str(tmp_path), "--engine", "espeak", "--clips", "2", "--seed", "3"],
                   check=True, timeout=120, capture_output=True)
    manifest = json.loads((tmp_path / "clips.json").read_text())
    assert len(manifest) == 2
    for m in manifest:
        audio, rate = sf.read(tmp_path / m["file"])
        assert rate == 16000
        spoken = [t for t in m["text"].split() if t in ("uh", "um", "er")]
        assert len(spoken) == len(m["fillers"]) >= 1
        assert all(0 <= a < b <= len(audio) / 16000 for a, b in m["fillers"])
