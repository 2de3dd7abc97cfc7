"""One Whisper window (at most 30 s) decoded in one pass: one encode, one decode, one alignment.

faster-whisper's `transcribe` re-seeks to the last word's end whenever a window does not end on
a timestamp token and decodes the rest again: a second encoder pass, often over padding only,
and without the initial prompt (it is dropped after the first seek when
`condition_on_previous_text=False`). Our windows are already cut at pauses (vad.cut_points), so
that second pass buys nothing; `fillers.recover_missed_speech` re-decodes any voiced stretch
that still has no words. This module keeps faster-whisper's own steps (fallback decoding,
segment splitting, word alignment) and drops only the re-seek.

It uses faster-whisper methods that are not public API (checked against 1.2.1; pyproject caps
the version below 1.3), and `WhisperTranscriber` falls back to `model.transcribe` when they are
missing. tests/test_window.py compares both paths on real speech.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np

from ..audio.load import SAMPLE_RATE

log = logging.getLogger("voicecoach")

WINDOW_S = 30.0
# Speech runs at 3-5 tokens a second with timestamps; a decode past 7 a second is looping.
# (CTranslate2 stops Whisper at about half of faster-whisper's max_length = prompt + this bound:
# 147 tokens, 5.3 a second, on a 27.7 s window with a 71-token prompt; docs/content-accuracy.md "Speed".)
MAX_TOKENS_PER_S = 7.0
REPETITION_PENALTY = 1.1


@dataclass(frozen=True)
class WindowSegment:
    """What the transcriber needs of a segment: words as (text, start_s, end_s, probability)."""

    words: tuple[tuple[str, float, float, float], ...]
    no_speech_prob: float
    avg_logprob: float


def supports_single_pass(model) -> bool:
    needed = ("encode", "get_prompt", "generate_with_fallback", "_split_segments_by_timestamps",
              "add_word_timestamps", "feature_extractor", "hf_tokenizer")
    return all(hasattr(model, name) for name in needed)


class WindowDecoder:
    """Decodes windows of up to 30 s with one model; options are taken once from faster-whisper
    itself, so its defaults (temperatures, thresholds, suppressed tokens) stay the same."""

    def __init__(self, model):
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
        self._options: dict[int, object] = {}

    def options(self, beam_size: int, greedy_only: bool = False):
        if greedy_only:  # temperature 0 alone: no sampled re-decodes when Whisper's checks fail
            key = -beam_size
            if key not in self._options:
                self._options[key] = dataclasses.replace(self.options(beam_size), temperatures=[0.0])
            return self._options[key]
        if beam_size not in self._options:
            # transcribe() only builds the options here; its segment generator is never started
            _segments, info = self.model.transcribe(
                np.zeros(SAMPLE_RATE // 10, dtype=np.float32), language="en", beam_size=beam_size,
                word_timestamps=True, condition_on_previous_text=False, vad_filter=False)
            self._options[beam_size] = info.transcription_options  # the prompt is passed per window
        return self._options[beam_size]

    def decode(self, samples: np.ndarray, *, prompt: str | None, beam_size: int,
               greedy_only: bool = False, repetition_retry: bool = False) -> list[WindowSegment]:
        """`greedy_only`: temperature 0 alone. `repetition_retry` (a prompt listing terms): the
        output is bounded by the audio's length, and a decode that fails Whisper's checks is tried
        once more at temperature 0 with a repetition penalty before the sampled fallback."""
        from faster_whisper.audio import pad_or_trim

        if len(samples) > WINDOW_S * SAMPLE_RATE:
            raise ValueError("a window holds at most 30 s of audio")
        model, tokenizer, options = self.model, self.tokenizer, self.options(beam_size, greedy_only)
        features = model.feature_extractor(samples)
        segment_size = min(model.feature_extractor.nb_max_frames, features.shape[-1] - 1)
        if segment_size <= 0:
            return []
        segment_duration = segment_size * model.feature_extractor.time_per_frame
        encoder_output = model.encode(pad_or_trim(features[:, :segment_size]))
        previous = tokenizer.encode(" " + prompt.strip()) if prompt and prompt.strip() else []
        prompt_tokens = model.get_prompt(tokenizer, previous, without_timestamps=False)
        if repetition_retry and not greedy_only:
            result, avg_logprob = self._generate_guarded(encoder_output, prompt_tokens, options, segment_duration)
        else:
            result, avg_logprob, _temperature, _ratio = model.generate_with_fallback(
                encoder_output, prompt_tokens, tokenizer, options)
        if (options.no_speech_threshold is not None and result.no_speech_prob > options.no_speech_threshold
                and not (options.log_prob_threshold is not None and avg_logprob > options.log_prob_threshold)):
            return []  # faster-whisper skips such a window as silence
        tokens = list(result.sequences_ids[0])
        segments, _seek, single_ending = model._split_segments_by_timestamps(
            tokenizer=tokenizer, tokens=tokens, time_offset=0.0, segment_size=segment_size,
            segment_duration=segment_duration, seek=0)
        tail = unfinished_tail(tokens, tokenizer.timestamp_begin, tokenizer.eot, single_ending)
        if tail:
            # faster-whisper drops this text to decode it again from a re-seek; the window ends
            # at a pause, so the text is complete: keep it and let the alignment time it
            start_s = (tail[0] - tokenizer.timestamp_begin) * model.time_precision  # tail[0] is a timestamp
            segments.append(dict(seek=0, start=start_s, end=segment_duration, tokens=tail))
        segments = [s for s in segments if any(t < tokenizer.eot for t in s["tokens"])]
        if not segments:
            return []
        model.add_word_timestamps([segments], tokenizer, encoder_output, segment_size,
                                  options.prepend_punctuations, options.append_punctuations,
                                  last_speech_timestamp=0.0)
        return [WindowSegment(tuple((w["word"], w["start"], w["end"], w["probability"]) for w in s.get("words") or ()),
                              float(result.no_speech_prob), float(avg_logprob))
                for s in segments]

    def _generate_guarded(self, encoder_output, prompt_tokens: list[int], options, duration_s: float):
        """A prompt that lists terms now and then sends a beam search into a loop ("400, 400,
        400, ..."): unbounded it runs to the 448-token limit, then faster-whisper samples up to five
        candidates at each hotter temperature (11 s on one 28 s window). Bounded output, then
        one repetition-penalised greedy decode (the better text), then the usual fallback.
        Greedy, not the beam: on js-wrong-status-code's looping window 0.45 s instead of 0.8 s, and
        it read "instead of 404 return 422 ... created with 201" where the beam read "400, 4xx,
        422 ... 200 one" (docs/content-accuracy.md, "Speed")."""
        model, tokenizer = self.model, self.tokenizer
        bound = dataclasses.replace(options, temperatures=[0.0],
                                    max_new_tokens=int(MAX_TOKENS_PER_S * duration_s) + 30)
        retry = dataclasses.replace(bound, beam_size=1, repetition_penalty=REPETITION_PENALTY)
        for attempt in (bound, retry):
            result, avg_logprob, _t, ratio = model.generate_with_fallback(encoder_output, prompt_tokens, tokenizer,
                                                                          attempt)
            if not needs_fallback(avg_logprob, ratio, result.no_speech_prob, options):
                return result, avg_logprob
            log.debug("decode with the scenario's terms failed Whisper's checks (ratio %.2f, logprob %.2f)",
                      ratio, avg_logprob)
        result, avg_logprob, _t, _ratio = model.generate_with_fallback(encoder_output, prompt_tokens, tokenizer,
                                                                       options)
        return result, avg_logprob


def needs_fallback(avg_logprob: float, compression_ratio: float, no_speech_prob: float, options) -> bool:
    """faster-whisper's own test (generate_with_fallback) of a decode it would redo hotter."""
    low = options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold
    if low and options.no_speech_threshold is not None and no_speech_prob > options.no_speech_threshold:
        return False  # silence, not a failed decode
    return low or (options.compression_ratio_threshold is not None
                   and compression_ratio > options.compression_ratio_threshold)


def unfinished_tail(tokens: list[int], timestamp_begin: int, eot: int, single_ending: bool) -> list[int]:
    """The tokens after the last pair of timestamps (starting with that pair's second timestamp)
    when the output did not end on a single timestamp, i.e. the segment faster-whisper would throw
    away; [] when it has no text."""
    if single_ending:
        return []
    pairs = [i for i in range(1, len(tokens)) if tokens[i] >= timestamp_begin and tokens[i - 1] >= timestamp_begin]
    if not pairs:
        return []  # no timestamps pairs: the whole output is already one segment
    tail = tokens[pairs[-1]:]
    return tail if any(t < eot for t in tail) else []
