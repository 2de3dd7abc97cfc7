"""The scoring pipeline: audio -> words (+ recovered fillers) -> delivery metrics -> ScoreResult.

`Scorer.transcribe_chunk` and `Scorer.build_result` are the two halves, so the live path can
transcribe utterances while the speaker talks and build the result when they stop.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audio.load import SAMPLE_RATE, load_audio
from ..config import Config, load_config
from .fillers import RecoveryOptions
from .hints import hint_prompt
from .lexicon import Lexicon
from .metrics import DeliveryOptions, analyze, mark_fillers
from .transcribe import ModelOptions, Transcriber, load_transcriber
from ..types import ScoreResult, Timing, Transcript, Word
from ..audio.vad import STRICT, cut_points, frame_index, has_speech, voiced_frames

log = logging.getLogger("voicecoach")

# Whisper writes fillers far more often when the context it continues from has them.
VERBATIM_PROMPT = "Um, so, uh, I think the, um, the bug is here. Hmm, uh, yeah."


@dataclass(frozen=True)
class ScoreOptions:
    model: ModelOptions = field(default_factory=ModelOptions)
    delivery: DeliveryOptions = field(default_factory=DeliveryOptions)
    lexicon: Lexicon | None = None
    recover_fillers: bool = True
    verbatim_prompt: bool = True
    max_audio_s: float = 3600.0
    recovery: RecoveryOptions = field(default_factory=RecoveryOptions)
    # terms to bias recognition toward (a scenario's vocabulary, as plain strings; speech/hints.py)
    vocabulary: tuple[str, ...] = ()
    hint_style: str = "glossary"

    @classmethod
    def from_config(cls, cfg: Config, *, model: str | None = None, device: str | None = None,
                    recover_fillers: bool | None = None) -> "ScoreOptions":
        m = cfg.section("model")
        f = cfg.section("fillers")
        return cls(
            model=ModelOptions(name=model or m.get("name", "default"), device=device or m.get("device", "auto"),
                               beam_size=int(m.get("beam_size", 3))),
            delivery=DeliveryOptions.from_config(cfg.section("delivery")),
            lexicon=Lexicon.from_config(f, cfg.section("hedges")),
            recover_fillers=bool(f.get("recover", True)) if recover_fillers is None else recover_fillers,
            max_audio_s=float(m.get("max_audio_s", 3600)),
            recovery=RecoveryOptions(recover_gaps=bool(f.get("recover_gaps", False)),
                                     acoustic=bool(f.get("acoustic", True)),
                                     acoustic_min_held_s=float(f.get("acoustic_min_held_s", 0.35))),
            hint_style=str(cfg.section("vocabulary").get("hint_style", "glossary")),
        )


class Scorer:
    def __init__(self, options: ScoreOptions | None = None, transcriber: Transcriber | None = None):
        options = options or ScoreOptions.from_config(load_config())
        if options.lexicon is None:
            options = dataclasses.replace(options, lexicon=Lexicon.default())
        self.options = options
        self._transcriber = transcriber

    @property
    def transcriber(self) -> Transcriber:
        if self._transcriber is None:
            self._transcriber = load_transcriber(self.options.model)
        return self._transcriber

    def transcribe_chunk(self, samples: np.ndarray, *, offset_s: float = 0.0, context: str = "",
                         voiced: np.ndarray | None = None) -> list[Word]:
        """Words of one chunk (a whole file or one live utterance), fillers recovered.
        `voiced`: the chunk's STRICT webrtcvad frames when the caller has them already."""
        prompt = VERBATIM_PROMPT if self.options.verbatim_prompt else None
        if context:
            # Whisper continues the style of the END of its prompt: the verbatim sample goes last
            prompt = f"{context[-150:]} {prompt or ''}".strip()
        hints = hint_prompt(self.options.vocabulary, self.options.hint_style)
        if hints:  # the terms first, so the answer so far and the verbatim sample stay nearest the audio
            prompt = f"{hints} {prompt or ''}".strip()
            # a list of terms now and then loops the beam search: retry it cheaply (speech/window.py)
            words = self.transcriber.transcribe(samples, prompt=prompt, repetition_retry=True)
        else:
            words = self.transcriber.transcribe(samples, prompt=prompt)
        if self.options.recover_fillers or hints:
            from .fillers import recover_fillers, recover_missed_speech

            # a prompt (verbatim sample or terms) sometimes makes Whisper end a segment early, or
            # drop a sentence: words must cover the voiced audio, so decode what they do not
            words = recover_missed_speech(samples, words, self.transcriber, voiced=voiced)
        if self.options.recover_fillers:
            words = recover_fillers(samples, words, self.transcriber, self.options.lexicon,
                                    options=self.options.recovery)
        if offset_s:
            words = [dataclasses.replace(w, start_s=round(w.start_s + offset_s, 3), end_s=round(w.end_s + offset_s, 3))
                     for w in words]
        return words

    def transcribe_recording(self, samples: np.ndarray) -> list[Word]:
        """What `score` does with a whole file: no words when webrtcvad hears no speech at all."""
        voiced = voiced_frames(samples, STRICT)  # once: the gate, the cuts and the chunks share it
        return self.transcribe_long(samples, voiced) if has_speech(voiced) else []

    def transcribe_long(self, samples: np.ndarray, voiced: np.ndarray | None = None) -> list[Word]:
        """A whole recording, cut at pauses into windows Whisper takes in one go, each decoded with
        the verbatim prompt and the text so far, as the live path does with its utterances."""
        if voiced is None:
            voiced = voiced_frames(samples, STRICT)
        cuts = cut_points(len(samples) / SAMPLE_RATE, voiced)
        words: list[Word] = []
        for start_s, end_s in zip(cuts, cuts[1:]):
            chunk = samples[int(start_s * SAMPLE_RATE):int(end_s * SAMPLE_RATE)]
            # Whisper's context is what Whisper wrote: the detector never changes what it decodes
            context = " ".join(w.text for w in words if w.source != "acoustic")
            words += self.transcribe_chunk(chunk, offset_s=start_s, context=context,
                                           voiced=voiced[frame_index(start_s):frame_index(end_s)])
        return words

    def build_result(self, path: str, duration_s: float, words: list[Word], timing: Timing) -> ScoreResult:
        words = mark_fillers(words, self.options.lexicon)
        delivery = analyze(words, self.options.lexicon, self.options.delivery)
        text = " ".join(w.text for w in words)
        return ScoreResult(
            path=path, duration_s=round(duration_s, 3), model=self.transcriber.info,
            transcript=Transcript(text=text, words=tuple(words)), delivery=delivery, timing=timing,
            no_speech=not words,
        )

    def score_file(self, path: str | Path) -> ScoreResult:
        started = time.perf_counter()
        audio = load_audio(path, self.options.max_audio_s)
        transcriber = self.transcriber  # load before timing the transcription
        t0 = time.perf_counter()
        words = self.transcribe_recording(audio.samples)
        transcribe_s = time.perf_counter() - t0
        timing = Timing(load_s=round(getattr(transcriber, "load_s", 0.0), 3), transcribe_s=round(transcribe_s, 3),
                        total_s=round(time.perf_counter() - started, 3))
        return self.build_result(str(path), audio.duration_s, words, timing)
