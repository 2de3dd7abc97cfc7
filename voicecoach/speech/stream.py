"""Streaming transcription: transcribe while the person speaks, so little is left when they stop.

webrtcvad marks each 30 ms frame as speech or not. An utterance opens at speech onset (with a
little audio before it) and closes at a pause; closed utterances go to one worker thread that
calls `Scorer.transcribe_chunk` with the text so far as context, the same call a whole file
goes through. When capture ends, only the utterance still open is left to transcribe.

Short utterances transcribe worse than long ones (Whisper has less context), so a pause only
closes an utterance once it is `min_chunk_s` long; a longer pause (`close_pause_s`) closes any
utterance, which means the last one is usually done before the end-of-speech silence has passed.

`LiveSession` is the reusable piece: feed it blocks, read `LiveStatus` (level, speech, running
pace, end of speech) after each, and `finish()` for the words and timing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .. import background
from ..audio.load import SAMPLE_RATE, to_pcm16
from ..types import Word
from ..audio.vad import vad

log = logging.getLogger("voicecoach")

FRAME_SAMPLES = SAMPLE_RATE * 30 // 1000  # webrtcvad accepts 10, 20 or 30 ms frames


@dataclass(frozen=True)
class StreamOptions:
    vad_aggressiveness: int = 2
    end_silence_s: float = 2.0
    split_pause_s: float = 0.3
    close_pause_s: float = 0.8
    min_chunk_s: float = 8.0
    max_chunk_s: float = 25.0
    pre_roll_s: float = 0.3
    onset_speech_s: float = 0.15
    min_speech_s: float = 0.3
    pace_window_s: float = 10.0

    @classmethod
    def from_config(cls, section: Mapping, **overrides) -> "StreamOptions":
        known = {k: type(getattr(cls(), k))(v) for k, v in section.items() if k in cls.__dataclass_fields__}
        known.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**known)


@dataclass(frozen=True)
class LiveStatus:
    """What the live line shows after each block."""

    elapsed_s: float
    level_dbfs: float
    speaking: bool
    heard_speech: bool
    silence_s: float  # since the last speech frame (0 while speaking)
    wpm: float | None  # running pace over the last `pace_window_s` of transcribed speech
    words: int
    end_of_speech: bool  # silent for end_silence_s after having spoken


@dataclass(frozen=True)
class PaceUpdate:
    """Sent each time an utterance has been transcribed."""

    at_s: float  # end of the transcribed audio, seconds from the start of the take
    wpm: float | None
    words_total: int
    new_words: tuple[Word, ...]


@dataclass(frozen=True)
class StreamResult:
    words: list[Word]
    duration_s: float
    speech_s: float
    utterances: int
    transcribe_s: float  # worker time spent transcribing (overlapped with speech)
    finalize_s: float  # end of capture (finish() called) to words ready


def running_wpm(words: list[Word], at_s: float, window_s: float) -> float | None:
    """Words ending in the last `window_s` before `at_s`, per minute; None before any speech."""
    if not words:
        return None
    start = max(at_s - window_s, words[0].start_s)
    span = at_s - start
    if span < 2.0:  # two seconds of speech is too little for a rate
        return None
    count = sum(1 for w in words if start < w.end_s <= at_s)
    return round(count / span * 60.0, 1)


class LiveSession:
    """Feed 16 kHz mono blocks; utterances are transcribed in the background as they close."""

    def __init__(self, scorer, options: StreamOptions = StreamOptions(), *,
                 on_pace: Callable[[PaceUpdate], None] | None = None):
        self.scorer = scorer
        self.options = options
        self.on_pace = on_pace
        self._vad = vad(options.vad_aggressiveness)
        self._pending = np.zeros(0, np.float32)  # samples not yet cut into frames
        self._frames = 0  # frames seen
        self._history: deque[bool] = deque(maxlen=max(1, round(options.onset_speech_s / 0.03) * 2))
        self._buffer: list[np.ndarray] = []  # audio of the open utterance (or the pre-roll)
        self._buffer_start = 0  # sample index where _buffer starts
        self._in_utt = False
        self._utt_speech_frames = 0
        self._silent_frames = 0
        self._speech_frames = 0
        self._heard = False
        self._level = -120.0
        self._words: list[Word] = []
        self._words_lock = threading.Lock()
        self._wpm: float | None = None
        self._jobs: queue.Queue = queue.Queue()
        self._utterances = 0
        self._transcribe_s = 0.0
        self._error: BaseException | None = None
        self._busy = False
        self._split_frames = max(1, round(options.split_pause_s / 0.03))
        self._draft_seq = 0
        self._draft_id: int | None = None  # the draft still valid for the open utterance
        self._draft_speech = -1  # speech frames of the utterance when that draft was taken
        # CTranslate2 runs in this thread: the exit waits for the utterance in progress (leaving
        # while it runs crashes the process, background.py) and abort() drops the rest
        self._worker = background.start(self._work, name="voicecoach-transcribe", stop=self.abort)

    # -- audio in ------------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return (self._frames * FRAME_SAMPLES + len(self._pending)) / SAMPLE_RATE

    def feed(self, block: np.ndarray) -> LiveStatus:
        if block.size:
            rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
            self._level = 20 * np.log10(max(rms, 1e-6))
        self._pending = np.concatenate([self._pending, block.astype(np.float32, copy=False)])
        while len(self._pending) >= FRAME_SAMPLES:
            frame, self._pending = self._pending[:FRAME_SAMPLES], self._pending[FRAME_SAMPLES:]
            self._frame(frame)
        return self.status()

    def _frame(self, frame: np.ndarray) -> None:
        speech = self._vad.is_speech(to_pcm16(frame), SAMPLE_RATE)
        self._frames += 1
        self._history.append(speech)
        self._buffer.append(frame)
        o = self.options
        if speech:
            self._speech_frames += 1
            self._silent_frames = 0
            if self._speech_frames * 0.03 >= o.min_speech_s:
                self._heard = True
        else:
            self._silent_frames += 1
        if not self._in_utt:
            # open on a run of speech (a click is one frame); keep a little audio before it
            if sum(self._history) * 0.03 >= o.onset_speech_s:
                self._in_utt = True
                self._utt_speech_frames = sum(self._history)
            else:
                keep = max(1, round((o.pre_roll_s) / 0.03))
                if len(self._buffer) > keep:
                    drop = len(self._buffer) - keep
                    del self._buffer[:drop]
                    self._buffer_start += drop * FRAME_SAMPLES
            return
        if speech:
            self._utt_speech_frames += 1
            self._draft_id = None  # speech resumed: a draft in flight is of no use any more
        length_s = len(self._buffer) * 0.03
        pause_s = self._silent_frames * 0.03
        if ((pause_s >= o.split_pause_s and length_s >= o.min_chunk_s) or pause_s >= o.close_pause_s
                or length_s >= o.max_chunk_s):
            self._close_utterance()
        elif self._silent_frames == self._split_frames and not self._busy and self._jobs.empty():
            self._submit_draft()

    def _submit_draft(self) -> None:
        """Transcribe the open utterance now, while the worker is idle, in case this pause ends it.

        If the pause grows into the end of the utterance with no speech added, the draft's words
        are used as they are (only silence differs), so the last utterance is usually done before
        the end-of-speech silence has passed. If speech resumes, the draft is dropped.
        """
        self._draft_seq += 1
        self._draft_id = self._draft_seq
        self._draft_speech = self._utt_speech_frames
        self._jobs.put(("draft", self._draft_id, np.concatenate(self._buffer), self._buffer_start / SAMPLE_RATE,
                        time.perf_counter()))

    def _close_utterance(self) -> None:
        if self._buffer and self._utt_speech_frames * 0.03 >= self.options.min_speech_s / 2:
            chunk = np.concatenate(self._buffer)
            self._utterances += 1
            draft = self._draft_id if self._draft_speech == self._utt_speech_frames else None
            self._jobs.put(("chunk", draft, chunk, self._buffer_start / SAMPLE_RATE, time.perf_counter()))
        self._draft_id = None
        self._buffer_start += sum(len(b) for b in self._buffer)
        self._buffer = []
        self._in_utt = False
        self._utt_speech_frames = 0
        self._history.clear()

    # -- transcription -------------------------------------------------------------------------
    def _work(self) -> None:
        drafts: dict[int, list[Word]] = {}
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, draft_id, chunk, offset_s, queued = job
            try:
                if kind == "draft":
                    if draft_id == self._draft_id:  # skip drafts made stale while they waited
                        drafts = {draft_id: self._transcribe(chunk, offset_s, queued, "draft")}
                    continue
                new = drafts.pop(draft_id, None) if draft_id is not None else None
                if new is None:
                    new = self._transcribe(chunk, offset_s, queued, "utterance")
                else:
                    log.debug("utterance %.1f s: draft used", offset_s)
                drafts.clear()
                at_s = offset_s + len(chunk) / SAMPLE_RATE
                with self._words_lock:
                    self._words.extend(new)
                    self._wpm = running_wpm(self._words, at_s, self.options.pace_window_s)
                    update = PaceUpdate(round(at_s, 3), self._wpm, len(self._words), tuple(new))
                if self.on_pace is not None:
                    self.on_pace(update)
            except BaseException as exc:  # noqa: BLE001 - surfaced by finish(), never lost silently
                log.error("transcribing an utterance failed: %s", exc)
                self._error = exc

    def _transcribe(self, chunk: np.ndarray, offset_s: float, queued: float, what: str) -> list[Word]:
        with self._words_lock:
            context = " ".join(w.text for w in self._words if w.source != "acoustic")
        self._busy = True
        t0 = time.perf_counter()
        try:
            return self.scorer.transcribe_chunk(chunk, offset_s=offset_s, context=context)
        finally:
            took = time.perf_counter() - t0
            self._busy = False
            self._transcribe_s += took
            log.debug("%s %.1f-%.1f s: waited %.2f s, transcribed in %.2f s", what, offset_s,
                      offset_s + len(chunk) / SAMPLE_RATE, t0 - queued, took)

    # -- state ---------------------------------------------------------------------------------
    def status(self) -> LiveStatus:
        silence_s = self._silent_frames * 0.03
        with self._words_lock:
            words, wpm = len(self._words), self._wpm
        return LiveStatus(
            elapsed_s=round(self.elapsed_s, 2), level_dbfs=round(self._level, 1),
            speaking=self._silent_frames == 0 and self._speech_frames > 0, heard_speech=self._heard,
            silence_s=round(silence_s, 2), wpm=wpm, words=words,
            end_of_speech=self._heard and silence_s >= self.options.end_silence_s,
        )

    @property
    def words(self) -> list[Word]:
        with self._words_lock:
            return list(self._words)

    def finish(self, end_of_capture: float | None = None) -> StreamResult:
        """Close the open utterance, wait for the worker, return all words.

        `end_of_capture` is the time.perf_counter() at which capture ended (default: now);
        finalize_s is measured from it.
        """
        started = time.perf_counter() if end_of_capture is None else end_of_capture
        if len(self._pending):
            pad = np.zeros(FRAME_SAMPLES - len(self._pending), np.float32)
            self._buffer.append(np.concatenate([self._pending, pad])[: len(self._pending)])
            self._pending = np.zeros(0, np.float32)
        if self._in_utt:
            self._close_utterance()
        self._jobs.put(None)
        self._worker.join()
        if self._error is not None:
            raise self._error
        words = sorted(self.words, key=lambda w: w.start_s)
        return StreamResult(
            words=words, duration_s=round(self.elapsed_s, 3), speech_s=round(self._speech_frames * 0.03, 2),
            utterances=self._utterances, transcribe_s=round(self._transcribe_s, 3),
            finalize_s=round(time.perf_counter() - started, 3),
        )

    def abort(self) -> None:
        """Stop the worker without waiting for pending utterances (second Ctrl-C)."""
        while not self._jobs.empty():
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)
