"""Spoken feedback: pyttsx3 (espeak-ng) renders the speech, PortAudio plays it.

Two known pyttsx3 traps decide the shape of this module:
- a second `runAndWait()` in one process can hang or stay silent, so every utterance is
  rendered in a fresh Python subprocess with a timeout;
- pyttsx3 2.99's espeak driver plays by shelling out to `aplay` (alsa-utils) and ignores its
  failure, so speech silently vanishes where aplay is missing. We have it render to a WAV
  (`save_to_file`) and play that through sounddevice, the same PortAudio path as the
  microphone, so "no output device" is a clear error instead of silence.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import DeviceError

log = logging.getLogger("voicecoach")


class TTSUnavailable(DeviceError):
    """Speech cannot be produced here; the message says why (the caller prints the text instead)."""


@dataclass(frozen=True)
class TTSOptions:
    voice: str = ""  # espeak-ng voice name, e.g. "en-us"; empty: espeak-ng's default English
    rate_wpm: int = 165
    volume: float = 0.9  # 0..1
    output_device: str | int | None = None  # None: the default output
    timeout_s: float = 30.0  # rendering one sentence takes well under a second

    @classmethod
    def from_config(cls, section: Mapping) -> "TTSOptions":
        device = section.get("output_device") or None
        if isinstance(device, str) and device.isdigit():
            device = int(device)
        return cls(voice=str(section.get("voice", "")), rate_wpm=int(section.get("rate_wpm", 165)),
                   volume=float(section.get("volume", 0.9)), output_device=device,
                   timeout_s=float(section.get("timeout_s", 30.0)))


_RENDER = r"""
import json, sys
args = json.loads(sys.argv[1])
import pyttsx3
engine = pyttsx3.init("espeak")
engine.setProperty("rate", args["rate"])
engine.setProperty("volume", args["volume"])
if args["voice"]:
    engine.setProperty("voice", args["voice"])
engine.save_to_file(args["text"], args["path"])
engine.runAndWait()
"""


def _reason(stderr: str) -> str:
    text = stderr.lower()
    if "no module named 'pyttsx3'" in text:
        return "pyttsx3 is not installed: pip install pyttsx3"
    if "espeak" in text or "libespeak" in text or "oserror" in text:
        return "espeak-ng is not installed: sudo apt-get install espeak-ng (macOS: brew install espeak-ng)"
    last = stderr.strip().splitlines()[-1] if stderr.strip() else "no error output"
    return f"pyttsx3 failed: {last}"


def sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[.!?;])\s+", text.strip()) if part.strip()]


def _expected_s(text: str, rate_wpm: int) -> float:
    return len(text.split()) / max(rate_wpm, 1) * 60.0


def _render_one(text: str, out: Path, options: TTSOptions) -> Path | None:
    """`text` to the WAV `out` in a fresh pyttsx3 process; None when it wrote no audio."""
    args = {"text": text, "path": str(out), "rate": options.rate_wpm, "volume": options.volume,
            "voice": options.voice}
    try:
        proc = subprocess.run([sys.executable, "-c", _RENDER, json.dumps(args)], capture_output=True, text=True,
                              timeout=options.timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise TTSUnavailable(f"speech synthesis hung (pyttsx3 gave no audio within {options.timeout_s:.0f} s)") from exc
    if proc.returncode != 0:
        log.debug("pyttsx3 stderr: %s", proc.stderr)
        raise TTSUnavailable(_reason(proc.stderr))
    return out if out.exists() and out.stat().st_size > 44 else None


def synthesize_to_file(text: str, path: str | Path, options: TTSOptions = TTSOptions()) -> Path:
    """Render `text` to a WAV at `path` with pyttsx3: one fresh subprocess per sentence.

    pyttsx3 2.99's espeak driver ends a saved file early on some multi-sentence texts (a
    three-sentence feedback came back as its first second), and now and then writes nothing
    (seen with several renders running at once). So sentences are rendered one after another,
    each in its own process, a render far shorter than its text is redone once, and the parts
    are joined with a short pause.
    """
    import soundfile as sf

    path = Path(path)
    audio: list[np.ndarray] = []
    rate = 22050
    with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
        for i, part in enumerate(sentences(text) or [text]):
            samples = None
            for attempt in range(2):
                wav = _render_one(part, Path(tmp) / f"part{i}-{attempt}.wav", options)
                if wav is None:
                    continue
                samples, rate = sf.read(wav, dtype="float32")
                if len(samples) / rate >= 0.5 * _expected_s(part, options.rate_wpm) - 0.3:
                    break
                log.debug("pyttsx3 cut %r short; rendering it again", part)
            if samples is None:
                raise TTSUnavailable("pyttsx3 produced no audio (is an espeak-ng voice installed?)")
            audio += [samples, np.zeros(int(rate * 0.3), np.float32)]
    sf.write(path, np.concatenate(audio[:-1]), rate, subtype="PCM_16")
    return path


def _output(sd, device):
    try:
        info = sd.query_devices(device, kind="output")
    except (ValueError, sd.PortAudioError) as exc:
        what = "no audio output device" if device is None else f"no audio output device {device!r}"
        raise TTSUnavailable(f"{what} (check `voicecoach devices`, speakers or headphones)") from exc
    return info


def _sounddevice():
    from .capture import import_sounddevice

    try:
        return import_sounddevice()
    except Exception as exc:  # noqa: BLE001 - any missing piece means "cannot play"
        raise TTSUnavailable(str(exc)) from exc


def output_device(device: str | int | None = None) -> dict:
    """The PortAudio output device that will play, or TTSUnavailable saying why there is none."""
    return _output(_sounddevice(), device)


def play(samples: np.ndarray, sample_rate: int, device: str | int | None = None) -> None:
    """Play and wait until done, with a deadline so a stalled device cannot hang the session."""
    sd = _sounddevice()
    info = _output(sd, device)
    try:
        sd.play(samples, samplerate=sample_rate, device=info["index"], latency="high")  # fewer underruns on a busy CPU
        deadline = time.monotonic() + len(samples) / sample_rate + 5.0
        stream = sd.get_stream()
        while stream.active and time.monotonic() < deadline:
            time.sleep(0.05)
        sd.stop()
    except sd.PortAudioError as exc:
        raise TTSUnavailable(f"cannot play on {info['name']!r}: {exc}") from exc


def speak(text: str, options: TTSOptions = TTSOptions()) -> None:
    """Say `text` aloud; TTSUnavailable (with the reason) when this machine cannot."""
    text = text.strip()
    if not text:
        return
    import soundfile as sf

    output_device(options.output_device)  # say "no output device" before spending a subprocess on rendering
    with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
        wav = synthesize_to_file(text, Path(tmp) / "say.wav", options)
        samples, rate = sf.read(wav, dtype="float32")
    # a sink waking from idle swallows the first ~100 ms; lead with silence, not with the first word
    lead = np.zeros(int(rate * 0.25), np.float32)
    play(np.concatenate([lead, samples]), rate, options.output_device)
