"""What every TTS engine shares: the options, the rendered speech, the engine Protocol, the checks.

An engine turns one short text (a sentence) into samples; splitting a feedback into sentences,
checking each render, falling back to another engine and playing happen once, in speaker.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Protocol

from ...errors import DeviceError

if TYPE_CHECKING:  # numpy stays out of `import voicecoach`
    import numpy as np

ENGINES = ("piper", "espeak-ng", "pyttsx3")
DEFAULT_ENGINE = "piper"
# engine names people are likely to type for the same thing
ALIASES = {"espeak": "espeak-ng", "espeakng": "espeak-ng", "joe": "piper"}


class TTSUnavailable(DeviceError):
    """Speech cannot be produced here; the message says why (the caller prints the text instead)."""


def engine_name(name: str) -> str:
    key = (name or DEFAULT_ENGINE).strip().lower()
    key = ALIASES.get(key, key)
    if key not in ENGINES:
        raise TTSUnavailable(f"unknown TTS engine {name!r}: use one of {', '.join(ENGINES)} ([tts] engine)")
    return key


@dataclass(frozen=True)
class TTSOptions:
    engine: str = DEFAULT_ENGINE  # piper | espeak-ng | pyttsx3 (see docs/tts.md)
    voice: str = ""  # the voice of `engine`; empty: that engine's default (en-us, Piper's joe)
    rate_wpm: int = 165
    volume: float = 0.9  # 0..1
    output_device: str | int | None = None  # None: the default output
    timeout_s: float = 30.0  # one sentence renders in well under a second; a hung engine is cut off
    # engines tried in turn when `engine` is not installed or fails twice on a sentence
    fallback: tuple[str, ...] = ("espeak-ng", "pyttsx3")
    voices: Mapping[str, str] = field(default_factory=dict)  # voice per engine, from [tts.voices]

    @classmethod
    def from_config(cls, section: Mapping) -> "TTSOptions":
        device = section.get("output_device") or None
        if isinstance(device, str) and device.isdigit():
            device = int(device)
        engine = engine_name(str(section.get("engine", DEFAULT_ENGINE)))
        voices = {engine_name(k): str(v) for k, v in dict(section.get("voices") or {}).items()}
        # `voice` (the key before [tts.voices] existed) is the espeak-ng/pyttsx3 voice
        legacy = str(section.get("voice", "") or "")
        for name in ("espeak-ng", "pyttsx3"):
            voices.setdefault(name, legacy)
        fallback = tuple(engine_name(str(n)) for n in section.get("fallback", cls.fallback))
        return cls(engine=engine, voice=voices.get(engine, ""), rate_wpm=int(section.get("rate_wpm", 165)),
                   volume=float(section.get("volume", 0.9)), output_device=device,
                   timeout_s=float(section.get("timeout_s", 30.0)), fallback=fallback, voices=voices)

    def for_engine(self, name: str) -> "TTSOptions":
        """These options with `name` as the engine and that engine's configured voice."""
        from dataclasses import replace

        name = engine_name(name)
        voice = self.voice if name == self.engine else self.voices.get(name, "")
        return replace(self, engine=name, voice=voice)

    def chain(self) -> list[str]:
        """The engine, then its fallbacks, each once."""
        out: list[str] = []
        for name in (self.engine, *self.fallback):
            if engine_name(name) not in out:
                out.append(engine_name(name))
        return out


@dataclass(frozen=True)
class Speech:
    """Rendered speech: mono float32 samples in [-1, 1]."""

    samples: "np.ndarray"
    sample_rate_hz: int
    engine: str = ""

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz if self.sample_rate_hz else 0.0


class TTSEngine(Protocol):
    """One speech engine. `render` is called from one thread at a time (render.Serialised makes
    sure of it); `close` frees its process; an optional `load()` does the slow part of the first
    render (a warm-up calls it, then renders a word only if the process is not exiting)."""

    name: str

    def render(self, text: str) -> Speech: ...

    def close(self) -> None: ...


def sentences(text: str) -> list[str]:
    """The parts spoken one after another (so the first is heard while the rest render)."""
    return [part.strip() for part in re.split(r"(?<=[.!?;])\s+", text.strip()) if part.strip()]


def chunks(text: str, first_words: int = 6) -> list[str]:
    """`sentences`, with a long first sentence cut after its first clause (at ", " ": " or " - ")
    so the first sound comes after rendering a few words, not a whole sentence."""
    parts = sentences(text) or ([text.strip()] if text.strip() else [])
    if parts and len(parts[0].split()) > first_words:
        m = re.search(r"[,:]\s+|\s[-\u2013\u2014]\s", parts[0])
        if m and len(parts[0][:m.start()].split()) >= 3 and len(parts[0][m.end():].split()) >= 3:
            parts[:1] = [parts[0][:m.end()].strip(), parts[0][m.end():].strip()]
    return parts


def expected_s(text: str, rate_wpm: int) -> float:
    """How long `text` takes at `rate_wpm` (what a whole render is checked against)."""
    return len(text.split()) / max(rate_wpm, 1) * 60.0


def voiced_s(speech: Speech, threshold: float = 0.01) -> float:
    """Seconds from the first to the last sample above `threshold` (the speech without its padding)."""
    import numpy as np

    loud = np.flatnonzero(np.abs(speech.samples) > threshold)
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0] + 1) / speech.sample_rate_hz


def problem(speech: Speech, text: str, rate_wpm: int) -> str | None:
    """Why a render cannot be played (empty, silent, far too short), or None when it is fine.

    Lenient on purpose (half the expected length, less 0.3 s): this catches a lost or cut
    render at run time; benchmarks/tts.py holds every engine to +-20 %.
    """
    if speech.samples is None or len(speech.samples) == 0:
        return "no audio"
    if voiced_s(speech) == 0.0:
        return "silent audio"
    if speech.duration_s < 0.5 * expected_s(text, rate_wpm) - 0.3:
        return f"{speech.duration_s:.1f} s of audio for {expected_s(text, rate_wpm):.1f} s of text (cut short)"
    return None
