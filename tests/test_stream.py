"""Streaming transcription: utterance splitting, speculative drafts, pace, and accuracy vs a whole-file pass."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from live_helpers import clip, wer
from voicecoach.audio.load import load_audio
from voicecoach.speech.stream import LiveSession, StreamOptions, running_wpm
from voicecoach.types import Word


class FakeScorer:
    """Stands in for Scorer: one word per chunk naming its time span; records every call."""

    def __init__(self, gate: threading.Event | None = None):
        self.calls: list[tuple[float, float, str]] = []
        self.gate = gate

    def transcribe_chunk(self, samples, *, offset_s=0.0, context=""):
        if self.gate is not None:
            self.gate.wait(10)
        end = offset_s + len(samples) / 16000
        self.calls.append((round(offset_s, 2), round(end, 2), context))
        return [Word(f"w{len(self.calls)}", offset_s + 0.1, end - 0.1, 0.9)]


def feed(session: LiveSession, samples: np.ndarray, block: int = 480):
    statuses = []
    for i in range(0, len(samples), block):
        statuses.append(session.feed(samples[i:i + block]))
    return statuses


def speech(tmp_path) -> np.ndarray:
    wav, _ = clip("short_hello.wav", tmp_path)
    return load_audio(wav).samples


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(16000 * seconds), np.float32)


def test_pauses_split_utterances_with_times_and_context(tmp_path):
    s = speech(tmp_path)
    scorer = FakeScorer()
    session = LiveSession(scorer, StreamOptions(min_chunk_s=8.0, close_pause_s=0.8))
    statuses = feed(session, np.concatenate([gap(1.0), s, gap(1.5), s, gap(0.5)]))
    result = session.finish()
    assert result.utterances == 2
    assert len(result.words) == 2
    first, second = scorer.calls
    assert first[0] < 1.0 < first[1]  # starts shortly before the speech (pre-roll), not at 0
    assert second[0] >= first[1]  # no overlap
    assert second[2] == "w1"  # the text so far is the context
    assert any(st.speaking for st in statuses) and statuses[-1].heard_speech
    assert result.duration_s == pytest.approx((48000 + 2 * len(s)) / 16000, abs=0.03)


def test_end_of_speech_after_end_silence_only_once_speech_was_heard(tmp_path):
    s = speech(tmp_path)
    session = LiveSession(FakeScorer(), StreamOptions(end_silence_s=1.5))
    before = feed(session, gap(3.0))
    assert not any(st.end_of_speech for st in before)  # silence alone never ends a take
    statuses = feed(session, np.concatenate([s, gap(2.0)]))
    ends = [st for st in statuses if st.end_of_speech]
    assert ends and ends[0].silence_s == pytest.approx(1.5, abs=0.05)
    session.finish()


def test_a_draft_taken_at_a_short_pause_is_used_when_the_pause_ends_the_utterance(tmp_path):
    s = speech(tmp_path)
    scorer = FakeScorer()
    session = LiveSession(scorer, StreamOptions(min_chunk_s=8.0, split_pause_s=0.3, close_pause_s=0.8))
    feed(session, np.concatenate([s, gap(0.4)]))  # a short pause: draft submitted, utterance still open
    for _ in range(200):  # let the idle worker finish the draft
        if scorer.calls:
            break
        threading.Event().wait(0.01)
    feed(session, gap(1.0))  # the pause grows: the utterance closes with no new speech
    result = session.finish()
    assert len(scorer.calls) == 1, scorer.calls  # transcribed once, during the pause
    assert [w.text for w in result.words] == ["w1"]


def test_speech_after_a_draft_drops_it(tmp_path):
    s = speech(tmp_path)
    gate = threading.Event()
    scorer = FakeScorer(gate)
    session = LiveSession(scorer, StreamOptions(min_chunk_s=20.0, split_pause_s=0.3, close_pause_s=0.8))
    feed(session, np.concatenate([s, gap(0.4), s, gap(1.0)]))
    gate.set()
    result = session.finish()
    # the final transcription covers both halves of the utterance
    assert result.utterances == 1
    final_start, final_end, _ = scorer.calls[-1]
    assert final_end - final_start >= 2 * len(s) / 16000
    assert [w.text for w in result.words] == [f"w{len(scorer.calls)}"]


def test_running_wpm_counts_the_last_window():
    words = [Word(str(i), i * 0.5, i * 0.5 + 0.3, 1.0) for i in range(60)]  # 2 words/s = 120 wpm
    assert running_wpm(words, 30.0, 10.0) == pytest.approx(120, abs=7)
    assert running_wpm(words[:2], 1.0, 10.0) is None  # too little speech for a rate
    assert running_wpm([], 5.0, 10.0) is None


def test_pace_updates_arrive_as_utterances_finish(tmp_path):
    s = speech(tmp_path)
    updates = []
    session = LiveSession(FakeScorer(), StreamOptions(close_pause_s=0.8), on_pace=updates.append)
    feed(session, np.concatenate([s, gap(1.0), s, gap(1.0)]))
    session.finish()
    assert [u.words_total for u in updates] == [1, 2]
    assert updates[-1].at_s > updates[0].at_s


@pytest.mark.model
def test_streamed_transcript_is_as_accurate_as_a_whole_file_pass(transcriber, tmp_path):
    from voicecoach.speech.pipeline import Scorer, ScoreOptions

    wav1, text1 = clip("hedgy_answer.wav", tmp_path)
    wav2, text2 = clip("short_hello.wav", tmp_path)
    audio = np.concatenate([load_audio(wav1).samples, gap(1.2), load_audio(wav2).samples, gap(1.0)])
    reference = f"{text1} {text2}"
    scorer = Scorer(ScoreOptions(), transcriber=transcriber)
    whole = " ".join(w.text for w in scorer.transcribe_chunk(audio))
    session = LiveSession(scorer, StreamOptions())
    feed(session, audio)
    result = session.finish()
    streamed = " ".join(w.text for w in result.words)
    assert result.utterances >= 2
    assert wer(reference, streamed) <= wer(reference, whole) + 0.05, (streamed, whole)
    assert wer(reference, streamed) <= 0.2, streamed
