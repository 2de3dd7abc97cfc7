"""Rendering that never fails silently: every sentence is checked, redone once, then handed to the
next engine of the chain; only when every engine fails does the caller get TTSUnavailable.

Engines are kept per process (a loaded Piper voice, a running pyttsx3 worker), so the second
feedback of a session starts as fast as a warm one. Each sits behind its own lock (`Serialised`):
a warm-up, the renderer thread of `speak` and a second `Speaking` may all reach one engine.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ... import background
from .base import Speech, TTSEngine, TTSOptions, TTSUnavailable, problem, sentences

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("voicecoach")

SAMPLE_RATE = 22050  # what espeak-ng, pyttsx3 (espeak) and joe render; other rates are resampled
PAUSE_S = 0.25  # between two sentences

# a close waits this long for a render in progress (each render has its own timeout_s)
CLOSE_WAIT_S = 60.0

_engines: dict[tuple, "Serialised"] = {}
_engines_lock = threading.Lock()
_warned: set[str] = set()


def _create(name: str, options: TTSOptions) -> TTSEngine:
    if name == "piper":
        from .piper import PiperEngine

        return PiperEngine(options)
    if name == "espeak-ng":
        from .espeak import EspeakEngine

        return EspeakEngine(options)
    from .pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(options)


class Serialised:
    """An engine that renders one text at a time, whichever thread asks.

    Thread safety of the engines themselves: the pyttsx3 engine is NOT thread-safe (one worker,
    one request/reply pipe: two renders at once would read each other's replies and files).
    Piper: onnxruntime documents concurrent `Run` calls on one session as safe, and piper-tts 1.8
    (installed here) guards its espeak-ng phonemizer, which keeps global state, with a lock of its
    own; we allow piper-tts from 1.3 and do not rely on every release doing so. Two renders at once
    on a 2-core machine also only make the first sentence late. espeak-ng runs one process per
    render and would be safe without the lock; it costs nothing there.
    """

    def __init__(self, engine: TTSEngine):
        self.engine = engine
        self.name = engine.name
        self.lock = threading.Lock()

    def render(self, text: str) -> Speech:
        with self.lock:
            return self.engine.render(text)

    def load(self) -> None:
        """Load what the first render would (Piper's voice, the pyttsx3 worker), if the engine can."""
        load = getattr(self.engine, "load", None)
        if load is not None:
            with self.lock:
                load()

    def close(self) -> None:
        got = self.lock.acquire(timeout=CLOSE_WAIT_S)
        try:
            self.engine.close()
        finally:
            if got:
                self.lock.release()


def get_engine(name: str, options: TTSOptions) -> Serialised:
    """The engine `name` with `options` (its voice from [tts.voices]), created once per process,
    behind its lock."""
    opts = options.for_engine(name)
    key = (opts.engine, opts.voice, opts.rate_wpm, opts.volume, opts.timeout_s)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Serialised(_create(opts.engine, opts))
        return _engines[key]


def close_engines() -> None:
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        try:
            engine.close()
        except Exception:  # noqa: BLE001 - leaving anyway
            pass


background.after_join(close_engines)  # at exit, once no warm-up or renderer thread uses them


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("tts: %s", message)


def render_sentence(text: str, options: TTSOptions) -> Speech:
    """`text` rendered by the first engine of the chain that gives usable audio."""
    reasons: list[str] = []
    chain = options.chain()
    for name in chain:
        try:
            engine = get_engine(name, options)
        except TTSUnavailable as exc:
            reasons.append(str(exc))
            continue
        why = ""
        for attempt in range(2):
            try:
                speech = engine.render(text)
            except TTSUnavailable as exc:  # not installed, hung, crashed: no second try with it
                why = str(exc)
                break
            why = problem(speech, text, options.rate_wpm) or ""
            if not why:
                if name != chain[0]:
                    _warn_once(f"{'; '.join(reasons)}; speaking with {name}")
                return speech
            log.warning("tts: %s rendered %r badly (%s)%s", name, text[:40], why,
                        "; rendering it again" if attempt == 0 else "")
        reasons.append(f"{name}: {why}")
    raise TTSUnavailable("no engine could speak: " + "; ".join(reasons))


def resample(speech: Speech, rate: int = SAMPLE_RATE) -> "np.ndarray":
    import numpy as np

    if speech.sample_rate_hz == rate or len(speech.samples) == 0:
        return speech.samples.astype(np.float32, copy=False)
    n = int(round(len(speech.samples) * rate / speech.sample_rate_hz))
    x = np.linspace(0, len(speech.samples) - 1, n)
    return np.interp(x, np.arange(len(speech.samples)), speech.samples).astype(np.float32)


def render(text: str, options: TTSOptions = TTSOptions()) -> Speech:
    """The whole `text`, sentence by sentence, joined with short pauses (at SAMPLE_RATE)."""
    import numpy as np

    parts: list[np.ndarray] = []
    engines: list[str] = []
    for part in sentences(text) or [text]:
        speech = render_sentence(part, options)
        engines.append(speech.engine)
        parts += [resample(speech), np.zeros(int(SAMPLE_RATE * PAUSE_S), np.float32)]
    samples = np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)
    return Speech(samples, SAMPLE_RATE, "+".join(sorted(set(engines))))


def synthesize_to_file(text: str, path: str | Path, options: TTSOptions = TTSOptions()) -> Path:
    """Render `text` to a 16-bit WAV at `path` (no audio device needed); TTSUnavailable when no
    engine could."""
    import soundfile as sf

    if not text.strip():
        raise TTSUnavailable("nothing to say: the text is empty")
    speech = render(text.strip(), options)
    path = Path(path)
    try:
        sf.write(path, speech.samples, speech.sample_rate_hz, subtype="PCM_16", format="WAV")
    except (RuntimeError, OSError) as exc:
        from ...errors import UnusableInput

        raise UnusableInput(f"cannot write {path}: {exc}") from exc
    return path
