"""Speaking: the first sentence plays while the next ones render, through one PortAudio stream.

The stream opens as soon as the first sentence is rendered (so PortAudio's buffer is filled with
speech, not with silence that would play first); a callback pulls rendered samples from a queue
and plays silence if a later sentence is not ready yet, so there is one stream per feedback, not
one per sentence. PortAudio (sounddevice) is the same path as the
microphone, so "no output device" is a clear error instead of silence.

`speak` returns when the last word has been heard, not when PortAudio has taken the last buffer:
sounddevice documents that a stream ended by CallbackStop finishes once all pending buffers have
played, but through ALSA's pulse plugin the finished callback came with the last callback, 0.66 to
0.75 s before that buffer reached the sink (the DAC times the callbacks report). So each callback
notes, from its own `outputBufferDacTime`, when the last speech sample will be played, and `speak`
waits for that moment (falling back to the stream's reported latency where a host API gives no
DAC times). The interviewer opens the microphone right after, so this keeps the question's tail
out of the answer without a guessed pause.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import TYPE_CHECKING

from ... import background
from .base import TTSOptions, TTSUnavailable, chunks
from .render import PAUSE_S, SAMPLE_RATE, get_engine, render_sentence, resample

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("voicecoach")

# a sink waking from idle swallows its first ~100 ms: speech never starts earlier than this
WAKE_S = 0.12
# PortAudio's buffer. Small buffers underrun on a busy 2-core machine (ALSA's pulse plugin then
# loses whole blocks: 3 s of speech took 4.4-5 s to play, with gaps); 0.5 s and 2048-frame blocks
# played it in 3.1 s. It does not delay the first word: the buffer starts full of speech.
OUTPUT_LATENCY_S = 0.5
BLOCK_FRAMES = 2048
CLAUSE_PAUSE_S = 0.1
# a DAC delay outside this is not believed (some host APIs report 0 or garbage); the stream's
# reported latency is used instead, and the wait for the last word never exceeds it
MAX_DAC_DELAY_S = 5.0


def _sounddevice():
    from ..capture import import_sounddevice

    try:
        return import_sounddevice()
    except Exception as exc:  # noqa: BLE001 - any missing piece means "cannot play"
        raise TTSUnavailable(str(exc)) from exc


def _output(sd, device):
    try:
        return sd.query_devices(device, kind="output")
    except (ValueError, sd.PortAudioError) as exc:
        what = "no audio output device" if device is None else f"no audio output device {device!r}"
        raise TTSUnavailable(f"{what} (check `voicecoach devices`, speakers or headphones)") from exc


def output_device(device: str | int | None = None) -> dict:
    """The PortAudio output device that will play, or TTSUnavailable saying why there is none."""
    return _output(_sounddevice(), device)


class _Feed:
    """Samples waiting to be played, filled by the renderer, drained by the audio callback.

    It also tracks when the last speech sample will be heard: `put(..., speech=True)` moves the
    end of speech, and the callback that hands that sample to PortAudio turns its position in the
    block and the block's DAC time into a time.monotonic() moment (`speech_end_at`)."""

    def __init__(self):
        self.chunks: collections.deque = collections.deque()
        self.lock = threading.Lock()
        self.closed = False  # no more chunks will come
        self.played_s = 0.0
        self.queued = 0  # frames put so far
        self.consumed = 0  # frames of those handed to PortAudio
        self.speech_end = 0  # frame (in `queued` terms) just after the last speech sample put
        self.speech_end_at: float | None = None  # time.monotonic() at which that sample is heard

    def put(self, samples: "np.ndarray", speech: bool = True) -> None:
        with self.lock:
            self.chunks.append(samples)
            self.queued += len(samples)
            if speech:
                self.speech_end = self.queued

    def fill(self, out: "np.ndarray", delay_s: float | None = None) -> bool:
        """Copy queued samples into `out` (zeros where there are none); False once all is played.
        `delay_s`: how long until the block's first sample is heard."""
        n, pos = len(out), 0
        with self.lock:
            start = self.consumed
            while pos < n and self.chunks:
                head = self.chunks[0]
                take = min(n - pos, len(head))
                out[pos:pos + take] = head[:take]
                if take == len(head):
                    self.chunks.popleft()
                else:
                    self.chunks[0] = head[take:]
                pos += take
            out[pos:] = 0.0
            self.consumed += pos
            if delay_s is not None and start < self.speech_end <= self.consumed:
                # queued samples sit at the head of the block, so the end of speech is at its offset
                self.speech_end_at = time.monotonic() + delay_s + (self.speech_end - start) / SAMPLE_RATE
            self.played_s += n / SAMPLE_RATE
            return not (self.closed and not self.chunks and pos < n)


