"""Every way a recording can be unusable gives one clear error; odd formats still load."""

import struct

import numpy as np
import pytest
import soundfile as sf

from voicecoach.audio.load import load_audio
from voicecoach.errors import UnusableInput


def wav_header(data_bytes: int, rate: int = 16000, channels: int = 1) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16) +
            b"data" + struct.pack("<I", data_bytes))


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "no such file"),
    (lambda p: (p.mkdir(), p)[1], "is a folder"),
    (lambda p: (p.write_bytes(b""), p)[1], "empty"),
    (lambda p: (p.write_bytes(wav_header(0)), p)[1], "no audio samples"),
    (lambda p: (p.write_bytes(b"RIFF\x00\x00garbage" * 50), p)[1], "cannot decode"),
    (lambda p: (p.write_text("this is a text file, not audio\n" * 20), p)[1], "cannot decode"),
])
def test_unusable_inputs_raise_one_clear_line(tmp_path, make, message):
    path = make(tmp_path / "take.wav")
    with pytest.raises(UnusableInput) as err:
        load_audio(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_three_hour_file_is_refused_without_decoding(tmp_path):
    path = tmp_path / "long.wav"
    size = 3 * 3600 * 32000  # three hours of 16 kHz mono PCM16
    with open(path, "wb") as f:
        f.write(wav_header(size))
        f.truncate(44 + size)  # sparse: no disk used, but every byte is there to decode
    with pytest.raises(UnusableInput, match="over the 60 min limit"):
        load_audio(path, max_duration_s=3600)


def test_stereo_44k_is_mixed_to_mono_16k(tmp_path):
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1).astype("float32") * 0.5
    path = tmp_path / "stereo.flac"
    sf.write(path, stereo, 44100)
    audio = load_audio(path)
    assert audio.sample_rate == 16000
    assert audio.samples.ndim == 1 and abs(audio.duration_s - 1.0) < 0.01
    assert 0.15 < float(np.abs(audio.samples).max()) < 0.35  # one loud channel averaged with silence


def test_ogg_vorbis_loads(tmp_path):
    path = tmp_path / "tone.ogg"
    sf.write(path, (np.sin(np.arange(22050) / 5) * 0.3).astype("float32"), 22050, format="OGG", subtype="VORBIS")
    assert 0.9 < load_audio(path).duration_s < 1.1


@pytest.mark.parametrize("ext", ["mp3", "m4a"])
def test_compressed_formats_load(tmp_path, ext):
    import av

    path = tmp_path / f"tone.{ext}"
    codec = {"mp3": "mp3", "m4a": "aac"}[ext]
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=22050)
        stream.layout = "mono"
        samples = (np.sin(2 * np.pi * 300 * np.arange(22050) / 22050) * 0.3).astype("float32")
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.sample_rate = 22050
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    audio = load_audio(path)
    assert 0.9 < audio.duration_s < 1.2
