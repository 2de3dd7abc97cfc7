"""Helpers for the live-practice tests: clips with known text, WER, running the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"


def clip(name: str, tmp_path: Path) -> tuple[Path, str]:
    """(wav, text) of a fixture clip; synthesised with espeak-ng when audio_fixtures/ is not built."""
    manifest = FIXTURES / "manifest.json"
    if manifest.exists():
        for entry in json.loads(manifest.read_text()):
            if entry["file"] == name and (FIXTURES / name).exists():
                return FIXTURES / name, entry["text"]
    text = {
        "short_hello.wav": "The handler leaks a database connection on every error path.",
        "hedgy_answer.wav": "So basically I think maybe the problem is, you know, somewhere in the loop. "
                            "I guess it probably depends on the data.",
    }[name]
    out = tmp_path / name
    subprocess.run(["espeak-ng", "-w", str(out), "-s", "150", text], check=True, timeout=60)
    return out, text


def silence(path: Path, seconds: float) -> Path:
    sf.write(path, np.zeros(int(16000 * seconds), np.float32), 16000, subtype="PCM_16")
    return path


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return jiwer.wer(words(reference), words(hypothesis))


def write_config(home: Path, text: str = "[practice]\ncountdown_s = 0\n") -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """`voicecoach ARGS` as a subprocess (stdout/stderr piped, text)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "voicecoach", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=full_env, **kw)


def run_cli(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    proc = cli(*args, env=env)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def wait_for_take(home: Path, min_seconds: float = 0.0, timeout: float = 120) -> Path:
    """The take WAV once recording has started and its header covers `min_seconds`."""
    from voicecoach.audio.wavio import inspect_wav

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in (home / "takes").glob("*.wav") if (home / "takes").is_dir() else []:
            state = inspect_wav(path)
            if state is not None and state.header_data_bytes >= min_seconds * 32000:
                return path
        time.sleep(0.1)
    raise AssertionError(f"no take recording under {home / 'takes'} within {timeout} s")


# PulseAudio unreachable: PortAudio then sees no input or output device at all
NO_AUDIO_ENV = {"PULSE_SERVER": "unix:/nonexistent/voicecoach-test"}
