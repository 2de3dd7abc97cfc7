"""Loading recordings: any common format and sample rate, mixed to 16 kHz mono float32.

Every way a file can be unusable ends in `UnusableInput` with one line that says what is wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UnusableInput

log = logging.getLogger("voicecoach")

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono at SAMPLE_RATE, in [-1, 1]
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def probe_duration_s(path: Path) -> float | None:
    """Container duration without decoding, or None when the container does not say."""
    import av

    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return container.duration / 1_000_000
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is not None and stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
    except Exception:  # a corrupt file is reported by decode, with a better message
        return None
    return None


def load_audio(path: str | Path, max_duration_s: float = 3600.0) -> Audio:
    """Decode `path` to 16 kHz mono; raise UnusableInput with an actionable message."""
    path = Path(path)
    if not path.exists():
        raise UnusableInput(f"{path}: no such file")
    if path.is_dir():
        raise UnusableInput(f"{path}: is a folder, give an audio file (wav, flac, mp3, m4a, ogg)")
    if path.stat().st_size == 0:
        raise UnusableInput(f"{path}: the file is empty (0 bytes)")
    duration = probe_duration_s(path)
    if duration is not None and duration > max_duration_s:
        raise UnusableInput(
            f"{path}: {duration / 60:.0f} min of audio is over the {max_duration_s / 60:.0f} min limit; "
            "cut the answer you want scored (e.g. sox in.wav out.wav trim 0 5:00)"
        )
    samples = _decode(path)
    if samples.size == 0:
        raise UnusableInput(f"{path}: holds no audio samples (zero-length recording)")
    if samples.size / SAMPLE_RATE > max_duration_s:
        raise UnusableInput(f"{path}: over the {max_duration_s / 60:.0f} min limit")
    return Audio(samples=samples)


def _decode(path: Path) -> np.ndarray:
    import av
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except (av.error.InvalidDataError, av.error.FFmpegError, ValueError, IndexError, StopIteration) as exc:
        raise UnusableInput(
            f"{path}: cannot decode it as audio (corrupt or not an audio file: {type(exc).__name__})"
        ) from exc
    return np.ascontiguousarray(samples, dtype=np.float32)


def from_pcm16(data: bytes) -> np.ndarray:
    """16-bit little-endian PCM bytes to float32 samples."""
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
