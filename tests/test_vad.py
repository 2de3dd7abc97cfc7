import numpy as np

from conftest import FIXTURES
from voicecoach.audio.load import load_audio
from voicecoach.audio.vad import FRAME_S, STRICT, cut_points, has_speech, voiced_frames


def frames(samples):
    return voiced_frames(samples, STRICT)


def test_silence_has_no_speech_and_speech_has():
    assert not has_speech(frames(np.zeros(16000 * 2, dtype=np.float32)))
    assert has_speech(frames(load_audio(FIXTURES / "short_hello.wav").samples))


def test_audio_within_one_whisper_window_is_one_chunk():
    assert cut_points(10.0, frames(np.zeros(16000 * 10, dtype=np.float32))) == [0.0, 10.0]
    assert cut_points(30.0, frames(np.zeros(16000 * 30, dtype=np.float32))) == [0.0, 30.0]
    assert len(cut_points(31.0, frames(np.zeros(16000 * 31, dtype=np.float32)))) == 3


def test_long_speech_is_cut_in_pauses_into_whisper_sized_windows():
    samples = load_audio(FIXTURES / "demo_answer.wav").samples  # ~50 s of espeak speech
    cuts = cut_points(len(samples) / 16000, frames(samples), max_chunk_s=20.0, whole_up_to_s=20.0)
    assert cuts[0] == 0.0 and cuts[-1] == len(samples) / 16000
    assert all(0 < b - a <= 20.0 for a, b in zip(cuts, cuts[1:]))
    voiced = voiced_frames(samples, 3)
    for cut in cuts[1:-1]:
        assert not voiced[int(cut / FRAME_S)], f"cut at {cut}s lands in speech"
