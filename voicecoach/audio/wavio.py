"""A WAV writer that survives a crash, and the repair of what a crash leaves.

The take is written while it is recorded: samples are appended and flushed as they come and the
RIFF/data sizes in the header are rewritten about once a second, so after kill -9 the file on
disk is a valid WAV up to the last header update (the data after it is still there). On the next
start `repair_takes()` rewrites the headers of such files so every recorded sample plays.

A full disk (or any write error) mid-take does not lose the take: the writer stops, keeps the
whole frames that reached the disk, points the header at them (rewriting 44 bytes in place needs
no new space) and reports the error in `error`, so the caller ends the take and says so.
"""

from __future__ import annotations

import logging
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import VoiceCoachError
from .load import SAMPLE_RATE, to_pcm16

log = logging.getLogger("voicecoach")

HEADER_BYTES = 44
SAMPLE_BYTES = 2  # 16-bit PCM


class DiskFull(VoiceCoachError):
    """Nothing could be written where the take goes (the message says where and what to do)."""


def disk_message(exc: OSError, path: Path) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk holding {path.parent} is full"
    return f"cannot write to {path.parent} ({exc.strerror or exc})"


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
        self.error: OSError | None = None  # set when a write failed; the file then stays as it was
        self._header_bytes = 0
        self._last_header = time.monotonic()
        try:
            # unbuffered: every write reaches the OS at once, so what the header counts is on disk
            self._fh = open(self.path, "wb", buffering=0)  # noqa: SIM115 - kept open for the whole take
            self._write_all(_header(0, sample_rate, channels))
        except OSError as exc:
            if getattr(self, "_fh", None) is not None:
                self._fh.close()
            self.path.unlink(missing_ok=True)
            raise DiskFull(f"{disk_message(exc, self.path)}: cannot start recording; free some space "
                           f"(or set VOICECOACH_HOME to another disk)") from exc

    def _write_all(self, data: bytes) -> int:
        """Write `data`; returns how many bytes reached the file (less only when OSError is raised)."""
        view, done = memoryview(data), 0
        while done < len(view):
            n = self._fh.write(view[done:])
            if not n:
                raise OSError(28, "No space left on device")
            done += n
        return done

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
        if self._fh.closed or self.error is not None:
            return
        data = to_pcm16(samples)
        view, done = memoryview(data), 0
        try:  # unbuffered: a killed process leaves every written sample in the page cache / disk
            while done < len(view):
                n = self._fh.write(view[done:])
                if not n:
                    raise OSError(28, "No space left on device")
                done += n
        except OSError as exc:
            self._failed(exc, done)
            return
        self.data_bytes += done
        if time.monotonic() - self._last_header >= self.header_every_s:
            self.update_header()

    def _failed(self, exc: OSError, partial: int) -> None:
        """Keep the whole frames that made it, drop a torn last one, and fix the header."""
        self.error = exc
        frame = SAMPLE_BYTES * self.channels
        self.data_bytes += partial // frame * frame
        log.warning("recording stopped: %s", disk_message(exc, self.path))
        try:
            self._fh.truncate(HEADER_BYTES + self.data_bytes)
        except OSError:
            pass
        self.update_header()

    def update_header(self) -> None:
        if self._fh.closed or self._header_bytes == self.data_bytes:
            return
        try:
            self._fh.seek(0)
            self._fh.write(_header(self.data_bytes, self.sample_rate, self.channels))  # in place: no new blocks
            self._fh.seek(0, os.SEEK_END)
            if self.fsync:
                os.fsync(self._fh.fileno())
        except OSError as exc:  # the data is still there; the next start's repair_takes fixes the header
            if self.error is None:
                self.error = exc
                log.warning("recording stopped: %s", disk_message(exc, self.path))
            return
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
