"""Filler recovery: unit rules on word lists, then the real model on real AMI speech."""

import sys
import tomllib
from pathlib import Path

import pytest

from conftest import SHARED_AUDIO
from voicecoach.speech.accuracy import FillerCounts, filler_counts
from voicecoach.speech.fillers import RecoveryOptions, collapse_crammed_fillers, join_split_words, recover_fillers
from voicecoach.config import defaults_text
from voicecoach.speech.lexicon import Lexicon
from voicecoach.types import Word

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

DEFAULTS = tomllib.loads(defaults_text())  # the packaged lists, whatever a user folder holds
LEXICON = Lexicon.from_config(DEFAULTS["fillers"], DEFAULTS["hedges"])


def w(text, start, end, p=0.5):
    return Word(text, start, end, p)


def test_split_backchannel_is_joined_into_one_word():
    out = join_split_words([w("Mm", 1.0, 1.3), w("-hmm.", 1.3, 1.6), w("yes", 2.0, 2.2)])
    assert [(x.text, x.start_s, x.end_s) for x in out] == [("Mm-hmm.", 1.0, 1.6), ("yes", 2.0, 2.2)]


def test_crammed_repeats_collapse_but_spaced_fillers_stay():
    crammed = [w("Um,", 8.0, 8.1), w("um,", 8.14, 8.16), w("um,", 8.16, 8.2), w("some", 8.3, 8.5)]
    assert [x.text for x in collapse_crammed_fillers(crammed, LEXICON, 0.1)] == ["Um,", "some"]
    spaced = [w("um", 1.0, 1.3), w("um", 2.0, 2.3)]
    assert len(collapse_crammed_fillers(spaced, LEXICON, 0.1)) == 2
    words = [w("the", 1.0, 1.2), w("the", 1.2, 1.4)]  # repeated real words are not touched
    assert len(collapse_crammed_fillers(words, LEXICON, 0.1)) == 2


def test_recover_without_gaps_needs_no_model():
    words = [w("Mm", 0.0, 0.2), w("-hmm", 0.2, 0.4)]
    assert [x.text for x in recover_fillers(None, words, None, LEXICON)] == ["Mm-hmm"]


def ami_subset():
    if not SHARED_AUDIO.exists():
        pytest.skip("real audio not available: ../shared/audio_real is absent")
    from corpus import ami_clips

    # the single-speaker explaining channels: where a coach must hear the fillers
    return [c for c in ami_clips() if c.channel == 1 and "-bc-" in c.name] + \
           [c for c in ami_clips() if c.name in ("en2001a-00001", "en2001a-00006")]


@pytest.mark.model
def test_pipeline_finds_most_ami_fillers_that_plain_whisper_misses(transcriber):
    from voicecoach.speech.pipeline import Scorer, ScoreOptions

    clips = ami_subset()
    ours = plain = FillerCounts(0, 0, 0)
    scorer = Scorer(ScoreOptions(), transcriber=transcriber)
    for clip in clips:
        samples = clip.samples()
        ours += filler_counts(clip.reference, " ".join(x.text for x in scorer.transcribe_chunk(samples)))
        plain += filler_counts(clip.reference, " ".join(x.text for x in transcriber.transcribe(samples)))
    assert ours.reference >= 10
    assert ours.recall >= plain.recall + 0.4, (ours, plain)
    assert ours.recall >= 0.7 and ours.precision >= 0.85, ours


@pytest.mark.model
def test_gap_decoding_adds_only_timed_recovered_fillers(transcriber):
    from voicecoach.speech.pipeline import VERBATIM_PROMPT

    clip = next(c for c in ami_subset() if c.name == "en2001a-00001")
    samples = clip.samples()
    words = transcriber.transcribe(samples, prompt=VERBATIM_PROMPT)
    out = recover_fillers(samples, words, transcriber, LEXICON, options=RecoveryOptions(recover_gaps=True))
    added = [x for x in out if x.source == "recovered"]
    assert all(x.filler and 0 <= x.start_s <= x.end_s <= len(samples) / 16000 for x in added)
    assert [x.start_s for x in out] == sorted(x.start_s for x in out)
    assert len(out) >= len(words) - 2  # clean-up may merge a split word, never drops speech


@pytest.mark.model
def test_speech_whisper_skipped_under_the_prompt_is_decoded_again(transcriber):
    from voicecoach.speech.pipeline import VERBATIM_PROMPT
    from voicecoach.speech.accuracy import wer
    from voicecoach.speech.fillers import recover_missed_speech
    from conftest import shared_audio
    from voicecoach.audio.load import load_audio

    # under the verbatim prompt tiny.en ends its last segment of this clip after "the" without a
    # closing timestamp; the one-pass window keeps that text, the check here is the safety net
    # for when a decode stops short: the last five words are taken away and must come back
    path = shared_audio("librispeech_sure-tagger/librispeech_1089-134686-0002.wav")
    samples = load_audio(path).samples
    reference = path.with_suffix(".txt").read_text()
    prompted = transcriber.transcribe(samples, prompt=VERBATIM_PROMPT)
    assert wer(reference, " ".join(w.text for w in prompted)) < 0.1
    cut_short = prompted[:-5]
    assert cut_short[-1].end_s < len(samples) / 16000 - 1.0  # over a second of speech left uncovered
    repaired = recover_missed_speech(samples, cut_short, transcriber)
    assert wer(reference, " ".join(w.text for w in repaired)) < wer(reference, " ".join(w.text for w in cut_short)) - 0.15
    assert [w.start_s for w in repaired] == sorted(w.start_s for w in repaired)


class PromptRecorder:
    """A fake transcriber that records the prompt of every call and returns one word per call."""

    def __init__(self):
        self.prompts = []

    def transcribe(self, samples, *, offset_s=0.0, prompt=None, beam_size=None, greedy_only=False):
        self.prompts.append(prompt)
        return [Word(f"w{len(self.prompts)}", offset_s + 0.1, offset_s + 0.4, 0.9)]


def test_every_window_of_a_long_recording_gets_the_verbatim_prompt():
    """faster-whisper drops the initial prompt after its first 30 s window; score cuts long audio
    itself so that each window is decoded with the prompt, the text so far in front of it."""
    import numpy as np
    from voicecoach.audio.load import load_audio
    from voicecoach.speech.pipeline import VERBATIM_PROMPT, Scorer, ScoreOptions
    from conftest import FIXTURES

    speech = load_audio(FIXTURES / "demo_answer.wav").samples  # ~50 s
    fake = PromptRecorder()
    scorer = Scorer(ScoreOptions(recover_fillers=False), transcriber=fake)
    words = scorer.transcribe_long(np.concatenate([speech, speech]))
    assert len(fake.prompts) >= 4  # ~100 s in windows of at most 28 s
    assert all(p.endswith(VERBATIM_PROMPT) for p in fake.prompts)
    assert fake.prompts[1].startswith("w1")  # the text so far leads the prompt
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    assert words[-1].start_s > 75


@pytest.mark.model
def test_long_real_meeting_speech_is_transcribed_to_the_end(transcriber):
    from voicecoach.speech.accuracy import wer
    from voicecoach.speech.pipeline import Scorer, ScoreOptions

    ami_subset()  # skips when the real audio is absent
    from corpus import ami_clips

    long_clip = next(c for c in ami_clips() if c.name == "en2001a-00002")  # 72.6 s
    samples = long_clip.samples()
    words = Scorer(ScoreOptions(), transcriber=transcriber).transcribe_long(samples)
    assert words[-1].end_s > 65
    assert wer(long_clip.reference, " ".join(w.text for w in words)) < 0.6  # overlapped multi-speaker talk
