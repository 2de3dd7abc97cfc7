"""The filled-pause detector (acoustic.py) and its fusion with Whisper's words (filled_pauses.py):
pure unit tests on synthetic signals, no model."""

import numpy as np
import pytest

from synth_voice import silence, speech_like, noise, vowel
from voicecoach.speech.acoustic import features, held_voice
from voicecoach.speech.filled_pauses import FusionOptions, add_acoustic_fillers, fuse
from voicecoach.speech.lexicon import Lexicon
from voicecoach.types import Word

LEXICON = Lexicon(frozenset({"um", "uh", "er", "hmm", "mm"}), (), ())


def held(samples, **kw):
    return held_voice(features(samples), **kw)


@pytest.mark.parametrize("f0", [90.0, 140.0, 220.0])
def test_pitch_is_measured(f0):
    f = features(vowel(0.5, f0))
    voiced = f.aperiodicity < 0.35
    assert voiced.mean() > 0.8
    assert np.median(f.f0_hz[voiced]) == pytest.approx(f0, rel=0.02)


def test_a_held_vowel_is_one_held_stretch():
    out = held(np.concatenate([silence(0.3), vowel(0.5), silence(0.3)]))
    assert len(out) == 1
    h = out[0]
    assert 0.25 <= h.start_s <= 0.4 and 0.7 <= h.end_s <= 0.85
    assert h.held_s >= 0.4 and h.f0_hz == pytest.approx(110, rel=0.02) and h.level_db > -3


def test_speech_like_sound_noise_and_silence_hold_nothing():
    assert all(h.held_s < 0.2 for h in held(speech_like(3.0)))
    assert held(noise(1.0)) == []
    assert held(silence(1.0)) == []
    assert held(np.zeros(0, np.float32)) == []
    assert held(np.zeros(100, np.float32)) == []


def test_a_pitch_glide_or_a_moving_envelope_is_not_held():
    assert all(h.held_s < 0.2 for h in held(vowel(0.35, (100.0, 220.0))))  # a question's rising "hmm?"
    moving = np.concatenate([vowel(0.12, 110, f) for f in
                             [((300, 60), (2300, 100), (3000, 120)), ((700, 90), (1200, 100), (2600, 120))] * 3])
    assert all(h.held_s < 0.2 for h in held(moving))


def test_um_vowel_and_nasal_are_one_stretch():
    nasal = ((250, 60), (1100, 200), (2300, 200))
    out = held(np.concatenate([silence(0.2), vowel(0.3), vowel(0.25, 108, nasal, 0.15), silence(0.2)]))
    assert len(out) == 1 and out[0].held_s >= 0.4


# -- fusion -------------------------------------------------------------------------------------
def w(text, start, end, source="transcript"):
    return Word(text, start, end, 0.8, False, source)


def chunk_with_filler_at_start():
    """0.3 s quiet, a 0.5 s held 'uh', 0.05 s quiet, then 1.5 s of speech-like sound."""
    return np.concatenate([silence(0.3), vowel(0.5), silence(0.05), speech_like(1.5, 3), silence(0.3)])


def assert_monotonic(words):
    assert all(a.start_s <= b.start_s for a, b in zip(words, words[1:]))
    assert all(x.start_s <= x.end_s for x in words)


def test_a_filler_in_a_gap_is_added_with_source_confidence_and_times():
    samples = chunk_with_filler_at_start()
    words = [w("the", 0.86, 1.1), w("handler", 1.1, 1.6), w("leaks", 1.6, 2.3)]
    out = add_acoustic_fillers(samples, words, LEXICON)
    assert [x.text for x in out] == ["uh", "the", "handler", "leaks"]
    f = out[0]
    assert f.source == "acoustic" and f.filler and 0.5 < f.probability <= 1.0
    assert 0.25 <= f.start_s <= 0.4 and 0.75 <= f.end_s <= 0.9
    assert_monotonic(out)


