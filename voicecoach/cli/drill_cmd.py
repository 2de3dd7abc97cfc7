"""`voicecoach drill`: pacing drills against a words-per-minute band, on the live practice path."""

from __future__ import annotations

import sys
from typing import Any, Mapping

import click

from . import main
from ..sessions.live import LiveDisplay, clock
from .common import console, err_console, guarded, print_json


def _esc(text: str) -> str:
    """User text (passages, transcripts) is not rich markup: "[coaching]" must print as is."""
    from rich.markup import escape

    return escape(text)


class DrillDisplay(LiveDisplay):
    """The live display with the pace gauge as its line, on stderr (stdout stays clean for --json)."""

    done_text = "Measuring"

    def __init__(self, console, band, *, interactive: bool | None = None):
        super().__init__(console, interactive=interactive)
        self.band = band

    def line(self, status, max_seconds: float) -> str:
        from ..sessions.drill import gauge_line

        return gauge_line(status, self.band, max_seconds)

    def show_task(self, spec, options) -> None:
        from rich.panel import Panel

        c = self.console
        if spec.passage is not None:
            c.print(Panel(_esc(spec.passage.text), title=_esc(spec.title), expand=False))
        elif spec.scenario is not None:
            from rich.syntax import Syntax

            c.print(Panel(Syntax(spec.scenario.snippet.rstrip(), spec.scenario.language or "text", line_numbers=True),
                          title=_esc(spec.title), expand=False))
        else:
            c.print(f"[bold]{_esc(spec.title)}[/bold]")
        c.print(_esc(spec.instruction))
        band = options.band
        c.print(f"Target {band.low:.0f}-{band.high:.0f} words per minute over each {options.window_s:.0f} s; "
                f"{spec.seconds:.0f} s at most. Stop by pausing, pressing Enter, or Ctrl-C.")


def render_drill(out, data: Mapping[str, Any]) -> None:
    """The human-readable drill result (the same facts as the JSON)."""
    t, d, dr = data["target"], data["delivery"], data["drill"]
    pct = data["time_in_band_pct"]
    pace = f"{dr['pace_wpm']:.0f} wpm" if dr["pace_wpm"] is not None else "-- wpm"
    counted = "the passage's words" if dr["pace_source"] == "passage" else "the transcript"
    out.print(f"[bold]In the band {t['low']:.0f}-{t['high']:.0f}:[/bold] "
              f"{'--' if pct is None else f'{pct:.0f}%'} of speaking time  (overall {pace}, counted on {counted})")
    shares = dr["band_shares_pct"]
    out.print(f"  below {shares['below']:.0f}%  in {shares['in']:.0f}%  above {shares['above']:.0f}%")
    if dr.get("off_passage"):
        out.print(f"  [bold]not the passage[/bold]: only {dr['passage_read_pct']:.0f}% of it was read, so the pace "
                  "is counted on what you said")
    elif dr["passage_read_pct"] is not None and dr["passage_read_pct"] < 100:
        out.print(f"  read {dr['passage_read_pct']:.0f}% of the passage")
    if data["windows"]:
        out.print(f"[bold]Pace per {dr['window_s']:.0f} s[/bold]")
        mark = {"below": "slow", "in": "ok", "above": "FAST"}
        for w in data["windows"]:
            out.print(f"  {clock(w['start_s'])}-{clock(w['end_s'])}  {w['wpm']:5.0f} wpm  {mark[w['band']]}")
    for key, label in (("too_fast", "Longest too-fast stretch"), ("too_slow", "Longest too-slow stretch")):
        s = data["stretches"][key]
        if s:
            out.print(f"[bold]{label}[/bold] {clock(s['start_s'])}-{clock(s['end_s'])} at {s['wpm']:.0f} wpm: "
                      f"\"{_esc(s['words'])}\"")
    pauses = d["pauses"]
    out.print(f"Pauses {len(pauses)} (long {sum(1 for p in pauses if p['long'])})  fillers {len(d['fillers'])}"
              + (f": {_esc(', '.join(f['text'] for f in d['fillers'][:6]))}" if d["fillers"] else ""))
    cal = data.get("calibration")
    if cal:
        s = cal["suggested"]
        out.print(f"[bold]Natural pace {cal['natural_wpm']:.0f} wpm -> suggested band {s['low']:.0f}-{s['high']:.0f}"
                  f"[/bold]: voicecoach drill --target {s['low']:.0f}-{s['high']:.0f}  (or set \\[coaching] "
                  "target_wpm_min/max in config.toml)")
        if not cal["reliable"]:
            out.print("Less than half of the passage was read: read all of it for a reliable measure.")
    out.print(f"Take saved: {data.get('take_id', data['path'])}")


