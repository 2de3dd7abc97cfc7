"""Filled pauses heard in the audio itself: held, voiced, flat-pitched, spectrally steady sounds.

Whisper drops fillers or folds them into the next word ("Uh mine's" becomes "And mine's"). A
filled pause is a prolonged vowel or nasal: voiced, about 0.15-1 s long, with a nearly flat
pitch and a nearly constant spectral envelope (Goto, Itou and Hayamizu, Eurospeech 1999;
Audhkhasi et al. 2009). Words change both every 50-150 ms. So this module needs no labelled
data: it measures, every 10 ms, the pitch (YIN) and the spectral envelope (mel cepstrum), and
reports stretches where both stay put. The thresholds were set on synthetic dev clips
(scripts/make_filler_clips.py); see docs/fillers.md.

Pure numpy, no model and no training data; `filled_pauses.py` decides where in a transcript
such a stretch is a filler Whisper missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # 10 ms
HOP_S = HOP / SAMPLE_RATE
YIN_WIN = 400  # 25 ms integration window; a frame also holds the longest lag
ENV_WIN = 400  # 25 ms
N_CEPS = 13
YIN_THRESHOLD = 0.15
N_MEL = 24


def _mel_bank(n_fft: int = 512, low_hz: float = 100.0, high_hz: float = 4000.0) -> np.ndarray:
    """(n_fft // 2 + 1, N_MEL) triangular mel filters: where the vowel formants live."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    edges_hz = 700 * (10 ** (np.linspace(mel(low_hz), mel(high_hz), N_MEL + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    bank = np.zeros((len(bins), N_MEL))
    for m in range(N_MEL):
        lo, mid, hi = edges_hz[m:m + 3]
        bank[:, m] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
    return bank


def _dct(n: int) -> np.ndarray:
    """DCT-II basis (n, N_CEPS - 1) for c1..c12 (c0, the level, is kept apart)."""
    k = np.arange(1, N_CEPS)
    return np.cos(np.pi / n * (np.arange(n)[:, None] + 0.5) * k[None, :]) * np.sqrt(2 / n)


@dataclass(frozen=True)
class Features:
    """Per 10 ms frame: level (dB re full scale), aperiodicity (YIN's minimum, 0 = periodic),
    f0 (Hz, 0 when unvoiced) and cepstrum c1..c12 of the envelope."""

    level_db: np.ndarray
    aperiodicity: np.ndarray
    f0_hz: np.ndarray
    cepstra: np.ndarray

    def __len__(self) -> int:
        return len(self.level_db)


def _lowpass_half(x: np.ndarray) -> np.ndarray:
    """16 kHz -> 8 kHz (a 31-tap windowed-sinc low-pass first): pitch needs no more, at a quarter of the cost."""
    taps = np.arange(-15, 16)
    h = np.sinc(taps * 0.45) * np.hamming(31)
    return np.convolve(x, (h / h.sum()).astype(np.float32), mode="same")[::2]


def features(samples: np.ndarray, f0_min_hz: float = 60.0, f0_max_hz: float = 400.0) -> Features:
    """Frame features of 16 kHz mono audio; frame i covers [i * 10 ms, i * 10 ms + 25 ms).

    Only frames within 30 dB of the chunk's loud speech are analysed (the rest are pauses and
    read as unvoiced), and pitch is tracked at 8 kHz: the detector costs a few ms per second."""
    x = np.asarray(samples, dtype=np.float32)
    n = len(x) // HOP
    if n == 0:
        empty = np.zeros(0)
        return Features(empty, empty, empty, np.zeros((0, N_CEPS - 1)))
    x = np.concatenate([x, np.zeros(ENV_WIN + 2 * YIN_WIN, np.float32)])
    starts = HOP * np.arange(n)
    power = np.concatenate([[0.0], np.cumsum(x.astype(np.float64) ** 2)])
    level_db = 10 * np.log10((power[starts + ENV_WIN] - power[starts]) / ENV_WIN + 1e-10)
    active = np.flatnonzero(level_db > max(-75.0, float(np.percentile(level_db, 95)) - 30.0))
    aperiodicity, f0 = np.ones(n), np.zeros(n)
    ceps = np.zeros((n, N_CEPS - 1))
    if len(active):
        aperiodicity[active], f0[active] = _yin(_lowpass_half(x), starts[active] // 2, f0_min_hz, f0_max_hz)
        # envelope: mel-frequency cepstrum of the 25 ms Hann frame
        env = x[starts[active, None] + np.arange(ENV_WIN)[None, :]] * np.hanning(ENV_WIN).astype(np.float32)
        spectrum = np.abs(np.fft.rfft(env, n=512, axis=1)) ** 2
        ceps[active] = np.log(spectrum @ _mel_bank() + 1e-8) @ _dct(N_MEL)
    return Features(level_db, aperiodicity, f0, ceps)


def _yin(x8: np.ndarray, starts: np.ndarray, f0_min_hz: float, f0_max_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """(aperiodicity, f0 Hz) of 8 kHz frames starting at `starts` (de Cheveigne and Kawahara 2002).

    d(tau) = sum over a 25 ms window of (x[j] - x[j + tau])^2, from window energies and one FFT
    cross-correlation per frame; the cumulative mean normalised difference dips near 0 at the
    period of a voiced frame and stays near 1 for noise."""
    rate, win = SAMPLE_RATE // 2, YIN_WIN // 2
    tau_min, tau_max = int(rate / f0_max_hz), int(rate / f0_min_hz)
    frames = x8[starts[:, None] + np.arange(win + tau_max + 1)[None, :]]
    frames = frames - frames.mean(axis=1, keepdims=True)
    n, head = len(frames), frames[:, :win]
    size = 576  # >= frame + window - 1, and fast for pocketfft (2^6 * 9)
    cross = np.fft.irfft(np.conj(np.fft.rfft(head, size, axis=1)) * np.fft.rfft(frames, size, axis=1),
                         size, axis=1)[:, : tau_max + 2]
    sq = np.concatenate([np.zeros((n, 1)), np.cumsum(frames.astype(np.float64) ** 2, axis=1)], axis=1)
    taus = np.arange(tau_max + 2)
    diff = sq[:, win:win + 1] + (sq[:, taus + win] - sq[:, taus]) - 2 * cross
    diff[:, 0] = 0
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus[1:] / np.maximum(np.cumsum(diff[:, 1:], axis=1), 1e-12)
    band = cmnd[:, tau_min:tau_max + 1]
    # YIN's absolute threshold: the first dip below it, not the deepest (a multiple of the period
    # dips as deep), then down to that dip's own minimum; frames with no such dip take the deepest
    rows = np.arange(n)
    below = band < YIN_THRESHOLD
    best = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(band, axis=1))
    last = band.shape[1] - 1
    for _ in range(last):
        step = (best < last) & (band[rows, np.minimum(best + 1, last)] < band[rows, best])
        if not step.any():
            break
        best = best + step
    aperiodicity = np.clip(band[rows, best], 0.0, 1.0)
    tau = best + tau_min
    # parabolic interpolation around the minimum for a finer period
    left, right = cmnd[rows, np.maximum(tau - 1, 1)], cmnd[rows, np.minimum(tau + 1, tau_max + 1)]
    denom = left - 2 * band[rows, best] + right
    shift = np.where(np.abs(denom) > 1e-9, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
    return aperiodicity, rate / (tau + np.clip(shift, -0.5, 0.5))


@dataclass(frozen=True)
class DetectorOptions:
    """Thresholds of the held-voice detector (see docs/fillers.md for how they were chosen)."""

    max_aperiodicity: float = 0.35  # YIN minimum below this: voiced
    min_level_db: float = -25.0  # below the chunk's loud speech (95th percentile): bleed, far talk
    max_envelope_change: float = 1.2  # |delta mel-cepstrum| per 10 ms frame (regression over +-2 frames)
    smooth_frames: int = 3  # moving average of the cepstra first (far microphones make them noisy)
    max_pitch_change_st: float = 0.3  # |delta pitch| in semitones per 10 ms frame (30 st/s)
    bridge_s: float = 0.03  # holes this short inside a held stretch are closed
    join_s: float = 0.12  # held stretches this close with the same pitch are one (the vowel and the m of "um")
    join_pitch_st: float = 2.0
    join_min_s: float = 0.12
    min_held_s: float = 0.15  # shorter stretches are not reported (fusion asks for more, FusionOptions)
    max_held_s: float = 2.0


@dataclass(frozen=True)
class HeldVoice:
    """A stretch of held voice: start/end in seconds of the analysed audio, `held_s` of it steady."""

    start_s: float
    end_s: float
    held_s: float
    f0_hz: float
    level_db: float  # relative to the chunk's loud speech


def _delta(x: np.ndarray, k: int = 2) -> np.ndarray:
    """Regression slope over +-k frames (the usual delta features), per frame."""
    pad = np.pad(x, ((k, k),) + ((0, 0),) * (x.ndim - 1), mode="edge")
    num = sum(j * (pad[k + j:len(pad) - k + j] - pad[k - j:len(pad) - k - j]) for j in range(1, k + 1))
    return num / (2 * sum(j * j for j in range(1, k + 1)))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def held_voice(feats: Features, opts: DetectorOptions = DetectorOptions()) -> list[HeldVoice]:
    """Stretches where the voice holds one pitch and one spectral envelope."""
    if len(feats) == 0:
        return []
    ref_db = float(np.percentile(feats.level_db, 95))
    semitones = 12 * np.log2(np.maximum(feats.f0_hz, 1.0) / 100.0)
    ceps = feats.cepstra
    k = int(opts.smooth_frames)
    if k > 1:
        ceps = np.apply_along_axis(lambda c: np.convolve(np.pad(c, (k // 2, k - 1 - k // 2), mode="edge"),
                                                         np.ones(k) / k, mode="valid"), 0, ceps)
    steady = ((feats.aperiodicity < opts.max_aperiodicity) & (feats.level_db > ref_db + opts.min_level_db)
              & (np.linalg.norm(_delta(ceps), axis=1) < opts.max_envelope_change)
              & (np.abs(_delta(semitones)) < opts.max_pitch_change_st))
    bridge = int(round(opts.bridge_s / HOP_S))
    for a, b in _runs(~steady):
        if 0 < a and b < len(steady) and b - a <= bridge:
            steady[a:b] = True
    # "um" is a held vowel, then a held nasal at the same pitch: two runs make one stretch when
    # the first is long enough to be a held vowel itself (a monotone speaker's syllables are not)
    spans: list[list[int]] = []  # [start, end, steady frames, runs]
    for a, b in _runs(steady):
        last = spans[-1] if spans else None
        if (last is not None and last[3] == 1 and (last[1] - last[0]) * HOP_S >= opts.join_min_s
                and (a - last[1]) * HOP_S <= opts.join_s
                and abs(np.median(semitones[a:b]) - np.median(semitones[last[0]:last[1]])) <= opts.join_pitch_st):
            last[1], last[2], last[3] = b, last[2] + b - a, 2
        else:
            spans.append([a, b, b - a, 1])
    out = []
    for a, b, held, _ in spans:
        held_s = held * HOP_S
        if opts.min_held_s <= held_s <= opts.max_held_s:
            keep = steady[a:b]
            out.append(HeldVoice(round(float(a * HOP_S), 3), round(float(b * HOP_S + ENV_WIN / SAMPLE_RATE), 3),
                                 round(float(held_s), 3),
                                 round(float(np.median(feats.f0_hz[a:b][keep])), 1),
                                 round(float(np.mean(feats.level_db[a:b][keep])) - ref_db, 1)))
    return out


def speech_mask(feats: Features, opts: DetectorOptions = DetectorOptions()) -> np.ndarray:
    """Frames loud enough to be the speaker's speech, voiced or not (consonants count too)."""
    if len(feats) == 0:
        return np.zeros(0, bool)
    return feats.level_db > float(np.percentile(feats.level_db, 95)) + opts.min_level_db
