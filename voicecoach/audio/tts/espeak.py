"""espeak-ng run directly: one short `espeak-ng --stdout` process per sentence.

The CLI is synchronous (it exits after writing the last sample), so a render can neither come
back early nor leak into the next one: the trap pyttsx3's espeak driver falls into
(pyttsx3_engine.py).
"""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess

from .base import Speech, TTSOptions, TTSUnavailable

log = logging.getLogger("voicecoach")

INSTALL_HINT = "espeak-ng is not installed: sudo apt-get install espeak-ng (macOS: brew install espeak-ng)"


def parse_wav(data: bytes) -> tuple[bytes, int]:
    """(PCM16 mono bytes, sample rate) of the WAV espeak-ng streams to stdout.

    Streamed WAVs carry placeholder sizes (0x7fffffff), so the data runs to the end of the bytes
    rather than to the size in the header; soundfile would reject or clip them.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV")
    pos, rate = 12, 0
    while pos + 8 <= len(data):
        chunk, size = struct.unpack("<4sI", data[pos:pos + 8])
        body = pos + 8
        if chunk == b"fmt ":
            tag, channels, rate, _br, _align, bits = struct.unpack("<HHIIHH", data[body:body + 16])
            if (tag, channels, bits) != (1, 1, 16):
                raise ValueError(f"unexpected WAV format {tag}/{channels}ch/{bits}bit")
        elif chunk == b"data":
            pcm = data[body:] if size >= 0x7FFFFFF0 or body + size > len(data) else data[body:body + size]
            return pcm[: len(pcm) // 2 * 2], rate
        pos = body + size + (size & 1)
    raise ValueError("WAV without a data chunk")


class EspeakEngine:
    name = "espeak-ng"

    def __init__(self, options: TTSOptions):
        self.options = options
        self.binary = shutil.which("espeak-ng") or shutil.which("espeak")
        if self.binary is None:
            raise TTSUnavailable(INSTALL_HINT)

    def command(self) -> list[str]:
        amplitude = max(0, min(200, round(self.options.volume * 100)))  # espeak-ng's 100 = normal
        cmd = [self.binary, "--stdout", "-s", str(int(self.options.rate_wpm)), "-a", str(amplitude)]
        if self.options.voice:
            cmd += ["-v", self.options.voice]
        return cmd

    def render(self, text: str) -> Speech:
        import numpy as np

        try:  # the text goes on stdin, so one starting with "-" is never read as an option
            proc = subprocess.run(self.command(), input=text.encode("utf-8"), capture_output=True,
                                  timeout=self.options.timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise TTSUnavailable(f"espeak-ng gave no audio within {self.options.timeout_s:.0f} s") from exc
        except OSError as exc:
            raise TTSUnavailable(f"{INSTALL_HINT} ({exc})") from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = err[-1] if err else f"exit status {proc.returncode}"
            if "voice" in reason.lower():
                reason += f" (`espeak-ng --voices` lists them; [tts.voices] espeak-ng = {self.options.voice!r})"
            raise TTSUnavailable(f"espeak-ng failed: {reason}")
        try:
            pcm, rate = parse_wav(proc.stdout)
        except (ValueError, struct.error) as exc:
            raise TTSUnavailable(f"espeak-ng wrote no usable audio ({exc})") from exc
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        return Speech(samples, rate, self.name)

    def close(self) -> None:
        pass
