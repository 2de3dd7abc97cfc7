"""PulseAudio null-sink loop for the real-audio tests.

A null sink `coach` is the default output and its monitor `coach.monitor` the default input,
so what a test plays (paplay, or pyttsx3 speech through PortAudio) comes back on the
"microphone". PortAudio reaches PulseAudio through ALSA's `pulse`/`default` devices, which
need the ALSA pulse plugin (Debian libasound2-plugins, a dependency of the pulseaudio package).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SINK = "coach"
MONITOR = "coach.monitor"


def _pactl(*args: str, check: bool = True) -> str:
    proc = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)
    if check and proc.returncode != 0:
        raise RuntimeError(f"pactl {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _running() -> bool:
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode == 0


def ensure_sink() -> None:
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
    if SINK not in _pactl("list", "short", "sinks").split():
        _pactl("load-module", "module-null-sink", f"sink_name={SINK}")
    _pactl("set-default-sink", SINK)
    _pactl("set-default-source", MONITOR)


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


@dataclass
class PulseSink:
    sink: str = SINK
    monitor: str = MONITOR
    # PortAudio device name that reaches PulseAudio's default source/sink
    device: str = "pulse"

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

    def reset(self) -> None:
        """Put the sink back (tests that unload it to simulate a vanished device call this)."""
        ensure_sink()


@pytest.fixture(scope="session")
def pulse_sink():
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        pytest.skip("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    ensure_sink()
    yield PulseSink()

