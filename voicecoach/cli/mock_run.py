"""Running one mock session for the CLI: the attempt, the interviewer, the answers, the output.

Order matters for "nothing lost": the attempt is counted before the first question; each answer
is kept in the history as soon as it is scored; the session JSON is written (file, then row)
before anything is printed; speech comes last, so a script reading --json never waits on TTS.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .common import console, err_console, print_json


def _attempt_note(session, limit: int) -> str:
    if session.attempt >= limit:
        return (f"This is attempt {session.attempt} of {limit} in round {session.round}: the last one. "
                "After it, --new-round starts a new round.")
    return f"Attempt {session.attempt} of {limit} in round {session.round}."


def run_session(plan, cfg, *, answer_files: list[str] | None, input_spec: str | None, new_round: bool,
                report_path: Path | None, use_llm: bool, speak: bool, end_silence: float | None,
                as_json: bool) -> int:
    from ..sessions.interviewer import MockDisplay, SessionClock, SilentVoice, TTSVoice
    from ..sessions.mock import intro_text, run_from_files, run_live, session_json
    from ..sessions.mock_history import save_outcome
    from ..sessions.practice import PracticeOptions, StopControl
    from ..speech.pipeline import ScoreOptions, Scorer
    from ..store.db import open_store
    from ..store.mocks import finish_session, start_session

    err = err_console()
    limit = int(cfg.section("history").get("attempts", 3))
    live = answer_files is None
    store_notes: list[str] = []
    with open_store() as store:
        session = start_session(store, limit=limit, new_round=new_round, stack=plan.stack, seed=plan.seed,
                                plan=plan.to_dict())
    note = _attempt_note(session, limit)
    click.echo(("warning: " if session.attempt >= limit else "") + note, err=True)
    for line in plan.notes:  # after the attempt is granted: a refusal stays one line
        click.echo(f"note: {line}", err=True)
    scorer = Scorer(ScoreOptions.from_config(cfg))

    def keep(outcome) -> None:
        try:
            with open_store() as store:
                save_outcome(store, session.id, outcome, live=live)
        except Exception as exc:  # noqa: BLE001 - the recording is safe on disk; say where and go on
            line = f"question {outcome.section.index} not recorded in the history ({exc}); its audio: {outcome.path}"
            store_notes.append(line)
            click.echo(f"voicecoach: {line}", err=True)

    session_clock = SessionClock(plan.total_s)
    if live:
        from ..audio.capture import open_source
        from ..errors import UnusableInput

        if input_spec and Path(input_spec).expanduser().is_file():
            raise UnusableInput(f"{input_spec} is a file: for recordings use --answers FILE..., one per question")
        options = PracticeOptions.from_config(cfg, end_silence_s=end_silence, speak=speak)
        voice = (TTSVoice(cfg.section("tts"), on_unavailable=lambda m: click.echo(f"voicecoach: {m}", err=True))
                 if speak else SilentVoice())
        voice.warm_up()  # the voice loads with the speech model, so the introduction is not late
        ui = MockDisplay(err, session_clock)
        def exit_now() -> None:  # a second Ctrl-C: the answer so far and every earlier one are on disk
            path = control.writer.path if control.writer is not None else None
            sys.stderr.write(f"\nvoicecoach: left at once; the answer so far is kept at {path}, earlier answers "
                             "are in the history\n")
            sys.stderr.flush()

        with StopControl(on_exit_now=exit_now, watch_enter=sys.stdin.isatty()) as control:
            outcomes = run_live(plan, scorer, cfg, open_input=lambda: open_source(input_spec), voice=voice, ui=ui,
                                control=control, session=session_clock, options=options, use_llm=use_llm,
                                on_outcome=keep, intro=intro_text(plan, note))
    else:
        voice = SilentVoice()
        with err.status("scoring the recordings…", spinner="dots"):
            outcomes = run_from_files(plan, answer_files, scorer, cfg, use_llm=use_llm, on_outcome=keep)
    out = session_json(plan, outcomes, session_id=session.id, attempt=session.attempt, round_no=session.round,
                       attempts_allowed=limit, mode="live" if live else "answers",
                       elapsed_s=session_clock.elapsed_s if live else None, notes=store_notes)
    try:
        with open_store() as store:
            finish_session(store, session.id, status=out["status"], overall=out["overall"], result=out)
    except Exception as exc:  # noqa: BLE001 - the answers are kept as takes already
        click.echo(f"voicecoach: the session summary was not recorded ({exc}); its answers are in the history",
                   err=True)
    if report_path is not None:
        from ..sessions.mock_report import write_mock_report

        out["report"] = str(write_mock_report(out, report_path))
    if as_json:
        print_json(out)
    else:
        render_session(out)
    sys.stdout.flush()
    voice.say(out["summary"])
    return _exit_code(out, outcomes, len(answer_files or []))


def _exit_code(out: dict[str, Any], outcomes, given: int) -> int:
    """0 complete; 4 the microphone went away; 2 questions left unanswered (one line says which)."""
    missing = [o for o in outcomes if not o.answered]
    if not missing:
        return 0
    first = missing[0]
    numbers = ", ".join(str(o.section.index) for o in missing)
    if any("microphone" in (o.note or "") for o in outcomes):
        click.echo(f"voicecoach: {first.note or 'the microphone stopped'}; questions {numbers} are unanswered, "
                   "what was recorded is kept and scored", err=True)
        return 4
    if given and given < len(outcomes):
        click.echo(f"voicecoach: {given} recording(s) for {len(outcomes)} questions: question(s) {numbers} are "
                   "marked unanswered, the others are scored", err=True)
        return 2
    click.echo(f"voicecoach: question(s) {numbers} unanswered ({first.note}); the others are scored", err=True)
    return 2


def render_session(out: dict[str, Any]) -> None:
    from rich.markup import escape

    from ..sessions.interviewer import KIND_TITLE

    c = console()
    c.rule(f"[bold]Mock session #{out['session_id']}[/] round {out['round']} attempt {out['attempt']}/"
           f"{out['attempts_allowed']}  stack {out['stack']}")
    for s in out["sections"]:
        head = f"Q{s['index']} {KIND_TITLE[s['kind']]}"
        if not s["answered"]:
            c.print(f"[bold]{head}[/bold]  [yellow]{s['status']}[/yellow]: {escape(s.get('note') or '')}")
            continue
        c.print(f"[bold]{head}[/bold]  {s['overall']}/100  " + "  ".join(f"{k} {v}" for k, v in s["scores"].items()
                                                                             if v is not None))
        c.print(f"  asked: {escape(s['question'])}")
        c.print(f"  heard: {escape((s['transcript'] or '')[:300])}")
        for line in s["feedback"][:3]:
            c.print(f"  - {escape(line)}")
        if s.get("overrun"):
            c.print(f"  [yellow]over time[/yellow]: {s['overrun']}")
    c.print(f"[bold]Overall {out['overall']}/100[/bold] ({out['status']})")
    c.print(escape(out["summary"]))
    if out.get("report"):
        c.print(f"Report: {out['report']}")