def _dac_delay(t, fallback_s: float) -> float:
    """Seconds until the block a callback fills is heard, from the callback's time info."""
    try:
        delay = float(t.outputBufferDacTime) - float(t.currentTime)
    except (AttributeError, TypeError, ValueError):
        return fallback_s
    return delay if 0.0 <= delay <= MAX_DAC_DELAY_S and t.outputBufferDacTime > 0 else fallback_s


def play(samples: "np.ndarray", sample_rate: int, device: str | int | None = None) -> None:
    """Play `samples` and wait until done (a deadline guards against a stalled device)."""
    from .base import Speech

    _stream_out([resample(Speech(samples, sample_rate))], device, deadline_s=30.0)


def _stream_out(parts, device, deadline_s: float, start_after: threading.Event | None = None) -> None:
    """Play the arrays that `parts` yields one after another; return when the stream has played
    them all. `parts` may block (rendering): silence plays meanwhile."""
    import numpy as np

    sd = _sounddevice()
    info = _output(sd, device)
    parts = iter(parts)
    first = next(parts, None)  # rendering errors of the first sentence come before any stream
    if first is None:
        return
    if start_after is not None:
        start_after.wait()
    log.debug("tts: opening the output stream at %.3f", time.monotonic())
    feed = _Feed()
    feed.put(np.zeros(int(SAMPLE_RATE * WAKE_S), np.float32), speech=False)
    feed.put(first)
    done = threading.Event()
    latency_s = [OUTPUT_LATENCY_S]  # the stream's reported latency once it is open

    def callback(outdata, frames, time_info, _status):
        more = feed.fill(outdata[:, 0], _dac_delay(time_info, latency_s[0]))
        if not more:
            raise sd.CallbackStop

    try:
        stream = sd.OutputStream(samplerate=SAMPLE_RATE, channels=1, dtype="float32", device=info["index"],
                                 latency=OUTPUT_LATENCY_S, blocksize=BLOCK_FRAMES, callback=callback,
                                 finished_callback=done.set)
        latency_s[0] = float(stream.latency)
        stream.start()
    except sd.PortAudioError as exc:
        raise TTSUnavailable(f"cannot play on {info['name']!r}: {exc}") from exc
    log.debug("tts: output stream started at %.3f", time.monotonic())
    try:
        error: BaseException | None = None
        try:
            for samples in parts:
                feed.put(samples)
        except TTSUnavailable as exc:
            error = exc  # play what was rendered, then say why the rest is missing
        # PortAudio may end the stream as soon as the callback says so, dropping what is still in
        # its buffer: silence as long as the buffer, so what could be dropped is silence
        feed.put(np.zeros(int(SAMPLE_RATE * (latency_s[0] + 0.1)), np.float32), speech=False)
        feed.closed = True
        # the stream ends when the feed is empty; a stalled device makes no progress
        last, last_played = time.monotonic(), -1.0
        while not done.wait(0.1):
            if feed.played_s != last_played:
                last, last_played = time.monotonic(), feed.played_s
            elif time.monotonic() - last > deadline_s:
                raise TTSUnavailable(f"the audio output {info['name']!r} stalled (nothing played for "
                                     f"{deadline_s:.0f} s)")
        if len(feed.chunks) > 1:  # the device ended the stream itself (unplugged, server gone)
            raise TTSUnavailable(f"the audio output {info['name']!r} stopped before the feedback was played")
        # the stream has taken everything; wait until its last word is heard (see the docstring)
        tail_s = (feed.speech_end_at or 0.0) - time.monotonic()
        log.debug("tts: stream done; the last word is heard in %.3f s", tail_s)
        if tail_s > 0:
            time.sleep(min(tail_s, MAX_DAC_DELAY_S))
        if error is not None:
            raise error
    finally:
        try:
            if not done.is_set():
                stream.abort()
            stream.close()
        except sd.PortAudioError:
            pass


