"""Audio sources for live practice: the microphone, or a recording paced as if it were live.

Both give 16 kHz mono float32 blocks of about 30 ms through `read()`, so the practice loop,
the WAV writer and the streaming transcriber see the same thing whichever the input is.
sounddevice (PortAudio) is imported only when a microphone is used, with an install hint.
"""

from __future__ import annotations

import logging
import math
import queue
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .load import SAMPLE_RATE, load_audio
from ..errors import DeviceError, MissingDependency, UnusableInput

log = logging.getLogger("voicecoach")

BLOCK_S = 0.03  # one webrtcvad frame
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".aac"}
NO_INPUT_HINT = ("plug in a microphone (or check `voicecoach devices`), or practise from a recording "
                 "with --input FILE")


class AudioSource(Protocol):
    name: str
    live: bool  # a real device (True) or a recording (False)
    ended: bool  # no more blocks will come
    end_reason: str | None  # why it ended by itself (file end, device lost)

    def open(self) -> None: ...

    def read(self, timeout_s: float = 0.1) -> np.ndarray | None:
        """The next block (16 kHz mono float32), or None when none came within `timeout_s`."""
        ...

    def close(self) -> None: ...


def import_sounddevice():
    """sounddevice, or a one-line error saying what to install."""
    try:
        import sounddevice
    except ImportError as exc:
        raise MissingDependency("sounddevice is not installed: pip install sounddevice") from exc
    except OSError as exc:  # the Python package is there, the PortAudio library is not
        raise MissingDependency(
            "the PortAudio library is missing: sudo apt-get install libportaudio2 (macOS: brew install portaudio)"
        ) from exc
    return sounddevice


def parse_device(spec: str | int | None) -> str | int | None:
    if isinstance(spec, str) and spec.strip().isdigit():
        return int(spec)
    return spec or None


def resolve_input(sd, device: str | int | None) -> dict:
    """The PortAudio input device for a name (substring), an index or None (the default)."""
    try:
        info = sd.query_devices(device, kind="input")
    except (ValueError, sd.PortAudioError) as exc:
        if device is None:
            raise DeviceError(f"no input device found: {NO_INPUT_HINT}") from exc
        raise DeviceError(f"no input device {device!r} ({exc}): see `voicecoach devices` for the names") from exc
    if info.get("max_input_channels", 0) < 1:
        raise DeviceError(f"device {info['name']!r} has no input channels: see `voicecoach devices`")
    return info


