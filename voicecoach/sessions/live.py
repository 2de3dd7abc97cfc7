"""What the person sees during practice: the task, a countdown, one live line, the result.

Everything goes to stderr (rich), so `--json` keeps stdout clean. The live line is redrawn in
place on a terminal and left out elsewhere (logs and pipes would fill with carriage returns).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # annotations only: the CLI imports this module at start-up, numpy stays unloaded
    from ..speech.stream import LiveStatus

METER_CELLS = 12
REDRAW_S = 0.1

STOP_TEXT = {
    "end_silence": "you stopped speaking",
    "max_seconds": "time is up",
    "enter": "Enter pressed",
    "interrupt": "Ctrl-C (the take is kept; Ctrl-C again leaves at once)",
    "source_ended": "the input ended",
    "disk_full": "the disk is full (the recording so far is kept)",
}


def meter(level_dbfs: float, cells: int = METER_CELLS) -> str:
    """-60..0 dBFS as a bar: speech at a sensible distance sits around -30..-15."""
    filled = int(round(max(0.0, min(1.0, (level_dbfs + 60.0) / 60.0)) * cells))
    return "#" * filled + "-" * (cells - filled)


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def live_line(status: LiveStatus, max_seconds: float) -> str:
    pace = f"{status.wpm:.0f} wpm" if status.wpm is not None else "-- wpm"
    state = "speaking" if status.speaking else ("pause" if status.heard_speech else "waiting")
    return (f"REC [{meter(status.level_dbfs)}] {status.level_dbfs:6.1f} dB  {clock(status.elapsed_s)} / "
            f"{clock(max_seconds)} ({clock(max_seconds - status.elapsed_s)} left)  {pace}  {state}")


class LiveDisplay:
    """Task, countdown and the one live line, redrawn in place on a terminal only."""

    done_text = "Scoring"

    def line(self, status: LiveStatus, max_seconds: float) -> str:
        return live_line(status, max_seconds)

    def __init__(self, console, *, interactive: bool | None = None):
        self.console = console
        self.interactive = console.is_terminal if interactive is None else interactive
        self._last_draw = 0.0
        self._drawn = False

    def show_task(self, task, max_seconds: float) -> None:
        from rich.panel import Panel
        from rich.syntax import Syntax

        self.console.print(Panel(Syntax(task.snippet.rstrip(), task.language or "text", line_numbers=True),
                                 title=task.title, expand=False))
        self.console.print(task.prompt)
        self.console.print(f"Time box: {clock(max_seconds)}. Stop by pausing, pressing Enter, or Ctrl-C.")

    def countdown(self, seconds: int) -> None:
        for n in range(seconds, 0, -1):
            self.console.print(f"{n}...", end=" ")
            time.sleep(1.0)
        self.console.print("speak now.")

    def status(self, status: LiveStatus, max_seconds: float) -> None:
        if not self.interactive:
            return
        now = time.monotonic()
        if now - self._last_draw < REDRAW_S:
            return
        self._last_draw = now
        self.console.file.write("\r" + self.line(status, max_seconds) + "\x1b[K")
        self.console.file.flush()
        self._drawn = True

    def stopped(self, reason: str, detail: str | None) -> None:
        if self._drawn:
            self.console.file.write("\n")
        self.console.print(f"Stopped: {detail or STOP_TEXT.get(reason, reason)}. {self.done_text}...")

    def message(self, text: str) -> None:
        self.console.print(text)


def render_result(console, data: Mapping[str, Any], feedback: list[str]) -> None:
    """The human-readable result (the same facts as the JSON)."""
    d = data["delivery"]
    console.print(f"[bold]Transcript[/bold] ({data['duration_s']:.1f} s): {data['transcript']['text']}")
    console.print(
        f"Pace {d['wpm']:.0f} wpm ({d['word_count']} words)  fillers {len(d['fillers'])} "
        f"({d['fillers_per_100_words']:.1f}/100 words)  long pauses {sum(1 for p in d['pauses'] if p['long'])}  "
        f"hedges {len(d['hedges'])}"
    )
    overall = data.get("overall")
    if isinstance(overall, Mapping):
        overall = overall.get("score")
    if isinstance(overall, (int, float)):
        console.print(f"Overall {overall}/100")
    console.print(f"Result ready {data['timing'].get('finalize_s', 0):.2f} s after you stopped.")
    if feedback:
        console.print("[bold]Fix first[/bold]")
        for i, line in enumerate(feedback, 1):
            console.print(f"  {i}. {line}")
    console.print(f"Take saved: {data['path']}")
