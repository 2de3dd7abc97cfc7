"""`voicecoach practice`, `voicecoach devices`, `voicecoach say`: live practice and its devices."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from . import main
from .common import console, err_console, guarded, print_json


def practice_round(*, scenario_id: str | None, input_spec: str | None, max_seconds: float | None,
                   end_silence: float | None, speak: bool, as_json: bool, speed: float = 1.0) -> int:
    """One practice round (also what `voicecoach demo` runs); returns the exit code."""
    from ..audio.capture import open_source
    from ..config import load_config
    from ..sessions.live import LiveDisplay, render_result
    from ..speech.pipeline import Scorer
    from ..sessions.practice import (PracticeOptions, StopControl, coach_take, load_task, repair_left_takes, result_json,
                            run_practice, save_take)

    err = err_console()
    for state in repair_left_takes():
        click.echo(f"Repaired the take {state.path} ({state.duration_s:.1f} s) left by an interrupted session; "
                   f"score it with: voicecoach score {state.path}", err=True)
    cfg = load_config()
    task = load_task(scenario_id)
    options = PracticeOptions.from_config(cfg, max_seconds=max_seconds, end_silence_s=end_silence,
                                          speak=False if not speak else None)
    source = open_source(input_spec, speed=speed, tail_silence_s=options.end_silence_s + 0.5)
    from ..sessions.score import preload_coaching, score_options

    preload_coaching(cfg, task.scenario)  # the meaning model loads while the person answers

    scorer = Scorer(score_options(cfg, task.scenario))  # recognition expects the scenario's terms
    if options.speak:  # the voice loads while the person answers, not after
        from ..audio.tts import TTSOptions, warm_up

        warm_up(TTSOptions.from_config(cfg.section("tts")))
    ui = LiveDisplay(err)

    def exit_now() -> None:
        path = control.writer.path if control.writer is not None else None
        sys.stderr.write(f"\nvoicecoach: left at once; the take so far is kept at {path}\n")
        sys.stderr.flush()

    with StopControl(on_exit_now=exit_now, watch_enter=sys.stdin.isatty()) as control:
        take = run_practice(source, scorer, task, options, ui, control)
        data = result_json(take)
        if take.result.no_speech:
            click.echo(f"No speech heard, so there is nothing to score. The take is kept at {take.path}", err=True)
            if as_json:
                print_json(data)
            if take.stop_reason == "disk_full":
                click.echo(f"voicecoach: {take.detail}", err=True)
                return 1
            return 0
        feedback, spoken = coach_take(data, task, cfg)
        speaking = None
        if options.speak and spoken:  # renders while the result is saved and shown, plays right after
            from ..audio.tts import Speaking, TTSOptions

            speaking = Speaking(spoken, TTSOptions.from_config(cfg.section("tts")), hold=True)
        try:
            data["take_id"] = save_take(data, take, task, options)
        except Exception as exc:  # noqa: BLE001 - history is a bonus; the take file is already safe
            click.echo(f"Could not record the take in the history ({exc}); the file is kept at {take.path}", err=True)
    # printed while the feedback renders, and before it plays: a script reading --json never waits on TTS
    if as_json:
        print_json(data)
    else:
        render_result(console(), data, feedback)
    sys.stdout.flush()
    if speaking is not None:
        from ..audio.tts import TTSUnavailable

        try:
            speaking.wait()  # lets it play, and waits for the end
        except TTSUnavailable as exc:
            click.echo(f"Feedback not spoken: {exc}", err=True)
            if as_json:  # the human output already listed it
                click.echo(f"Feedback: {spoken}", err=True)
    if take.stop_reason == "disk_full":  # scored and kept, but the person must act: say so last, and fail
        click.echo(f"voicecoach: {take.detail}", err=True)
        return 1
    return 0


@main.command()
@click.option("--scenario", "scenario_id", metavar="ID", help="Scenario from the bank (default: a generic prompt).")
@click.option("--input", "input_spec", metavar="DEVICE|FILE",
              help="Input device name or index (see `voicecoach devices`), or an audio file replayed in real time.")
@click.option("--max-seconds", type=float, help="Stop recording after this long (default: the scenario's time box).")
@click.option("--end-silence", type=float, metavar="S", help="Stop after this many seconds of silence (default 2.0).")
@click.option("--no-speak", is_flag=True, help="Do not speak the feedback aloud.")
@click.option("--json", "as_json", is_flag=True, help="Print the score JSON (with timing.finalize_s) on stdout.")
@guarded
def practice(scenario_id, input_spec, max_seconds, end_silence, no_speak, as_json):
    """Answer a code-review prompt out loud; get scored and hear what to fix first.

    Shows the task, counts down, then records from the microphone (or replays --input FILE as if
    live) while transcribing. Stops when you have been silent for --end-silence seconds, at
    --max-seconds, on Enter, or on Ctrl-C; the take is always kept under the user folder and
    scored. A second Ctrl-C leaves at once with the recording intact.
    """
    code = practice_round(scenario_id=scenario_id, input_spec=input_spec, max_seconds=max_seconds,
                          end_silence=end_silence, speak=not no_speak, as_json=as_json)
    sys.exit(code)


@main.command()
@click.option("--input", "input_spec", metavar="DEVICE", help="Input to level-check (default: the default input).")
@click.option("--seconds", type=float, default=3.0, show_default=True, help="Length of the level check.")
@click.option("--no-check", is_flag=True, help="Only list the devices.")
@click.option("--json", "as_json", is_flag=True, help="Print devices and the level check as JSON.")
@guarded
def devices(input_spec, seconds, no_check, as_json):
    """List audio input and output devices, then check the input level for 3 seconds."""
    from ..audio.capture import level_check, list_devices

    devs = list_devices()
    check = None
    check_error = None
    if not no_check:
        from ..errors import DeviceError

        if not as_json:
            err_console().print(f"Level check: speak for {seconds:.0f} s...")
        try:
            check = level_check(input_spec, seconds)
        except DeviceError as exc:
            check_error = str(exc)
    if as_json:
        print_json({"devices": [asdict(d) for d in devs],
                    "level_check": ({**asdict(check), "verdict": check.verdict} if check else None),
                    "level_check_error": check_error})
    else:
        out = console()
        for title, key in (("Inputs", "max_input_channels"), ("Outputs", "max_output_channels")):
            out.print(f"[bold]{title}[/bold]")
            rows = [d for d in devs if getattr(d, key) > 0]
            for d in rows:
                default = " (default)" if (d.default_input if key == "max_input_channels" else d.default_output) else ""
                out.print(f"  {d.index:>3}  {d.name}  [{d.hostapi}, {getattr(d, key)} ch, "
                          f"{d.default_samplerate_hz:.0f} Hz]{default}")
            if not rows:
                out.print("  none")
        if check:
            out.print(f"Level on {check.device}: {check.rms_dbfs:.1f} dBFS average, {check.peak_dbfs:.1f} dBFS peak "
                      f"-> {check.verdict}")
    if check_error:
        from ..errors import DeviceError

        raise DeviceError(check_error)


@main.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), metavar="FILE.wav",
              help="Write the speech to this WAV instead of playing it (no audio device needed).")
@click.option("--engine", type=click.Choice(["piper", "espeak-ng", "pyttsx3"]),
              help="Use this engine instead of [tts] engine (no fallback to another one).")
@guarded
def say(text, out, engine):
    """Speak TEXT with the configured engine, voice, rate and volume (the [tts] config section).

    \b
    Examples:
      voicecoach say "Lead with the problem in one sentence."
      voicecoach say "Slow down." --out slow.wav --engine espeak-ng
    """
    from dataclasses import replace

    from ..config import load_config
    from ..audio.tts import TTSOptions, speak, synthesize_to_file

    options = TTSOptions.from_config(load_config().section("tts"))
    if engine:
        options = replace(options.for_engine(engine), fallback=())
    if out:
        path = synthesize_to_file(" ".join(text), out, options)
        click.echo(str(path))
    else:
        speak(" ".join(text), options)
