"""A WAV writer that survives a crash, and the repair of what a crash leaves.

The take is written while it is recorded: samples are appended and flushed as they come and the
RIFF/data sizes in the header are rewritten about once a second, so after kill -9 the file on
disk is a valid WAV up to the last header update (the data after it is still there). On the next
start `repair_takes()` rewrites the headers of such files so every recorded sample plays.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .load import SAMPLE_RATE, to_pcm16

log = logging.getLogger("voicecoach")

HEADER_BYTES = 44
SAMPLE_BYTES = 2  # 16-bit PCM


def _header(data_bytes: int, sample_rate: int, channels: int) -> bytes:
    block_align = channels * SAMPLE_BYTES
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_bytes, b"WAVE",
        b"fmt ", 16, 1, channels, sample_rate, sample_rate * block_align, block_align, 8 * SAMPLE_BYTES,
        b"data", data_bytes,
    )


class WavWriter:
    """16-bit PCM WAV written as it goes; the header is kept valid about every `header_every_s`."""

    def __init__(self, path: str | Path, sample_rate: int = SAMPLE_RATE, channels: int = 1,
                 header_every_s: float = 1.0, fsync: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.sample_rate = sample_rate
        self.channels = channels
        self.header_every_s = header_every_s
        self.fsync = fsync
        self.data_bytes = 0
        self._header_bytes = 0
        self._last_header = time.monotonic()
        self._fh = open(self.path, "wb")  # noqa: SIM115 - kept open for the whole take
        self._fh.write(_header(0, sample_rate, channels))
        self._fh.flush()

    @property
    def frames_written(self) -> int:
        return self.data_bytes // (SAMPLE_BYTES * self.channels)

    @property
    def duration_s(self) -> float:
        return self.frames_written / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._fh.closed

    def write(self, samples: np.ndarray) -> None:
        """Append float32 samples in [-1, 1]; the header follows about once a second."""
        if self._fh.closed:
            return
        data = to_pcm16(samples)
        self._fh.write(data)
        self.data_bytes += len(data)
        # flushed on every write so a killed process leaves the samples in the page cache / disk
        self._fh.flush()
        if time.monotonic() - self._last_header >= self.header_every_s:
            self.update_header()

    def update_header(self) -> None:
        if self._fh.closed or self._header_bytes == self.data_bytes:
            return
        self._fh.seek(0)
        self._fh.write(_header(self.data_bytes, self.sample_rate, self.channels))
        self._fh.seek(0, os.SEEK_END)
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())
        self._header_bytes = self.data_bytes
        self._last_header = time.monotonic()

    def close(self) -> None:
        if self._fh.closed:
            return
        self.update_header()
        self._fh.close()

    def __enter__(self) -> "WavWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass(frozen=True)
class WavState:
    path: Path
    header_data_bytes: int
    actual_data_bytes: int
    sample_rate: int
    channels: int

    @property
    def needs_repair(self) -> bool:
        return self.header_data_bytes != self.actual_data_bytes

    @property
    def duration_s(self) -> float:
        return self.actual_data_bytes / (SAMPLE_BYTES * self.channels * self.sample_rate)


def inspect_wav(path: str | Path) -> WavState | None:
    """Header sizes vs what is on disk, for the plain 44-byte PCM16 files WavWriter writes; else None."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
        size = path.stat().st_size
    except OSError:
        return None
    if len(head) < HEADER_BYTES:
        return None
    fields = struct.unpack("<4sI4s4sIHHIIHH4sI", head)
    riff, _riff_size, wave, fmt, _fmt_size, tag, channels, rate, _brate, _align, bits, data, data_size = fields
    if (riff, wave, fmt, data, tag, bits) != (b"RIFF", b"WAVE", b"fmt ", b"data", 1, 16) or channels < 1:
        return None
    frame = SAMPLE_BYTES * channels
    actual = (size - HEADER_BYTES) // frame * frame
    return WavState(path, data_size, actual, rate, channels)


def repair_wav(path: str | Path) -> bool:
    """Rewrite the header to cover every whole frame on disk; True when something was fixed."""
    state = inspect_wav(path)
    if state is None or not state.needs_repair:
        return False
    with open(state.path, "r+b") as fh:
        fh.truncate(HEADER_BYTES + state.actual_data_bytes)  # drop a half-written last frame
        fh.seek(0)
        fh.write(_header(state.actual_data_bytes, state.sample_rate, state.channels))
    log.info("repaired WAV header of %s (%.1f s)", state.path, state.duration_s)
    return True


LIVE_TAKE_PATTERNS = ("practice-*.wav", "drill-*.wav")


def repair_takes(folder: str | Path, min_age_s: float = 2.0) -> list[WavState]:
    """Repair the takes a crash left in `folder`; returns what was repaired (the caller says so).

    Files written in the last `min_age_s` are skipped: a live take elsewhere touches its file
    every block, so only an abandoned one is that quiet.
    """
    folder = Path(folder)
    repaired: list[WavState] = []
    if not folder.is_dir():
        return repaired
    now = time.time()
    # only recordings this program writes live; `score` copies users' own WAVs into the same
    # folder, and a valid file with chunks after its data must never be "repaired"
    live = [p for pattern in LIVE_TAKE_PATTERNS for p in folder.glob(pattern)]
    for path in sorted(live):
        try:
            if now - path.stat().st_mtime < min_age_s:
                continue
        except OSError:
            continue
        state = inspect_wav(path)
        if state is not None and state.needs_repair and repair_wav(path):
            repaired.append(state)
    return repaired
