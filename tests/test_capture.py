"""Audio sources: the microphone through PortAudio -> PulseAudio null sink, and paced files."""

from __future__ import annotations

import time

import numpy as np
import pytest

from live_helpers import NO_AUDIO_ENV, clip, run_cli, wer, write_config
from voicecoach.audio.capture import FileSource, MicrophoneSource, _Resampler, open_source
from voicecoach.errors import UnusableInput


def first_block(source, timeout_s: float = 20.0) -> np.ndarray:
    """Wait until the device delivers (a sound server can take a moment on a busy machine)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        block = source.read(0.1)
        if block is not None:
            return block
    raise AssertionError(f"{source.name} delivered nothing in {timeout_s} s")


def read_all(source, seconds: float) -> np.ndarray:
    blocks, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline and not source.ended:
        block = source.read(0.1)
        if block is not None:
            blocks.append(block)
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


@pytest.mark.audio
@pytest.mark.model
def test_microphone_hears_what_is_played_into_the_sink(pulse_sink, transcriber, tmp_path):
    wav, text = clip("short_hello.wav", tmp_path)
    source = MicrophoneSource(pulse_sink.device)
    source.open()
    try:
        blocks = [first_block(source)]
        player = pulse_sink.play(wav, background=True)
        while player.is_alive() and not source.ended:
            block = source.read(0.1)
            if block is not None:
                blocks.append(block)
        samples = np.concatenate(blocks + [read_all(source, 1.0)])
    finally:
        source.close()
    assert not source.ended, source.end_reason
    heard = " ".join(w.text for w in transcriber.transcribe(samples))
    assert wer(text, heard) <= 0.35, heard


def test_no_input_device_is_one_clear_line(voicecoach_home):
    write_config(voicecoach_home)
    proc = run_cli("practice", "--no-speak", env=NO_AUDIO_ENV, timeout=60)
    assert proc.returncode == 4, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("voicecoach:")]
    assert len(lines) == 1 and "no input device" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_device_name_is_one_clear_line(pulse_sink, voicecoach_home):
    write_config(voicecoach_home)
    proc = run_cli("practice", "--no-speak", "--input", "no-such-microphone-xyz", timeout=60)
    assert proc.returncode == 4
    assert "no input device 'no-such-microphone-xyz'" in proc.stderr
    assert "voicecoach devices" in proc.stderr


def test_devices_lists_inputs_and_outputs_and_checks_the_level(pulse_sink, tmp_path):
    import json

    wav, _text = clip("short_hello.wav", tmp_path)
    player = pulse_sink.play(wav, background=True)
    proc = run_cli("devices", "--json", "--seconds", "2", "--input", pulse_sink.device, timeout=60)
    player.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    names = [d["name"] for d in data["devices"]]
    assert pulse_sink.device in names
    check = data["level_check"]
    assert check["seconds"] == pytest.approx(2.0, abs=0.5)
    assert check["peak_dbfs"] > -40  # the clip was playing into the monitor


def test_file_source_paced_and_unpaced_give_the_same_samples(tmp_path):
    wav, _ = clip("short_hello.wav", tmp_path)
    fast = FileSource(wav, speed=0, tail_silence_s=1.0)
    fast.open()
    a = read_all(fast, 30)
    paced = FileSource(wav, speed=8.0, tail_silence_s=1.0)
    paced.open()
    b = read_all(paced, 30)
    assert fast.ended and paced.ended and fast.end_reason == "end of the recording"
    assert np.array_equal(a, b)
    assert np.all(a[-16000:] == 0)  # the tail is silence


def test_open_source_picks_file_device_or_error(tmp_path):
    wav, _ = clip("short_hello.wav", tmp_path)
    assert isinstance(open_source(str(wav)), FileSource)
    assert isinstance(open_source("3"), MicrophoneSource) and open_source("3").device == 3
    assert isinstance(open_source(None), MicrophoneSource)
    with pytest.raises(UnusableInput):
        open_source(str(tmp_path / "missing.wav"))


def test_resampler_keeps_pitch_and_length():
    rate = 48000
    t = np.arange(rate * 2) / rate
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    res = _Resampler(rate)
    out = np.concatenate([res(tone[i:i + 1440]) for i in range(0, len(tone), 1440)])
    assert len(out) == pytest.approx(32000, abs=2)
    spectrum = np.abs(np.fft.rfft(out[:16000]))
    assert np.argmax(spectrum) == pytest.approx(440, abs=2)  # 1 Hz bins over 1 s


def test_missing_portaudio_or_sounddevice_is_an_install_hint(monkeypatch):
    import builtins

    from voicecoach.audio.capture import import_sounddevice
    from voicecoach.errors import MissingDependency

    real_import = builtins.__import__

    def broken(reason):
        def fake(name, *args, **kwargs):
            if name == "sounddevice":
                raise reason
            return real_import(name, *args, **kwargs)
        return fake

    # what sounddevice raises when the PortAudio library itself is absent
    monkeypatch.setattr(builtins, "__import__", broken(OSError("PortAudio library not found")))
    with pytest.raises(MissingDependency, match="apt-get install libportaudio2"):
        import_sounddevice()
    monkeypatch.setattr(builtins, "__import__", broken(ImportError("No module named 'sounddevice'")))
    with pytest.raises(MissingDependency, match="pip install sounddevice"):
        import_sounddevice()