class Speaking:
    """`speak` running in a thread: start it as soon as the text is known, do other work (save,
    print), then `wait()`, which re-raises the speech's TTSUnavailable.

    With `hold=True` the first sentence renders at once but nothing plays until `release()` (or
    `wait()`): practice prints its result first and still loses no time to rendering.
    """

    def __init__(self, text: str, options: TTSOptions = TTSOptions(), hold: bool = False):
        self.error: BaseException | None = None
        self._go = threading.Event()
        if not hold:
            self._go.set()
        self._thread = threading.Thread(target=self._run, args=(text, options), name="tts-speak", daemon=True)
        self._thread.start()

    def _run(self, text: str, options: TTSOptions) -> None:
        try:
            speak(text, options, start_after=self._go)
        except BaseException as exc:  # noqa: BLE001 - handed to wait()
            self.error = exc

    def release(self) -> None:
        self._go.set()

    def wait(self) -> None:
        self._go.set()
        self._thread.join()
        if self.error is not None:
            raise self.error


def speak(text: str, options: TTSOptions = TTSOptions(), *, start_after: threading.Event | None = None) -> None:
    """Say `text` aloud; TTSUnavailable (with the reason) when this machine cannot.

    The first sentence plays as soon as it is rendered (and `start_after` is set, when given),
    while the others render behind it.
    """
    import numpy as np

    text = text.strip()
    if not text:
        return
    output_device(options.output_device)  # "no output device" before any rendering
    parts = chunks(text)
    rendered: list = []
    ready = threading.Condition()

    started = time.monotonic()
    log.debug("tts: speak called at %.3f", started)
    cancel = threading.Event()  # playback ended early, or the process is exiting: render no more

    def produce() -> None:
        for part in parts:
            if cancel.is_set():
                return
            try:
                item = resample(render_sentence(part, options))
                log.debug("tts: rendered %r at +%.3f s", part[:30], time.monotonic() - started)
            except BaseException as exc:  # noqa: BLE001 - handed to the playing thread
                item = exc
            with ready:
                rendered.append(item)
                ready.notify_all()
            if isinstance(item, BaseException):
                return

    # the exit waits for the sentence being rendered (background.py), and `cancel` skips the rest
    background.start(produce, name="tts-render", stop=cancel.set)

    def in_order():
        for i in range(len(parts)):
            with ready:
                # each render has its own deadline (the engine's timeout); this one only guards a
                # renderer thread that died without a word
                if not ready.wait_for(lambda: len(rendered) > i, timeout=options.timeout_s * 3 + 30):
                    raise TTSUnavailable("speech rendering stopped without an error")
                item = rendered[i]
            if isinstance(item, TTSUnavailable):
                raise item
            if isinstance(item, BaseException):
                raise TTSUnavailable(f"speech rendering failed: {item}") from item
            if i:  # a full pause after a sentence, a short one after a clause cut by `chunks`
                pause = PAUSE_S if parts[i - 1].rstrip()[-1:] in ".!?;" else CLAUSE_PAUSE_S
                item = np.concatenate([np.zeros(int(SAMPLE_RATE * pause), np.float32), item])
            yield item

    try:
        _stream_out(in_order(), options.output_device, deadline_s=max(10.0, options.timeout_s),
                    start_after=start_after)
    finally:
        cancel.set()


def warm_up(options: TTSOptions) -> threading.Thread | None:
    """Load the configured engine (Piper's voice, the pyttsx3 worker) in the background, so the
    first sentence does not wait for it; None when there is no output device (nothing will be
    spoken, and the real `speak` says why). Errors are left for the real render to report.

    The exit waits for the warm-up (background.py); if the process is leaving by the time the
    engine is loaded, the trial render is skipped.
    """
    try:
        output_device(options.output_device)
    except TTSUnavailable as exc:
        log.debug("tts: no warm-up: %s", exc)
        return None

    def run() -> None:
        try:
            engine = get_engine(options.engine, options)
            engine.load()
            if not background.stopping():
                engine.render("Ready.")  # the first run of a model is slower than the next ones
        except Exception as exc:  # noqa: BLE001
            log.debug("tts: warm-up of %s failed: %s", options.engine, exc)

    return background.start(run, name="tts-warm-up")
