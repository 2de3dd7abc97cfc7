"""One-pass window decoding (window.py) against faster-whisper's own transcribe, on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import shared_audio
from voicecoach.speech.window import unfinished_tail

TS, EOT = 100, 50  # stand-ins: ids >= TS are timestamps, EOT ends the text


def test_text_after_the_last_timestamp_pair_is_the_unfinished_tail():
    tokens = [TS, 1, 2, TS + 5, TS + 5, 3, 4]  # "<0> a b <5><5> c d" and no closing timestamp
    assert unfinished_tail(tokens, TS, EOT, single_ending=False) == [TS + 5, 3, 4]


@pytest.mark.parametrize("tokens, single", [
    ([TS, 1, 2, TS + 5, TS + 5, 3, TS + 9], True),  # closed by one timestamp: nothing unfinished
    ([TS, 1, 2, TS + 5, TS + 5], False),  # ends on a pair: the next segment never started
    ([TS, 1, 2], False),  # no pair at all: the whole output is one segment already
    ([], False),
])
def test_no_tail_when_every_text_token_is_in_a_segment(tokens, single):
    assert unfinished_tail(tokens, TS, EOT, single_ending=single) == []


def read_speech(name: str) -> np.ndarray:
    from voicecoach.audio.load import load_audio

    return load_audio(shared_audio(name)).samples


@pytest.mark.model
@pytest.mark.parametrize("name", ["jfk_faster-whisper/jfk.flac", "librispeech_sure-tagger/librispeech_1089-134686-0002.wav"])
def test_one_pass_gives_faster_whispers_words_and_times(transcriber, name):
    samples = read_speech(name)
    assert transcriber.window is not None, "faster-whisper lacks the steps window.py uses"
    ours = transcriber.transcribe(samples)
    theirs = [w for s in transcriber._transcribe_long(samples, None, transcriber.options.beam_size) for w in s.words]
    assert len(ours) > 10
    assert [w.text for w in ours] == [text.strip() for text, *_ in theirs]
    assert all(abs(w.start_s - start) < 0.02 and abs(w.end_s - end) < 0.02 for w, (_, start, end, _) in zip(ours, theirs))


@pytest.mark.model
def test_a_window_is_encoded_once(transcriber, monkeypatch):
    from voicecoach.speech.pipeline import VERBATIM_PROMPT

    samples = read_speech("jfk_faster-whisper/jfk.flac")
    model = transcriber.model
    calls = []
    real_encode = model.encode
    monkeypatch.setattr(model, "encode", lambda features: calls.append(1) or real_encode(features))
    words = transcriber.transcribe(samples, prompt=VERBATIM_PROMPT)
    assert len(calls) == 1
    assert words[-1].end_s > 9.5  # and it still reaches the end of the 11 s clip


@pytest.mark.model
def test_audio_longer_than_a_window_is_transcribed_to_its_end(transcriber):
    samples = read_speech("jfk_faster-whisper/jfk.flac")  # 11 s, three times: 33 s
    words = transcriber.transcribe(np.concatenate([samples] * 3))
    assert words[-1].end_s > 30
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    assert sum(w.text.strip(",.").lower() == "country" for w in words) >= 5  # twice per pass


def test_a_decode_needs_the_fallback_as_faster_whisper_judges_it():
    from types import SimpleNamespace

    from voicecoach.speech.window import needs_fallback

    opts = SimpleNamespace(log_prob_threshold=-1.0, no_speech_threshold=0.6, compression_ratio_threshold=2.4)
    assert not needs_fallback(-0.4, 1.6, 0.01, opts)
    assert needs_fallback(-0.4, 3.4, 0.01, opts)  # "400, 400, 400, ...": a loop
    assert needs_fallback(-1.3, 1.6, 0.01, opts)  # unsure of every word
    assert not needs_fallback(-1.3, 1.6, 0.9, opts)  # silence, not a failed decode


@pytest.mark.model
def test_the_guarded_decode_of_a_prompt_with_terms_keeps_a_clean_decode_as_it_is(transcriber):
    samples = read_speech("jfk_faster-whisper/jfk.flac")
    prompt = "Code review, Go: NewRequestWithContext, context.WithTimeout, http.Client. Um, so, uh, the bug."
    plain = transcriber.transcribe(samples, prompt=prompt)
    guarded = transcriber.transcribe(samples, prompt=prompt, repetition_retry=True)
    assert [w.text for w in guarded] == [w.text for w in plain] and plain


@pytest.mark.model
def test_a_failed_decode_with_terms_is_retried_greedily_with_the_repetition_penalty(transcriber, monkeypatch):
    from voicecoach.speech import window

    samples = read_speech("jfk_faster-whisper/jfk.flac")
    prompt = "Code review, Go: NewRequestWithContext, context.WithTimeout, http.Client. Um, so, uh, the bug."
    model, attempts, verdicts = transcriber.model, [], iter([True, False])
    real = model.generate_with_fallback
    monkeypatch.setattr(model, "generate_with_fallback",
                        lambda enc, tokens, tok, opts: attempts.append(opts) or real(enc, tokens, tok, opts))
    monkeypatch.setattr(window, "needs_fallback", lambda *args: next(verdicts))  # as if the first one looped
    words = transcriber.transcribe(samples, prompt=prompt, repetition_retry=True)
    assert len(attempts) == 2  # the beam, then one greedy retry; never the sampled fallback
    first, retry = attempts
    assert (first.beam_size, first.repetition_penalty, first.temperatures) == (transcriber.options.beam_size, 1, [0.0])
    assert (retry.beam_size, retry.repetition_penalty, retry.temperatures) == (1, window.REPETITION_PENALTY, [0.0])
    assert retry.max_new_tokens == first.max_new_tokens
    assert "country" in " ".join(w.text.lower() for w in words)
