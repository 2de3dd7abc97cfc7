"""Replay a kept take: the audio through sounddevice while its transcript follows in time.

`timeline()` is pure (words, fillers, hedges and long pauses in time order); `follow()` prints it
against any clock, so tests drive it with a fake one; `play_take()` is the only part that opens
an output device.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import DeviceError, MissingDependency, UnusableInput

log = logging.getLogger("voicecoach")

# a new printed line after this many words keeps --no-audio output readable
WORDS_PER_LINE = 12


@dataclass(frozen=True)
class Event:
    at_s: float
    kind: str  # "word" | "filler" | "hedge" | "pause"
    text: str
    end_s: float


def _hedge_starts(result: Mapping[str, Any]) -> set[float]:
    delivery = result.get("delivery") or {}
    return {round(float(h.get("start_s", -1)), 2) for h in delivery.get("hedges") or []}


def timeline(result: Mapping[str, Any], from_s: float = 0.0) -> list[Event]:
    """Words and long pauses of a result, in time order, from `from_s` on."""
    transcript = result.get("transcript") or {}
    delivery = result.get("delivery") or {}
    hedges = _hedge_starts(result)
    events = []
    for w in transcript.get("words") or []:
        start, end = float(w.get("start_s", 0.0)), float(w.get("end_s", 0.0))
        if end < from_s:
            continue
        kind = "filler" if w.get("filler") else ("hedge" if round(start, 2) in hedges else "word")
        events.append(Event(start, kind, str(w.get("text", "")).strip(), end))
    for p in delivery.get("pauses") or []:
        if p.get("long") and float(p.get("end_s", 0.0)) >= from_s:
            events.append(Event(float(p["start_s"]), "pause", f"{float(p['duration_s']):.1f}s", float(p["end_s"])))
    # at equal times a pause goes after the word that ends it
    return sorted(events, key=lambda e: (e.at_s, e.kind == "pause"))


def _stamp(seconds: float) -> str:
    minutes, secs = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{secs:04.1f}"


_STYLE = {"filler": "bold red", "hedge": "yellow", "pause": "bold magenta"}


def _markup(event: Event) -> str:
    from rich.markup import escape

    # the brackets/parentheses carry the highlight when colours are off (pipes, --no-color)
    text = {"filler": f"({event.text})", "pause": f"[pause {event.text}]"}.get(event.kind, event.text)
    style = _STYLE.get(event.kind)
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def lines(result: Mapping[str, Any], from_s: float = 0.0) -> list[tuple[float, list[Event]]]:
    """The timeline cut into printed lines: a new line after a long pause or every few words."""
    out: list[tuple[float, list[Event]]] = []
    current: list[Event] = []
    for e in timeline(result, from_s):
        if not current:
            out.append((max(e.at_s, from_s), current))
        current.append(e)
        if e.kind == "pause" or sum(1 for x in current if x.kind != "pause") >= WORDS_PER_LINE:
            current = []
    return [(t, evs) for t, evs in out if evs]


def print_timed(result: Mapping[str, Any], out, from_s: float = 0.0) -> None:
    """--no-audio: the transcript with the start time of each line, fillers and pauses marked."""
    rows = lines(result, from_s)
    if not rows:
        out.print("(no speech in this take" + (f" after {from_s:.1f}s)" if from_s else ")"))
        return
    for at, events in rows:
        out.print(f"[dim]{_stamp(at)}[/]  " + " ".join(_markup(e) for e in events))


def follow(result: Mapping[str, Any], out, from_s: float = 0.0, *,
           clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
           is_done: Callable[[], bool] = lambda: False) -> None:
    """Print each word when the playback (started at `from_s` when this is called) reaches it."""
    started = clock()
    for at, events in lines(result, from_s):
        out.print(f"[dim]{_stamp(at)}[/] ", end="")
        for e in events:
            wait = (e.at_s - from_s) - (clock() - started)
            if wait > 0:
                sleep(wait)
            if is_done():  # playback stopped early (device error, Ctrl-C in the audio thread)
                out.print()
                return
            out.print(_markup(e) + " ", end="")
        out.print()


def _sounddevice():
    from .capture import import_sounddevice

    try:
        return import_sounddevice()
    except MissingDependency as exc:
        raise MissingDependency(f"{exc}; or use --no-audio") from exc


def output_device(sd) -> Any:
    """The default output device, or DeviceError with what to do."""
    try:
        return sd.query_devices(kind="output")
    except Exception as exc:  # PortAudioError or ValueError when there is none
        raise DeviceError("no audio output device found: connect speakers or headphones (or start "
                          "PulseAudio), or use --no-audio to print the transcript with timings") from exc


def play_take(audio_path: Path, result: Mapping[str, Any], out, from_s: float = 0.0, *,
              clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
    """Play `audio_path` from `from_s` through the default output while the transcript follows."""
    from .load import SAMPLE_RATE, load_audio

    sd = _sounddevice()
    output_device(sd)
    samples = load_audio(audio_path).samples
    start = int(from_s * SAMPLE_RATE)
    if start >= len(samples):
        raise UnusableInput(f"--from {from_s:.1f}s is past the end of the take "
                            f"({len(samples) / SAMPLE_RATE:.1f}s long)")
    try:
        sd.play(samples[start:], SAMPLE_RATE)
    except Exception as exc:  # PortAudioError: device busy, unplugged, bad rate
        raise DeviceError(f"cannot play on the output device ({exc}); use --no-audio") from exc
    try:
        stream = sd.get_stream()
        follow(result, out, from_s, clock=clock, sleep=sleep, is_done=lambda: not stream.active)
        sd.wait()
    except KeyboardInterrupt:
        sd.stop()
        raise

