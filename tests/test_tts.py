"""Spoken feedback: what pyttsx3 says is captured from the null sink and transcribed back."""

from __future__ import annotations

import soundfile as sf
import pytest

from live_helpers import NO_AUDIO_ENV, run_cli, wer
from voicecoach.audio.tts import TTSOptions, TTSUnavailable, speak, synthesize_to_file

SENTENCES = [
    "You spoke too fast. Slow down.",
    "Say the fix in one sentence.",
    "Add the impact at the end.",
]


@pytest.mark.audio
@pytest.mark.model
def test_several_spoken_feedbacks_in_one_process_are_all_heard(pulse_sink, transcriber):
    def say_all():
        for sentence in SENTENCES:  # one process, three utterances: the pyttsx3 second-call trap
            speak(sentence, TTSOptions(rate_wpm=160))

    recorded = pulse_sink.record(1.0, during=say_all)
    heard = " ".join(w.text for w in transcriber.transcribe(recorded))
    for key in ("fast", "fix", "end"):  # one distinctive word from each sentence
        assert key in heard.lower(), (key, heard)
    assert wer(" ".join(SENTENCES), heard) <= 0.35, heard


def test_rate_from_the_options_changes_the_speech(tmp_path):
    slow = synthesize_to_file("The handler leaks a connection on every error.", tmp_path / "slow.wav",
                              TTSOptions(rate_wpm=110))
    fast = synthesize_to_file("The handler leaks a connection on every error.", tmp_path / "fast.wav",
                              TTSOptions(rate_wpm=220))
    assert sf.info(slow).duration > 1.4 * sf.info(fast).duration


def test_no_output_device_is_a_clear_reason(monkeypatch):
    from voicecoach.audio import tts

    def none(_sd, device):
        raise TTSUnavailable("no audio output device (check `voicecoach devices`, speakers or headphones)")

    monkeypatch.setattr(tts, "_output", none)
    with pytest.raises(TTSUnavailable, match="no audio output device"):
        speak("hello")


def test_missing_espeak_is_a_clear_reason(tmp_path, monkeypatch):
    from voicecoach.audio import tts

    # a library that cannot load, as on a machine without libespeak-ng
    monkeypatch.setattr(tts, "_RENDER", "raise OSError('libespeak-ng.so.1: cannot open shared object file')")
    with pytest.raises(TTSUnavailable, match="espeak-ng is not installed"):
        synthesize_to_file("hello", tmp_path / "x.wav")


def test_say_without_an_output_device_is_one_line_and_fails():
    proc = run_cli("say", "hello", env=NO_AUDIO_ENV, timeout=60)
    assert proc.returncode == 4
    assert proc.stderr.strip().startswith("voicecoach: no audio output device")
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.audio
def test_say_speaks_into_the_default_output(pulse_sink):
    recorded = pulse_sink.record(0.5, during=lambda: run_cli("say", "testing the voice", timeout=60))
    assert recorded.size and float(abs(recorded).max()) > 0.05  # something was heard on the sink


def test_a_long_multi_sentence_feedback_is_rendered_whole(tmp_path):
    # pyttsx3 alone cut this one to its first second: each sentence is rendered on its own
    text = ("Add one sentence on impact: what the fix prevents. Seven hedges like I think. "
            "State the diagnosis as a fact. You spoke at one hundred and seventy words per minute, "
            "slow down and pause after each point.")
    options = TTSOptions(rate_wpm=165, voice="en-us")
    wav = synthesize_to_file(text, tmp_path / "long.wav", options)
    expected_s = len(text.split()) / 165 * 60
    assert sf.info(wav).duration >= 0.8 * expected_s