def test_a_filler_whisper_wrote_is_not_counted_twice():
    samples = chunk_with_filler_at_start()
    # Whisper wrote the "uh" but timed it loosely, before the held voice
    words = [w("Uh,", 0.0, 0.2), w("the", 0.86, 1.1), w("handler", 1.1, 1.6)]
    assert add_acoustic_fillers(samples, words, LEXICON) == words
    words = [w("Mm-hmm.", 0.0, 0.3), w("the", 0.86, 1.1)]  # nor is a backchannel Whisper wrote
    assert add_acoustic_fillers(samples, words, LEXICON) == words


def test_a_sound_alike_word_written_over_the_filler_becomes_the_filler():
    samples = np.concatenate([silence(0.3), vowel(0.5), silence(0.3), speech_like(1.5, 4), silence(0.3)])
    words = [w("And", 0.0, 0.82), w("mine's", 1.1, 1.6), w("going", 1.6, 2.3)]  # "Uh mine's" -> "And mine's"
    out = add_acoustic_fillers(samples, words, LEXICON)
    assert [x.text for x in out] == ["uh", "mine's", "going"]
    assert out[0].source == "acoustic"
    assert_monotonic(out)
    # a word that does not sound like "uh" stays, after the filler that opened it
    for word in ("Yeah", "Probably"):
        words = [w(word, 0.0, 0.82), w("mine's", 1.1, 1.6)]
        assert [x.text for x in add_acoustic_fillers(samples, words, LEXICON)] == ["uh", word, "mine's"]


def test_a_word_opening_with_the_filler_starts_after_it():
    samples = chunk_with_filler_at_start()
    words = [w("The", 0.1, 1.2), w("handler", 1.2, 1.6), w("leaks", 1.6, 2.3)]  # start moved back over "uh"
    out = add_acoustic_fillers(samples, words, LEXICON)
    assert [x.text for x in out] == ["uh", "The", "handler", "leaks"]
    assert out[1].start_s >= out[0].end_s and out[1].end_s == 1.2
    assert_monotonic(out)


def test_a_held_vowel_inside_a_word_or_after_a_consonant_is_the_word():
    # "sooo": a hiss runs straight into the held vowel
    samples = np.concatenate([silence(0.3), noise(0.15, 0.1), vowel(0.5), silence(0.3), speech_like(1.0, 5)])
    words = [w("So", 0.3, 0.95), w("the", 1.25, 1.5), w("handler", 1.5, 2.2)]
    assert add_acoustic_fillers(samples, words, LEXICON) == words
    # a held vowel in the middle of a word's sound
    samples = np.concatenate([silence(0.3), speech_like(0.3, 6), vowel(0.5), speech_like(0.3, 7), silence(0.3)])
    words = [w("wonderful", 0.3, 1.4)]
    assert add_acoustic_fillers(samples, words, LEXICON) == words


def test_threshold_and_quiet_voices():
    samples = chunk_with_filler_at_start()
    words = [w("the", 0.86, 1.1), w("handler", 1.1, 1.6)]
    assert add_acoustic_fillers(samples, words, LEXICON, FusionOptions(min_held_s=0.8)) == words
    quiet = np.concatenate([silence(0.3), vowel(0.5, level=0.03), silence(0.05), speech_like(1.5, 3)])
    assert add_acoustic_fillers(quiet, words, LEXICON) == words  # another speaker's bleed, 20 dB down
    assert add_acoustic_fillers(np.zeros(0, np.float32), words, LEXICON) == words


def test_fuse_keeps_times_monotonic_when_it_shifts_a_word():
    samples = chunk_with_filler_at_start()
    f = features(samples)
    # Whisper's next word starts before the held voice ends: it is pushed, never backwards
    words = [w("The", 0.1, 0.7), w("handler", 0.7, 1.6)]
    out = fuse(words, held_voice(f), lambda x: x.source != "transcript", f)
    assert [x.text for x in out][:2] == ["uh", "The"]
    assert_monotonic(out)

