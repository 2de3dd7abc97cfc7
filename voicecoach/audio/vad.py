"""Speech detection with webrtcvad: voiced frames, a no-speech gate, and cut points at pauses."""

from __future__ import annotations

import numpy as np

from .load import SAMPLE_RATE, to_pcm16
from ..errors import MissingDependency

FRAME_S = 0.03  # webrtcvad takes 10, 20 or 30 ms frames
STRICT = 3  # webrtcvad's strictest mode: for "is anyone speaking here at all"
# Whisper sees 30 s at a time and faster-whisper drops the initial prompt after the first window
# when not conditioning on previous text, so audio longer than one window is cut into windows
# a little shorter (each extra window costs a whole encoder pass, so 30 s or less stays whole).
WINDOW_S = 30.0
MAX_CHUNK_S = 29.0


def vad(aggressiveness: int):
    try:
        import webrtcvad
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise MissingDependency("webrtcvad is not installed: pip install webrtcvad-wheels") from exc
    return webrtcvad.Vad(int(aggressiveness))


def voiced_frames(samples: np.ndarray, aggressiveness: int) -> np.ndarray:
    """One bool per 30 ms frame: does webrtcvad hear voice there."""
    detector = vad(aggressiveness)
    step = int(FRAME_S * SAMPLE_RATE)
    pcm = to_pcm16(samples)
    n = len(samples) // step
    return np.array([detector.is_speech(pcm[i * step * 2:(i + 1) * step * 2], SAMPLE_RATE) for i in range(n)],
                    dtype=bool)


def has_speech(voiced: np.ndarray, min_voiced_s: float = 0.3) -> bool:
    """Whisper writes words into silence ("Thank you."); ask webrtcvad (STRICT frames) first."""
    return float(voiced.sum()) * FRAME_S >= min_voiced_s


def frame_index(seconds: float) -> int:
    return int(round(seconds / FRAME_S))


def cut_points(total_s: float, voiced: np.ndarray, max_chunk_s: float = MAX_CHUNK_S,
               whole_up_to_s: float = WINDOW_S) -> list[float]:
    """Boundaries (s) splitting audio longer than `whole_up_to_s` into chunks of at most
    `max_chunk_s`, each cut in the middle of the longest pause in the second half of its window.
    `voiced` are the recording's STRICT frames."""
    cuts = [0.0]
    if total_s <= whole_up_to_s:
        return cuts + [total_s]
    while total_s - cuts[-1] > max_chunk_s:
        lo, hi = int((cuts[-1] + max_chunk_s / 2) / FRAME_S), int((cuts[-1] + max_chunk_s) / FRAME_S)
        best_len, best_mid, run = 0, hi, 0
        for i in range(lo, min(hi, len(voiced))):
            run = run + 1 if not voiced[i] else 0
            if run > best_len:
                best_len, best_mid = run, i - run // 2
        cuts.append(round(best_mid * FRAME_S, 3))
    return cuts + [total_s]
