"""The crash-safe WAV writer and the repair of what a crash leaves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import soundfile as sf

from voicecoach.audio.wavio import WavWriter, inspect_wav, repair_takes, repair_wav


def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_written_file_reads_back_exactly(tmp_path):
    path = tmp_path / "a.wav"
    samples = tone(2.3)
    with WavWriter(path) as w:
        for i in range(0, len(samples), 480):
            w.write(samples[i:i + 480])
    data, rate = sf.read(path, dtype="float32")
    assert rate == 16000
    assert len(data) == len(samples)
    assert np.max(np.abs(data - samples)) < 1e-3
    assert not inspect_wav(path).needs_repair


def test_header_is_valid_while_writing(tmp_path):
    path = tmp_path / "live.wav"
    w = WavWriter(path, header_every_s=0.0)  # every write updates the header
    w.write(tone(1.0))
    # another reader sees a complete WAV while the writer is still open
    data, _ = sf.read(path, dtype="float32")
    assert len(data) == 16000
    w.close()


def test_kill_9_leaves_a_playable_file_and_repair_recovers_the_rest(tmp_path):
    path = tmp_path / "takes" / "practice-20260101-000000.wav"
    script = textwrap.dedent(f"""
        import time, numpy as np
        from voicecoach.audio.wavio import WavWriter
        w = WavWriter({str(path)!r})
        block = (0.2 * np.sin(np.arange(480) / 5)).astype(np.float32)
        while True:
            w.write(block)
            time.sleep(0.01)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until a couple of header updates have happened
            state = inspect_wav(path)
            if state is not None and state.header_data_bytes >= 2 * 32000:
                break
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    # playable as is, up to the last header update
    info = sf.info(path)
    assert info.frames >= 2 * 16000
    before = inspect_wav(path)
    assert before.actual_data_bytes >= before.header_data_bytes
    # the next start repairs it (a fresh file is left alone until it is old enough)
    assert repair_takes(path.parent, min_age_s=3600) == []
    repaired = repair_takes(path.parent, min_age_s=0)
    if before.needs_repair:
        assert [r.path for r in repaired] == [path]
    after = sf.info(path)
    assert after.frames == before.actual_data_bytes // 2
    assert not inspect_wav(path).needs_repair


def test_repair_truncates_half_frame_and_ignores_other_files(tmp_path):
    path = tmp_path / "t.wav"
    w = WavWriter(path, header_every_s=3600)
    w.write(tone(0.5))
    w._fh.write(b"\x01")  # a half-written sample, as a kill can leave
    w._fh.flush()
    assert repair_wav(path)
    assert sf.info(path).frames == 8000
    assert not repair_wav(path)
    (tmp_path / "junk.wav").write_bytes(b"not a wav at all")
    assert repair_takes(tmp_path, min_age_s=0) == []


def test_repair_leaves_files_it_did_not_record_alone(tmp_path):
    """`score` copies users' WAVs into takes/: one with a chunk after its data is valid as it is."""
    user_wav = tmp_path / "interview-answer.wav"
    sf.write(user_wav, tone(0.5), 16000)
    with open(user_wav, "ab") as f:  # a LIST chunk after the data, as many editors write
        f.write(b"LIST" + (12).to_bytes(4, "little") + b"INFOISFT\x04\x00\x00\x00abc\x00")
    before = user_wav.read_bytes()
    assert repair_takes(tmp_path, min_age_s=0) == []
    assert user_wav.read_bytes() == before

