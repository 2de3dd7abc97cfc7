"""Delivery metrics from timed words: pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

from .lexicon import SENTENCE_END, Lexicon, find_fillers, find_hedges
from ..types import Delivery, Pause, Word


@dataclass(frozen=True)
class DeliveryOptions:
    pause_min_s: float = 0.25
    long_pause_s: float = 1.0

    @classmethod
    def from_config(cls, section: Mapping) -> "DeliveryOptions":
        return cls(float(section.get("pause_min_s", 0.25)), float(section.get("long_pause_s", 1.0)))


def speech_span_s(words: Sequence[Word]) -> float:
    return max(0.0, words[-1].end_s - words[0].start_s) if words else 0.0


def wpm(word_count: int, span_s: float) -> float:
    return round(word_count / span_s * 60.0, 1) if span_s > 0 else 0.0


def find_pauses(words: Sequence[Word], options: DeliveryOptions) -> list[Pause]:
    pauses = []
    for before, after in zip(words, words[1:]):
        gap = after.start_s - before.end_s
        if gap >= options.pause_min_s:
            pauses.append(Pause(
                start_s=round(before.end_s, 3), end_s=round(after.start_s, 3), duration_s=round(gap, 3),
                long=gap >= options.long_pause_s,
                at_boundary=before.text.rstrip().endswith(SENTENCE_END),
            ))
    return pauses


def mark_fillers(words: Sequence[Word], lexicon: Lexicon) -> list[Word]:
    """The same words with `filler` set where the lexicon rules say so."""
    flagged = set()
    for start, end, _ in find_fillers(words, lexicon):
        flagged.update(range(start, end))
    return [replace(w, filler=i in flagged) for i, w in enumerate(words)]


def analyze(words: Sequence[Word], lexicon: Lexicon, options: DeliveryOptions = DeliveryOptions()) -> Delivery:
    """Every delivery figure for one take. Fillers count as spoken words."""
    words = list(words)
    count = len(words)
    span = speech_span_s(words)
    pauses = find_pauses(words, options)
    paused = sum(p.duration_s for p in pauses)
    fillers = [f for _, _, f in find_fillers(words, lexicon)]
    return Delivery(
        word_count=count,
        speech_span_s=round(span, 3),
        wpm=wpm(count, span),
        articulation_wpm=wpm(count, span - paused),
        pauses=tuple(pauses),
        fillers=tuple(fillers),
        fillers_per_100_words=round(100.0 * len(fillers) / count, 2) if count else 0.0,
        hedges=tuple(find_hedges(words, lexicon)),
    )
