"""Synthetic voice for detector tests: a glottal pulse train through formant resonators.

A held "uh" is one pulse rate through one set of formants; speech-like sound changes both every
syllable. Deterministic, numpy only.
"""

from __future__ import annotations

import numpy as np

RATE = 16000
SCHWA = ((500, 80), (1500, 100), (2500, 120))  # the neutral vowel of "uh"
VOWELS = [((300, 60), (2300, 100), (3000, 120)),  # ee
          ((700, 90), (1200, 100), (2600, 120)),  # ah
          ((350, 60), (900, 80), (2400, 120)),  # oo
          ((550, 80), (1800, 100), (2500, 120)),  # eh
          ((450, 70), (1000, 90), (2600, 120))]  # oh


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def vowel(seconds: float, f0_hz=110.0, formants=SCHWA, level: float = 0.3) -> np.ndarray:
    """A voiced sound; `f0_hz` may be a (start, end) pair for a glide."""
    n = int(seconds * RATE)
    f0 = np.linspace(*f0_hz, n) if isinstance(f0_hz, tuple) else np.full(n, float(f0_hz))
    pulses = np.diff(np.floor(np.cumsum(f0 / RATE)), prepend=0.0)
    y = pulses
    for freq, bandwidth in formants:  # two-pole resonators
        r = np.exp(-np.pi * bandwidth / RATE)
        a1, a2 = -2 * r * np.cos(2 * np.pi * freq / RATE), r * r
        out = np.zeros(n)
        for i in range(n):
            out[i] = y[i] - a1 * (out[i - 1] if i else 0.0) - a2 * (out[i - 2] if i > 1 else 0.0)
        y = out
    t = np.arange(n) / RATE
    y = y * np.clip(np.minimum(t / 0.03, (seconds - t) / 0.04), 0, 1)
    return (level * y / max(1e-9, np.abs(y).max())).astype(np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).normal(0, level, int(seconds * RATE))).astype(np.float32)


def speech_like(seconds: float, seed: int = 0) -> np.ndarray:
    """Syllables of 80-160 ms: a consonant burst, then a vowel with its own formants and pitch glide."""
    rng = np.random.default_rng(seed)
    parts, total = [], 0.0
    while total < seconds:
        burst = noise(rng.uniform(0.03, 0.06), 0.03, int(rng.integers(1 << 30)))
        start = rng.uniform(95, 150)
        v = vowel(rng.uniform(0.08, 0.16), (start, start * rng.choice([0.85, 1.15])),
                  VOWELS[int(rng.integers(len(VOWELS)))])
        parts += [burst, v]
        total += (len(burst) + len(v)) / RATE
    return np.concatenate(parts)