class _Resampler:
    """Linear resampling across block boundaries, for devices that refuse 16 kHz (rare: Pulse/PipeWire resample)."""

    def __init__(self, src_rate: float, dst_rate: float = SAMPLE_RATE):
        self.step = src_rate / dst_rate
        self.pos = 0.0
        self.prev = np.zeros(0, np.float32)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        buf = np.concatenate([self.prev, block])
        if len(buf) < 2 or self.pos > len(buf) - 1:
            self.prev = buf
            return np.zeros(0, np.float32)
        count = int((len(buf) - 1 - self.pos) // self.step) + 1
        where = self.pos + np.arange(count) * self.step
        out = np.interp(where, np.arange(len(buf)), buf).astype(np.float32)
        following = self.pos + count * self.step
        keep_from = int(math.floor(following))
        self.prev = buf[keep_from:]
        self.pos = following - keep_from
        return out


class MicrophoneSource:
    """A PortAudio input device through sounddevice; a device that stops delivering ends the take."""

    live = True

    def __init__(self, device: str | int | None = None, *, watchdog_s: float = 3.0, startup_s: float = 10.0):
        self.device = parse_device(device)
        self.watchdog_s = watchdog_s
        # a sound server can take a second or two to deliver the first block on a busy machine
        self.startup_s = startup_s
        self._got_block = False
        self.name = "default input" if self.device is None else str(self.device)
        self.ended = False
        self.end_reason: str | None = None
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._stream = None
        self._resample: _Resampler | None = None
        self._last_block = 0.0
        self._closing = False

    def open(self) -> None:
        sd = import_sounddevice()
        info = resolve_input(sd, self.device)
        self.name = info["name"]
        index = info["index"]
        rate = SAMPLE_RATE
        try:
            sd.check_input_settings(device=index, samplerate=SAMPLE_RATE, channels=1, dtype="float32")
        except Exception:  # noqa: BLE001 - any refusal means: record at the device's own rate
            rate = int(info["default_samplerate"])
            self._resample = _Resampler(rate)
            log.info("%s refuses 16 kHz; recording at %d Hz and resampling", self.name, rate)
        try:
            self._stream = sd.InputStream(
                device=index, samplerate=rate, channels=1, dtype="float32",
                blocksize=int(round(rate * BLOCK_S)), callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            text = str(exc)
            if "unavailable" in text.lower() or "busy" in text.lower() or "-9985" in text:
                raise DeviceError(f"input device {self.name!r} is busy (another program is using it): "
                                  "close that program or pick another device with --input") from exc
            raise DeviceError(f"cannot open input device {self.name!r}: {text}") from exc
        self._last_block = time.monotonic()
        log.info("recording from %s at %d Hz", self.name, rate)

    def _callback(self, indata, _frames, _time, status) -> None:
        if status:
            log.debug("input status: %s", status)  # overflow: a block was dropped, keep going
        self._queue.put(indata[:, 0].copy())

    def _finished(self) -> None:
        if not self._closing:
            self._lost("the input device stopped (unplugged or taken by another program)")

    def _lost(self, reason: str) -> None:
        if not self.ended:
            self.ended = True
            self.end_reason = reason
            log.warning("%s; keeping what was recorded", reason)

    def read(self, timeout_s: float = 0.1) -> np.ndarray | None:
        try:
            block = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            limit = self.watchdog_s if self._got_block else self.startup_s
            if not self.ended and time.monotonic() - self._last_block > limit:
                self._lost(f"no audio from {self.name!r} for {limit:.0f} s (device gone?)")
            return None
        self._last_block = time.monotonic()
        self._got_block = True
        return self._resample(block) if self._resample else block

    def close(self) -> None:
        self._closing = True
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception as exc:  # noqa: BLE001 - a vanished device may refuse to close
                log.debug("closing input stream: %s", exc)


class FileSource:
    """A recording sent block by block in real time (speed=1), faster (speed>1) or unpaced (speed=0).

    `tail_silence_s` of silence follow the recording, as a room goes quiet when a speaker stops,
    so a replayed take ends the way a live one does: on the end-of-speech silence.
    """

    live = False

    def __init__(self, path: str | Path, *, speed: float = 1.0, max_audio_s: float = 3600.0,
                 tail_silence_s: float = 0.0):
        self.path = Path(path)
        self.name = str(path)
        self.speed = speed
        self.tail_silence_s = tail_silence_s
        self.max_audio_s = max_audio_s
        self.ended = False
        self.end_reason: str | None = None
        self._samples = np.zeros(0, np.float32)
        self._next = 0
        self._started = 0.0
        self._closed = False

    def open(self) -> None:
        samples = load_audio(self.path, self.max_audio_s).samples
        tail = np.zeros(int(SAMPLE_RATE * self.tail_silence_s), np.float32)
        self._samples = np.concatenate([samples, tail]) if tail.size else samples
        self._started = time.monotonic()

    def read(self, timeout_s: float = 0.1) -> np.ndarray | None:
        if self._closed or self._next >= len(self._samples):
            if not self.ended:
                self.ended, self.end_reason = True, "end of the recording"
            return None
        block = int(SAMPLE_RATE * BLOCK_S)
        if self.speed > 0:  # paced: a block is due once its end has been "spoken"
            due = self._started + (self._next + block) / SAMPLE_RATE / self.speed
            wait = due - time.monotonic()
            if wait > timeout_s:
                time.sleep(timeout_s)
                return None
            if wait > 0:
                time.sleep(wait)
        out = self._samples[self._next:self._next + block]
        self._next += len(out)
        return out

    def close(self) -> None:
        self._closed = True


def open_source(spec: str | None, *, speed: float = 1.0, tail_silence_s: float = 0.0) -> AudioSource:
    """`--input`: an existing audio file, a device index, a device name, or None for the default input."""
    if spec:
        path = Path(spec).expanduser()
        if path.is_file():
            return FileSource(path, speed=speed, tail_silence_s=tail_silence_s)
        if path.suffix.lower() in AUDIO_SUFFIXES or "/" in spec:
            raise UnusableInput(f"{spec}: no such file")
    return MicrophoneSource(spec)


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate_hz: float
    default_input: bool
    default_output: bool


def list_devices() -> list[DeviceInfo]:
    sd = import_sounddevice()
    apis = sd.query_hostapis()
    default_in, default_out = (sd.default.device[0], sd.default.device[1])
    out = []
    for dev in sd.query_devices():
        out.append(DeviceInfo(
            index=dev["index"], name=dev["name"], hostapi=apis[dev["hostapi"]]["name"],
            max_input_channels=dev["max_input_channels"], max_output_channels=dev["max_output_channels"],
            default_samplerate_hz=float(dev["default_samplerate"]),
            default_input=dev["index"] == default_in, default_output=dev["index"] == default_out,
        ))
    return out


@dataclass(frozen=True)
class LevelCheck:
    device: str
    seconds: float
    rms_dbfs: float
    peak_dbfs: float

    @property
    def verdict(self) -> str:
        if self.peak_dbfs <= -90:
            return "digital silence: the input is muted or not connected"
        if self.rms_dbfs < -50:
            return "very quiet: speak during the check, or raise the input gain"
        if self.peak_dbfs > -1:
            return "clipping: lower the input gain"
        return "ok"


def dbfs(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * math.log10(max(rms, 1e-6))


def level_check(device: str | int | None = None, seconds: float = 3.0) -> LevelCheck:
    """Record `seconds` from the input and report its level."""
    source = MicrophoneSource(device)
    source.open()
    blocks: list[np.ndarray] = []
    wanted = int(seconds * SAMPLE_RATE)
    try:
        # count audio, not wall time: the first block can take a moment to arrive
        while sum(len(b) for b in blocks) < wanted and not source.ended:
            block = source.read(0.1)
            if block is not None:
                blocks.append(block)
    finally:
        source.close()
    samples = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
    peak = 20 * math.log10(max(float(np.max(np.abs(samples))) if samples.size else 0.0, 1e-6))
    return LevelCheck(source.name, round(len(samples) / SAMPLE_RATE, 2), round(dbfs(samples), 1), round(peak, 1))
