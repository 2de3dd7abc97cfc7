"""A practice round: show the task, record a take while transcribing it, score it, coach it.

The take is written to `<user folder>/takes/` while it is recorded (crash-safe WAV), and it is
kept whatever ends the recording: the end-of-speech silence, the time limit, Enter, Ctrl-C, the
device going away. A second Ctrl-C leaves at once with the WAV intact. Display goes through a
`ui` object (sessions/live.py) so this module never prints.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from ..config import Config, user_dir
from ..speech.stream import LiveSession, LiveStatus, StreamOptions, StreamResult
from ..types import ScoreResult, Timing
from ..audio.wavio import WavState, WavWriter, repair_takes

log = logging.getLogger("voicecoach")

TAKES_DIR = "takes"


@dataclass(frozen=True)
class Task:
    """What the user answers: a scenario from the bank, or the built-in generic prompt."""

    id: str | None
    title: str
    language: str  # Pygments lexer name
    snippet: str
    prompt: str
    time_box_s: float
    scenario: Any = None  # the scenarios.Scenario when there is one (for coaching)


GENERIC_TASK = Task(
    id=None, title="Explain a bug", language="python",
    snippet=(
        "def page(items, page_no, size=20):\n"
        "    start = page_no * size          # page_no starts at 1\n"
        "    return items[start:start + size]\n"
    ),
    prompt=("Explain out loud what is wrong with this code, how you would fix it, and why it matters. "
            "Lead with the problem in one sentence."),
    time_box_s=120.0,
)


def load_task(scenario_id: str | None) -> Task:
    if scenario_id is None:
        return GENERIC_TASK
    from ..coach.scenarios import get_scenario

    s = get_scenario(scenario_id)
    return Task(s.id, s.title, s.language, s.snippet, s.prompt, float(s.time_box_s), s)


@dataclass(frozen=True)
class PracticeOptions:
    max_seconds: float | None = None  # None: the task's time box
    end_silence_s: float = 2.0
    countdown_s: int = 3
    speak: bool = True
    stream: StreamOptions = field(default_factory=StreamOptions)

    @classmethod
    def from_config(cls, cfg: Config, *, max_seconds: float | None = None, end_silence_s: float | None = None,
                    speak: bool | None = None, countdown_s: int | None = None) -> "PracticeOptions":
        p: Mapping = cfg.section("practice")
        end = float(end_silence_s if end_silence_s is not None else p.get("end_silence_s", 2.0))
        return cls(
            max_seconds=max_seconds if max_seconds is not None else (p.get("max_seconds") or None),
            end_silence_s=end,
            countdown_s=int(countdown_s if countdown_s is not None else p.get("countdown_s", 3)),
            speak=bool(p.get("speak", True)) if speak is None else speak,
            stream=StreamOptions.from_config(p, end_silence_s=end),
        )


class PracticeUI(Protocol):
    def show_task(self, task: Task, max_seconds: float) -> None: ...
    def countdown(self, seconds: int) -> None: ...
    def status(self, status: LiveStatus, max_seconds: float) -> None: ...
    def stopped(self, reason: str, detail: str | None) -> None: ...
    def message(self, text: str) -> None: ...


@dataclass(frozen=True)
class Take:
    path: Path
    stop_reason: str  # end_silence | max_seconds | enter | interrupt | source_ended | disk_full
    detail: str | None  # the source's own reason when it ended by itself
    stream: StreamResult
    result: ScoreResult
    finalize_s: float  # end of capture to result ready


class StopControl:
    """Enter and Ctrl-C while recording: the first stops the take, a second Ctrl-C leaves at once."""

    def __init__(self, on_exit_now: Callable[[], None] | None = None, watch_enter: bool | None = None):
        self.reason: str | None = None
        self.writer: WavWriter | None = None
        self.on_exit_now = on_exit_now
        self.watch_enter = sys.stdin.isatty() if watch_enter is None else watch_enter
        self._old = None

    def __enter__(self) -> "StopControl":
        self._old = signal.signal(signal.SIGINT, self._sigint)
        return self

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self._old or signal.default_int_handler)

    def _sigint(self, _sig, _frame) -> None:
        if self.reason != "interrupt":
            self.reason = "interrupt"
            return
        # second Ctrl-C: make the WAV header cover what was written, then go
        if self.writer is not None:
            self.writer.close()
        if self.on_exit_now is not None:
            self.on_exit_now()
        os._exit(130)

    def check(self) -> str | None:
        if self.reason is None and self.watch_enter:
            try:
                ready, _, _ = select.select([sys.stdin], [], [], 0)
                if ready:
                    line = sys.stdin.readline()
                    if line == "":
                        self.watch_enter = False  # EOF: nobody to press Enter
                    else:
                        self.reason = "enter"
            except (OSError, ValueError):
                self.watch_enter = False
        return self.reason


def new_take_path(now: datetime | None = None) -> Path:
    folder = user_dir() / TAKES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = folder / f"practice-{stamp}.wav"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"practice-{stamp}-{n}.wav"
    return path


def repair_left_takes() -> list[WavState]:
    """Headers of takes a crash left behind, fixed on the next start (the caller says so)."""
    return repair_takes(user_dir() / TAKES_DIR)


def record_take(source, scorer, options: PracticeOptions, *, max_seconds: float, path: Path,
                control: StopControl | None = None, on_status: Callable[[LiveStatus], None] | None = None) -> Take:
    """Record from an opened `source` until a stop condition, transcribing as it goes; score it."""
    session = LiveSession(scorer, options.stream)
    writer = WavWriter(path)
    if control is not None:
        control.writer = writer
    reason: str | None = None
    started = time.perf_counter()
    try:
        while reason is None:
            block = source.read(0.05)
            if block is not None and block.size:
                writer.write(block)
                if writer.error is not None:  # disk full: what is on disk is the take
                    reason = "disk_full"
                    break
                status = session.feed(block)
                if on_status is not None:
                    on_status(status)
                if status.end_of_speech:
                    reason = "end_silence"
                elif status.elapsed_s >= max_seconds:
                    reason = "max_seconds"
            if reason is None and control is not None:
                reason = control.check()
            if reason is None and source.ended:
                reason = "source_ended"
    except BaseException:
        session.abort()
        raise
    finally:
        end_of_capture = time.perf_counter()
        source.close()
        writer.close()
    stream = session.finish(end_of_capture)
    timing = Timing(load_s=round(getattr(scorer.transcriber, "load_s", 0.0), 3),
                    transcribe_s=stream.transcribe_s, total_s=0.0)
    result = scorer.build_result(str(path), writer.duration_s, stream.words, timing)
    finalize_s = round(time.perf_counter() - end_of_capture, 3)
    timing = Timing(timing.load_s, timing.transcribe_s, round(time.perf_counter() - started, 3))
    result = ScoreResult(result.path, result.duration_s, result.model, result.transcript, result.delivery,
                         timing, result.no_speech, dict(result.extra))
    detail = source.end_reason if reason == "source_ended" else None
    if reason == "disk_full":
        from ..audio.wavio import disk_message

        detail = (f"{disk_message(writer.error, path)}; the {writer.duration_s:.1f} s recorded are kept at {path} "
                  f"(free some space before the next take)")
    return Take(path, reason, detail, stream, result, finalize_s)


def run_practice(source, scorer, task: Task, options: PracticeOptions, ui: PracticeUI,
                 control: StopControl | None = None) -> Take:
    """Show the task, count down, record (source opened first so device errors come before the wait)."""
    max_seconds = float(options.max_seconds or task.time_box_s)
    source.open()
    try:
        ui.show_task(task, max_seconds)
        scorer.transcriber  # load the model before the countdown, not while the person speaks
        ui.countdown(options.countdown_s)
    except BaseException:
        source.close()
        raise
    take = record_take(source, scorer, options, max_seconds=max_seconds, path=new_take_path(),
                       control=control, on_status=lambda s: ui.status(s, max_seconds))
    ui.stopped(take.stop_reason, take.detail)
    return take


def result_json(take: Take) -> dict[str, Any]:
    """The `score` JSON plus timing.finalize_s and how the take ended."""
    data = take.result.to_dict()
    data["timing"]["finalize_s"] = take.finalize_s
    data["practice"] = {
        "stop_reason": take.stop_reason, "stop_detail": take.detail, "utterances": take.stream.utterances,
        "speech_s": take.stream.speech_s,
    }
    return data


def coach_take(data: dict[str, Any], task: Task, cfg: Config) -> tuple[list[str], str]:
    """(feedback lines, spoken text); adds structure/overall/feedback/spoken to `data`."""
    from ..coach.evaluate import coach

    data.update(coach(data, task.scenario, cfg))
    lines = [str(item["text"]) for item in data.get("feedback", [])]
    return lines, str(data.get("spoken") or " ".join(lines[:2]))


def save_take(data: dict[str, Any], take: Take, task: Task, options: PracticeOptions) -> int:
    """Record the take in the history store; the take id."""
    from ..store.db import open_store

    settings = {"max_seconds": options.max_seconds, "end_silence_s": options.end_silence_s}
    with open_store() as store:
        return store.save_take(data, kind="practice", audio_path=take.path, scenario_id=task.id,
                               settings=settings, move_audio=True)
