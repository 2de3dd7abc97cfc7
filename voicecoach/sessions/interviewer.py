"""The interviewer: its voice (a small seam over voicecoach.audio.tts) and what the screen shows.

The voice uses only `voicecoach.audio.tts.speak`, `warm_up`, `TTSOptions` and `TTSUnavailable`, so the TTS
engines behind them (pyttsx3, espeak-ng, Piper) can change without touching the mock stage.
When speech cannot be produced the interviewer says so once and goes on in writing: a session
is never lost to a missing speaker.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping, Protocol, Sequence

from .live import LiveDisplay, clock

KIND_TITLE = {"english": "English check", "cv": "CV question", "code_review": "Code review",
              "follow_up": "Follow-up"}


class Voice(Protocol):
    def say(self, text: str) -> None: ...


class SilentVoice:
    """No speech (--no-speak, --answers): the display shows every line anyway."""

    def warm_up(self) -> None:
        pass  # nothing will be spoken: nothing to load (and nothing for the exit to wait for)

    def say(self, text: str) -> None:
        del text


class TTSVoice:
    """The configured TTS voice. `say` returns once the line has been heard (speak waits for the
    last word to reach the speaker, from the stream's own timing), so the microphone opened next
    does not record the question's tail.

    A line that fails is reported once and the session goes on in writing: the engines below
    already redo a bad render and fall back to the next engine (issue 12), so a failure that
    reaches this far means no engine can speak here, and trying again on every line would only
    make each question late. `warm_up()` loads the engine while the session starts.
    """

    def __init__(self, tts_section: Mapping[str, Any], on_unavailable: Callable[[str], None] | None = None):
        from ..audio.tts import TTSOptions

        self.options = TTSOptions.from_config(tts_section)
        self.on_unavailable = on_unavailable
        self.failures: list[str] = []
        self.spoken: list[str] = []

    def warm_up(self) -> None:
        """Load the engine in the background (not when there is no output device)."""
        from ..audio.tts import warm_up

        warm_up(self.options)

    def say(self, text: str) -> None:
        if not text.strip() or self.failures:
            return
        from ..audio.tts import TTSUnavailable, speak

        try:
            speak(text, self.options)
        except TTSUnavailable as exc:
            self.failures.append(str(exc))
            if self.on_unavailable is not None:
                self.on_unavailable(f"the interviewer's voice failed ({exc}); the questions are shown in writing")
            return
        self.spoken.append(text)


class SessionClock:
    """Seconds since the session started, against its budget."""

    def __init__(self, total_s: float, now: Callable[[], float] = time.monotonic):
        self.total_s = total_s
        self._now = now
        self.started = now()

    @property
    def elapsed_s(self) -> float:
        return self._now() - self.started

    @property
    def left_s(self) -> float:
        return max(0.0, self.total_s - self.elapsed_s)

    def text(self) -> str:
        return f"{clock(self.elapsed_s)} / {clock(self.total_s)}"


def budget_now(planned_s: float, share: float, shares_left: float, session_left_s: float) -> float:
    """A part's answer limit now: its planned time, shrunk when the session has less left than
    the parts still to come were planned to take (each keeps its share of what is left)."""
    if shares_left <= 0:
        return max(0.0, min(planned_s, session_left_s))
    return max(0.0, min(planned_s, session_left_s * share / shares_left))


class MockDisplay(LiveDisplay):
    """The practice display plus the session clock on the live line and a header per question."""

    done_text = "Scoring"

    def __init__(self, console, session: SessionClock, *, interactive: bool | None = None):
        super().__init__(console, interactive=interactive)
        self.session = session
        self.position = ""

    def line(self, status, max_seconds: float) -> str:
        from .live import meter

        pace = f"{status.wpm:.0f} wpm" if status.wpm is not None else "-- wpm"
        return (f"SESSION {self.session.text()}  {self.position} {clock(status.elapsed_s)} / {clock(max_seconds)}  "
                f"REC [{meter(status.level_dbfs)}]  {pace}  {'speaking' if status.speaking else 'pause'}")

    def section(self, section, count: int, budget_s: float) -> None:
        from rich.markup import escape
        from rich.panel import Panel

        self.position = f"Q{section.index}/{count}"
        c = self.console
        c.print(f"\n[bold]{self.position} {KIND_TITLE.get(section.kind, section.kind)}[/bold]  answer limit "
                f"{clock(budget_s)}  session {self.session.text()}")
        c.print(escape(section.question))
        if section.kind == "english" and section.passage is not None:
            c.print(Panel(escape(section.passage.text), title=escape(section.passage.title), expand=False))
        elif section.kind == "code_review" and section.scenario is not None:
            from rich.syntax import Syntax

            s = section.scenario
            c.print(Panel(Syntax(s.snippet.rstrip(), s.language or "text", line_numbers=True), title=escape(s.title),
                          expand=False))
            c.print(escape(s.prompt))
        c.print("Answer when ready; stop by pausing, pressing Enter, or Ctrl-C.")

    def show_task(self, task, max_seconds: float) -> None:  # the header is printed by section()
        del task, max_seconds


def overrun_notice() -> str:
    return "Time is up for this question. Let's move on."


def summary_sentences(output: Mapping[str, Any]) -> list[str]:
    """The spoken end of the session: the overall, the best part, the part to work on and why."""
    sections: Sequence[Mapping[str, Any]] = output.get("sections") or []
    answered = [s for s in sections if s.get("answered")]
    out = ["That is the end of the session."]
    if not answered:
        return out + ["No answer was recorded, so there is nothing to score."]
    out.append(f"Your overall score is {output.get('overall', 0)} out of 100.")
    best = max(answered, key=lambda s: s.get("overall") or 0)
    worst = min(answered, key=lambda s: s.get("overall") or 0)
    out.append(f"Strongest: the {KIND_TITLE[best['kind']].lower()}, {best.get('overall')}.")
    if worst is not best:
        tip = (worst.get("spoken") or "").split(". ")[0].rstrip(".")
        out.append(f"Work on the {KIND_TITLE[worst['kind']].lower()}, {worst.get('overall')}"
                   + (f": {tip}." if tip else "."))
    missing = [s for s in sections if not s.get("answered")]
    if missing:
        out.append(f"{len(missing)} question{'s were' if len(missing) > 1 else ' was'} not answered.")
    return out
