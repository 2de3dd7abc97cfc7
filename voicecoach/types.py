"""Data passed between the stages. Times are seconds from the start of the recording."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float
    probability: float
    filler: bool = False
    # "transcript" when Whisper wrote it, "recovered" when gap decoding added it, "acoustic" when
    # the filled-pause detector heard it (then `probability` is its confidence)
    source: str = "transcript"


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Pause:
    start_s: float
    end_s: float
    duration_s: float
    long: bool
    at_boundary: bool


@dataclass(frozen=True)
class Filler:
    text: str
    start_s: float
    end_s: float
    source: str
    confidence: float


@dataclass(frozen=True)
class Hedge:
    text: str
    start_s: float


@dataclass(frozen=True)
class Delivery:
    word_count: int
    speech_span_s: float
    wpm: float
    articulation_wpm: float
    pauses: tuple[Pause, ...]
    fillers: tuple[Filler, ...]
    fillers_per_100_words: float
    hedges: tuple[Hedge, ...]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    device: str
    compute_type: str


@dataclass(frozen=True)
class Timing:
    load_s: float
    transcribe_s: float
    total_s: float


@dataclass(frozen=True)
class ScoreResult:
    """One scored recording. `extra` carries later stages' output (structure, overall, feedback...)."""

    path: str
    duration_s: float
    model: ModelInfo
    transcript: Transcript
    delivery: Delivery
    timing: Timing
    no_speech: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        data.update(extra)
        return data