def drill_round(*, target: str | None, seconds: float | None, text: str | None, scenario_id: str | None,
                preset: str | None, calibrate: bool, input_spec: str | None, speak: bool, as_json: bool,
                speed: float = 1.0) -> int:
    from ..audio.capture import open_source
    from ..config import load_config
    from ..sessions.drill import DrillOptions, analyze_pacing, build_spec, drill_json, run_drill, save_drill, summary_text
    from ..speech.pipeline import Scorer
    from ..sessions.practice import StopControl, repair_left_takes

    err = err_console()
    for state in repair_left_takes():
        err.print(f"Repaired the take {state.path} ({state.duration_s:.1f} s) left by an interrupted session; "
                  f"score it with: voicecoach score {state.path}")
    cfg = load_config()
    options = DrillOptions.from_config(cfg, target=target, speak=False if not speak else None)
    spec = build_spec(options, text=text, scenario_id=scenario_id, preset=preset, calibrate=calibrate,
                      seconds=seconds)
    source = open_source(input_spec, speed=speed, tail_silence_s=options.practice.end_silence_s + 0.5)
    from ..sessions.score import score_options

    scorer = Scorer(score_options(cfg, spec.scenario))  # a scenario drill: expect its terms
    if options.practice.speak:  # the voice loads during the drill, not after it
        from ..audio.tts import TTSOptions, warm_up

        warm_up(TTSOptions.from_config(cfg.section("tts")))
    ui = DrillDisplay(err, options.band)

    def exit_now() -> None:
        path = control.writer.path if control.writer is not None else None
        sys.stderr.write(f"\nvoicecoach: left at once; the take so far is kept at {path}\n")
        sys.stderr.flush()

    with StopControl(on_exit_now=exit_now, watch_enter=source.live and sys.stdin.isatty()) as control:
        take = run_drill(source, scorer, spec, options, ui, control)
        if take.result.no_speech:
            err.print(f"No speech heard, so there is no pace to measure. The take is kept at {take.path}")
            if as_json:
                from ..sessions.practice import result_json

                print_json(result_json(take))
            return 0
        pacing = analyze_pacing(list(take.result.transcript.words), spec, options)
        data = drill_json(take, spec, options, pacing)
        spoken = summary_text(data)
        data["spoken"] = spoken
        try:
            data["take_id"] = save_drill(data, take, spec, options)
        except Exception as exc:  # noqa: BLE001 - history is a bonus; the take file is already safe
            err.print(f"Could not record the drill in the history ({exc}); the file is kept at {take.path}")
    # the result is out before any speech, so a script reading --json never waits on TTS
    if as_json:
        print_json(data)
    else:
        render_drill(console(), data)
    sys.stdout.flush()
    if options.practice.speak and spoken:
        from ..audio.tts import TTSOptions, TTSUnavailable, speak as say_aloud

        try:  # tts checks every sentence and falls back to another engine; this only fails with a reason
            say_aloud(spoken, TTSOptions.from_config(cfg.section("tts")))
        except TTSUnavailable as exc:
            err.print(f"Summary not spoken: {exc}")
            if as_json:
                err.print(f"Summary: {spoken}")
    return 0


@main.command()
@click.option("--target", metavar="LOW-HIGH",
              help="Pace band in words per minute (default: [coaching] target_wpm_min-max, 130-160).")
@click.option("--seconds", type=float, metavar="N", help="Time limit (default: the preset, the scenario's time box, "
              "or [drill] seconds).")
@click.option("--text", metavar="FILE|ID", help="Read this aloud: a text file, or a passage id from seeds/drills.")
@click.option("--scenario", "scenario_id", metavar="ID", help="Explain this scenario freely (see `voicecoach scenarios`).")
@click.option("--preset", type=click.Choice(["elevator", "deep-dive"]),
              help="Free explanation in a time box: elevator 60 s, deep-dive 120 s.")
@click.option("--calibrate", is_flag=True, help="Read the calibration passage at your natural pace; suggests a band.")
@click.option("--input", "input_spec", metavar="DEVICE|FILE",
              help="Input device name or index (see `voicecoach devices`), or an audio file replayed in real time.")
@click.option("--no-speak", is_flag=True, help="Do not speak the summary aloud.")
@click.option("--json", "as_json", is_flag=True, help="Print the drill JSON on stdout.")
@click.option("--speed", type=float, default=1.0, hidden=True,
              help="Replay speed of --input FILE (0 = as fast as possible; for tests and demos).")
@guarded
def drill(target, seconds, text, scenario_id, preset, calibrate, input_spec, no_speak, as_json, speed):
    """Pacing drill: speak against a words-per-minute band with a live pace gauge.

    \b
    Kinds:
      read-aloud   (default, or --text FILE|ID) a passage whose words are known, so the pace is exact
      free         (--scenario ID) explain a scenario in its time box
      presets      (--preset elevator|deep-dive) a 60 s or 120 s explanation
      calibrate    (--calibrate) read at your natural pace; a band is suggested

    While you speak, one line shows the pace over the last 10 s against the band and the time
    left (nothing is spoken during the take). After: the share of speaking time in the band, the
    pace per 10 s window, the longest too-fast and too-slow stretches with their words, pauses,
    fillers and a spoken summary. The drill is kept as a take (see `voicecoach history`).

    \b
    Examples:
      voicecoach drill
      voicecoach drill --preset elevator --scenario py-pagination-off-by-one
      voicecoach drill --calibrate
      voicecoach drill --target 120-150 --input take.wav --json
    """
    code = drill_round(target=target, seconds=seconds, text=text, scenario_id=scenario_id, preset=preset,
                       calibrate=calibrate, input_spec=input_spec, speak=not no_speak, as_json=as_json, speed=speed)
    sys.exit(code)
