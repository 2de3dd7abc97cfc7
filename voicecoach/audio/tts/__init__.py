"""Spoken feedback: Piper, espeak-ng or pyttsx3 behind one small interface, played via PortAudio.

Public API (stable; other stages build on `speak`):
    speak(text, options)                 say it aloud, first sentence first; TTSUnavailable if not
    Speaking(text, options).wait()       the same in a thread: start it, print/save, then wait
    synthesize_to_file(text, path, opts) render to a WAV, no audio device needed (`voicecoach say --out`)
    render(text, options) -> Speech      the samples
    TTSOptions.from_config(section)      built once from the [tts] config section
    warm_up(options)                     load the engine in the background before it is needed
                                         (not when there is no output device; the exit waits for it)

Engines (base.TTSEngine): piper.py (the default, natural voice), espeak.py (espeak-ng CLI),
pyttsx3_engine.py (the cross-platform library, in a worker process). A render that comes back
empty or cut short is redone once and then handed to the next engine of [tts] fallback, so
speech fails only when no engine can speak, and then with the reason (docs/tts.md).
"""

from __future__ import annotations

from .base import (DEFAULT_ENGINE, ENGINES, Speech, TTSEngine, TTSOptions, TTSUnavailable, chunks, expected_s,
                   problem, sentences)
from .render import get_engine, render, render_sentence, synthesize_to_file
from .speaker import Speaking, output_device, play, speak, warm_up

__all__ = [
    "DEFAULT_ENGINE", "ENGINES", "Speaking", "Speech", "TTSEngine", "TTSOptions", "TTSUnavailable", "chunks",
    "expected_s", "get_engine",
    "output_device", "play", "problem", "render", "render_sentence", "sentences", "speak", "synthesize_to_file",
    "warm_up",
]
