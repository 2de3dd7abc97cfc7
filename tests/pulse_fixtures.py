"""PulseAudio null-sink loop for the real-audio tests.

A null sink `coach` is the default output and its monitor `coach.monitor` the default input,
so what a test plays (paplay, or pyttsx3 speech through PortAudio) comes back on the
"microphone". PortAudio reaches PulseAudio through ALSA's `pulse`/`default` devices, which
need the ALSA pulse plugin (Debian libasound2-plugins, a dependency of the pulseaudio package).

Each test session also gets its own null sink (`coach_<pid>`) and points PULSE_SINK /
PULSE_SOURCE at it for itself and every process it starts, so two test runs sharing one
PulseAudio server (developers side by side) never hear each other. In CI there is one run,
and this is the same as using `coach` directly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SINK = "coach"
MONITOR = f"{SINK}.monitor"


def _pactl(*args: str, check: bool = True) -> str:
    proc = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)
    if check and proc.returncode != 0:
        raise RuntimeError(f"pactl {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _running() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode == 0


def _load_sink(name: str) -> None:
    if name not in _pactl("list", "short", "sinks").split():
        _pactl("load-module", "module-null-sink", f"sink_name={name}")


def sink_module(name: str) -> str | None:
    """The module id of the null sink `name` (to unload exactly that one)."""
    for line in _pactl("list", "short", "modules").splitlines():
        if "module-null-sink" in line and f"sink_name={name}" in line.split():
            return line.split()[0]
    return None


def ensure_sink(private: str | None = None) -> None:
    """Start PulseAudio with the null sink (or add the sink to a running server); make it the default."""
    if not _running():
        # as root pulseaudio warns that it is not meant for root; harmless here
        subprocess.run(
            ["pulseaudio", "--start", "--exit-idle-time=-1", "-n",
             f"--load=module-null-sink sink_name={SINK}", "--load=module-native-protocol-unix"],
            capture_output=True, timeout=30,
        )
        deadline = time.monotonic() + 10
        while not _running():
            if time.monotonic() > deadline:
                raise RuntimeError("pulseaudio did not start (run `pulseaudio -vvv` to see why)")
            time.sleep(0.1)
    _load_sink(SINK)
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", MONITOR)
    if private:
        _load_sink(private)


@dataclass
class Player:
    proc: subprocess.Popen

    def is_alive(self) -> bool:
        return self.proc.poll() is None

    def join(self, timeout: float | None = None) -> None:
        self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop playing now (so nothing is left sounding into the next test)."""
        if self.is_alive():
            self.proc.terminate()
        self.proc.wait(timeout=10)


class Recorder:
    """Records the monitor in the background; `seconds` says how much has arrived so far."""

    def __init__(self, device: str):
        import sounddevice as sd

        self._frames: list[np.ndarray] = []
        self._stream = sd.InputStream(samplerate=16000, channels=1, dtype="float32", device=device,
                                      blocksize=480, callback=self._callback)

    def _callback(self, indata, _n, _t, _status):
        self._frames.append(indata[:, 0].copy())

    @property
    def seconds(self) -> float:
        return sum(len(f) for f in list(self._frames)) / 16000

    def wait_started(self, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._frames:
            if time.monotonic() > deadline:
                raise RuntimeError("the monitor delivered no audio")
            time.sleep(0.02)

    def samples(self) -> np.ndarray:
        return np.concatenate(self._frames) if self._frames else np.zeros(0, np.float32)

    def __enter__(self) -> "Recorder":
        self._stream.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stream.stop()
        self._stream.close()


@dataclass
class PulseSink:
    sink: str = SINK
    # PortAudio device name that reaches PulseAudio's default (or PULSE_SOURCE/PULSE_SINK) device
    device: str = "pulse"

    @property
    def monitor(self) -> str:
        return f"{self.sink}.monitor"

    def play(self, path: str | Path, *, background: bool = False) -> "Player | None":
        """Play a file into the sink (paplay); with background=True return the running player."""
        cmd = ["paplay", f"--device={self.sink}", str(path)]
        if not background:
            subprocess.run(cmd, check=True, timeout=300)
            return None
        return Player(subprocess.Popen(cmd))

    def record(self, seconds: float, *, during=None) -> np.ndarray:
        """Record the monitor for `seconds` (16 kHz mono float32) while `during()` runs, if given."""
        import sounddevice as sd

        frames: list[np.ndarray] = []

        def callback(indata, _n, _t, _status):
            frames.append(indata[:, 0].copy())

        with sd.InputStream(samplerate=16000, channels=1, dtype="float32", device=self.device,
                            blocksize=480, callback=callback):
            started = time.monotonic()
            if during is not None:
                during()
            remaining = seconds - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)
        return np.concatenate(frames) if frames else np.zeros(0, np.float32)

    def recorder(self) -> "Recorder":
        """A context manager that records the monitor for as long as it is open."""
        return Recorder(self.device)

    def suspend(self, on: bool = True) -> None:
        """Stop (or restart) the sink and its monitor: a recording from it gets no more audio,
        as from a microphone that was unplugged."""
        _pactl("suspend-sink", self.sink, "1" if on else "0")

    def reset(self) -> None:
        """Put the sink back as the session expects it."""
        ensure_sink(self.sink if self.sink != SINK else None)
        _pactl("suspend-sink", self.sink, "0", check=False)


@pytest.fixture(scope="session")
def pulse_sink():
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    private = f"{SINK}_{os.getpid()}"
    ensure_sink(private)
    saved = {k: os.environ.get(k) for k in ("PULSE_SINK", "PULSE_SOURCE")}
    os.environ["PULSE_SINK"], os.environ["PULSE_SOURCE"] = private, f"{private}.monitor"
    try:
        yield PulseSink(sink=private)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        module = sink_module(private)
        if module is not None:
            _pactl("unload-module", module, check=False)

