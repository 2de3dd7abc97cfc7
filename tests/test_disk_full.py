"""A full disk while recording (ENOSPC): what was recorded is kept, playable, and the user is told.

The real one mounts a small tmpfs as the user folder (root only, as in CI); the file-layer one
makes the writer's file refuse bytes after a budget, and runs everywhere.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import uuid

import numpy as np
import pytest
import soundfile as sf

from live_helpers import cli, clip, write_config
from voicecoach.audio.wavio import DiskFull, WavWriter, inspect_wav


class _FullAfter:
    """A raw file that takes `budget` bytes, then behaves like a full disk (partial, then ENOSPC)."""

    def __init__(self, fh, budget: int):
        self._fh, self.budget = fh, budget

    def write(self, data) -> int:
        size = os.fstat(self._fh.fileno()).st_size
        if self._fh.tell() + len(data) <= size:  # rewriting bytes in place needs no new space
            return self._fh.write(data)
        if self.budget <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = min(len(data), self.budget)
        self.budget -= n
        return self._fh.write(bytes(data[:n]))

    def __getattr__(self, name):
        return getattr(self._fh, name)


def test_a_write_error_mid_take_keeps_every_whole_frame_written(tmp_path):
    path = tmp_path / "take.wav"
    writer = WavWriter(path, header_every_s=1000)
    writer._fh = _FullAfter(writer._fh, 16000 * 2 * 3 + 1)  # 3 s and one odd byte, then full
    block = (0.2 * np.sin(np.arange(1600) / 5)).astype(np.float32)
    for _ in range(50):  # 5 s offered
        writer.write(block)
    assert isinstance(writer.error, OSError) and writer.error.errno == errno.ENOSPC
    assert writer.duration_s == pytest.approx(3.0)
    writer.write(block)  # later writes are ignored, not raised
    writer.close()
    state = inspect_wav(path)
    assert state is not None and not state.needs_repair  # the header covers exactly what is there
    samples, rate = sf.read(path, dtype="float32")
    assert rate == 16000 and len(samples) == 48000


def test_a_disk_full_before_the_first_byte_is_one_clear_error(tmp_path, monkeypatch):
    import builtins

    real_open = builtins.open

    def full_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return _FullAfter(fh, 0) if "w" in mode and str(file).endswith(".wav") else fh

    monkeypatch.setattr(builtins, "open", full_open)
    with pytest.raises(DiskFull, match="is full: cannot start recording"):
        WavWriter(tmp_path / "t.wav")
    assert not (tmp_path / "t.wav").exists()


@pytest.fixture
def small_disk(tmp_path):
    """A 400 KiB tmpfs (about 12 s of 16 kHz audio), or skip when this machine cannot mount one."""
    mnt = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the file-layer test above covers the writer)")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True,
                          text=True, timeout=30)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=30)


@pytest.mark.model
def test_practice_on_a_full_disk_keeps_the_take_scores_it_and_says_so(small_disk, tmp_path):
    home = small_disk / "home"
    write_config(home, "[practice]\ncountdown_s = 0\nspeak = false\n")
    answer, _text = clip("demo_answer.wav", tmp_path)  # about 50 s: far more than the disk holds
    proc = cli("practice", "--input", str(answer), "--json", env={"VOICECOACH_HOME": str(home)})
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("voicecoach: the disk holding") and "is full" in last and "are kept at" in last, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert data["practice"]["stop_reason"] == "disk_full"
    (take,) = sorted((home / "takes").glob("practice-*.wav"))
    state = inspect_wav(take)
    assert state is not None and not state.needs_repair
    assert 5.0 < state.duration_s < 14.0 and data["duration_s"] == pytest.approx(state.duration_s, abs=0.05)
    assert data["transcript"]["text"].strip()  # what was recorded was scored
