"""pyttsx3 (espeak-ng on Linux, NSSpeechSynthesizer on macOS, SAPI5 on Windows) in a worker process.

Root cause of the empty renders (issue 12): pyttsx3 2.99's espeak driver returns from
`runAndWait()` before `save_to_file` has written anything, and espeak-ng writes the WAV later
from its own synthesis thread (details in pyttsx3_worker.py). The old code checked the file as
soon as runAndWait returned in a short-lived process: whether the WAV existed depended on
espeak-ng's thread beating interpreter shutdown, which a busy CPU loses (7 % of renders).
The worker waits for pyttsx3's own "finished-utterance" event, which fires after the WAV is
closed, so a render is complete when it replies.

One worker serves all the sentences of an engine's life (no interpreter start per sentence),
and stays a separate process so a hung driver is killed at the deadline instead of hanging us;
on macOS and Windows the driver also gets the main thread it expects.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .base import Speech, TTSOptions, TTSUnavailable

log = logging.getLogger("voicecoach")

WORKER = Path(__file__).with_name("pyttsx3_worker.py")
START_TIMEOUT_S = 30.0  # interpreter + pyttsx3 + driver; about 0.2 s on an idle machine


def _reason(text: str) -> str:
    low = text.lower()
    if "no module named 'pyttsx3'" in low:
        return "pyttsx3 is not installed: pip install pyttsx3"
    if "espeak" in low or "oserror" in low:
        return "espeak-ng is not installed: sudo apt-get install espeak-ng (macOS: brew install espeak-ng)"
    return f"pyttsx3 failed: {text.strip().splitlines()[-1] if text.strip() else 'no error output'}"


class Pyttsx3Engine:
    name = "pyttsx3"

    def __init__(self, options: TTSOptions):
        if importlib.util.find_spec("pyttsx3") is None:
            raise TTSUnavailable("pyttsx3 is not installed: pip install pyttsx3")
        self.options = options
        self._tmp = tempfile.TemporaryDirectory(prefix="voicecoach-pyttsx3-")
        self._proc: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()
        self._stderr = None
        self._count = 0

    # -- the worker --
    def _start(self) -> None:
        args = {"rate": self.options.rate_wpm, "volume": self.options.volume, "voice": self.options.voice,
                "driver": None}
        # a file, not a pipe: nobody has to drain it while the worker runs
        self._stderr = tempfile.TemporaryFile(dir=self._tmp.name)
        self._proc = subprocess.Popen([sys.executable, str(WORKER), json.dumps(args)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1)
        threading.Thread(target=self._read, args=(self._proc, self._replies), daemon=True).start()
        first = self._reply(START_TIMEOUT_S)
        if not first.get("ready"):
            self._stop()
            raise TTSUnavailable(_reason(first.get("error", "")))

    @staticmethod
    def _read(proc: subprocess.Popen, replies: queue.Queue) -> None:
        for line in proc.stdout:
            try:
                replies.put(json.loads(line))
            except ValueError:
                log.debug("pyttsx3 worker said: %s", line.rstrip())
        replies.put(None)  # the worker is gone

    def _worker_error(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def _reply(self, timeout_s: float) -> dict:
        try:
            msg = self._replies.get(timeout=timeout_s)
        except queue.Empty:
            self._stop()
            raise TTSUnavailable(f"speech synthesis hung (pyttsx3 gave no audio within {timeout_s:.0f} s)") from None
        if msg is None:
            err = self._worker_error()
            self._stop()
            raise TTSUnavailable(_reason(err))
        return msg

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for fh in (proc.stdin, proc.stdout):
            if fh:
                fh.close()
        self._replies = queue.Queue()  # a new worker gets a new reader

    # -- the engine --
    def load(self) -> None:
        """Start the worker (interpreter, pyttsx3, driver) unless it is running."""
        if self._proc is None or self._proc.poll() is not None:
            self._stop()
            self._start()

    def render(self, text: str) -> Speech:
        import soundfile as sf

        self.load()
        self._count += 1
        path = Path(self._tmp.name) / f"{self._count}.wav"
        try:
            self._proc.stdin.write(json.dumps({"text": text, "path": str(path),
                                               "timeout_s": self.options.timeout_s}) + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            err = self._worker_error()
            self._stop()
            raise TTSUnavailable(_reason(err)) from None
        msg = self._reply(self.options.timeout_s + 5.0)
        if "error" in msg:
            raise TTSUnavailable(f"pyttsx3 failed: {msg['error']}")
        try:
            samples, rate = sf.read(path, dtype="float32", always_2d=True)
        except (RuntimeError, OSError) as exc:  # soundfile.LibsndfileError is a RuntimeError
            raise TTSUnavailable(f"pyttsx3 wrote no usable audio ({exc})") from exc
        finally:
            path.unlink(missing_ok=True)
        return Speech(samples[:, 0].copy(), int(rate), self.name)

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.stdin.close()  # the worker's loop ends on EOF
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()
        if self._stderr is not None:
            self._stderr.close()
        self._tmp.cleanup()
