"""`history`, `progress`, `compare`, `replay`, `report`, `export`, `delete` and `repair`: the kept takes."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click

from ..config import load_config
from . import main
from .common import console, guarded, print_json


def _options():
    from ..store.history import HistoryOptions

    cfg = load_config()
    return HistoryOptions.from_config(cfg.section("history"), cfg.section("coaching"))


def _fmt(value: Any, fmt: str = "{:.1f}") -> str:
    return "–" if value is None else fmt.format(value)


@main.command()
@click.option("--scenario", default=None, help="Only the takes of this scenario (its retake series).")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, each with an `id`.")
@guarded
def history(scenario, as_json):
    """List the kept takes, oldest first, with their key figures.

    Example: voicecoach history --scenario sql-injection
    """
    from rich.table import Table

    from ..store.history import attempt_numbers
    from ..store.db import open_store

    with open_store() as store:
        takes = store.list_takes(scenario_id=scenario)
        attempts = attempt_numbers(store.list_takes())
    if as_json:
        print_json([{**t.summary(), "attempt": attempts.get(t.id)} for t in takes])
        return
    out = console()
    if not takes:
        out.print("No takes kept yet" + (f" for scenario {scenario!r}" if scenario else "") +
                  ": `voicecoach score FILE` or `voicecoach practice` keeps one.")
        return
    limit = _options().attempts
    from rich import box

    table = Table(title="Takes" + (f" of {scenario}" if scenario else ""), box=box.SIMPLE_HEAD)
    for col in ("id", "when (UTC)", "kind", "scenario", "try", "secs", "WPM", "fill%", "PSI", "score"):
        left = col in ("when (UTC)", "kind", "scenario")
        table.add_column(col, justify="left" if left else "right", no_wrap=col == "when (UTC)",
                         min_width=8 if col == "scenario" else None)
    for t in takes:
        n = attempts.get(t.id)
        tries = "" if n is None else (f"{n}/{limit}" if n <= limit else f"{n} (>{limit})")
        table.add_row(str(t.id), f"{t.created_at[5:10]} {t.created_at[11:16]}", t.kind, t.scenario_id or "", tries,
                      _fmt(t.duration_s, "{:.0f}"), _fmt(t.wpm, "{:.0f}"), _fmt(t.fillers_per_100_words),
                      _fmt(t.structure_score, "{:.0f}"), _fmt(t.overall, "{:.0f}"))
    out.print(table)


@main.command()
@click.option("--scenario", default=None, help="Only the takes of this scenario.")
@click.option("--json", "as_json", is_flag=True, help="Trends as JSON (points, first, last, slope per take).")
@guarded
def progress(scenario, as_json):
    """Trends per metric over time (WPM, fillers per 100 words, structure, overall) with a chart.

    Example: voicecoach progress
    """
    from rich.table import Table

    from ..store.history import progress as trends, sparkline
    from ..store.db import open_store

    with open_store() as store:
        takes = store.list_takes(scenario_id=scenario)
    result = trends(takes)
    if as_json:
        print_json([t.to_dict() for t in result])
        return
    out = console()
    if not takes:
        out.print("No takes kept yet: `voicecoach score FILE` or `voicecoach practice` keeps one.")
        return
    opts = _options()
    table = Table(title=f"Progress over {len(takes)} take(s)")
    for col in ("metric", "takes", "first", "last", "trend /take", "chart (oldest → newest)", "aim"):
        table.add_column(col)
    for t in result:
        m = t.metric
        aim = {"band": f"{opts.target_wpm_low:.0f}–{opts.target_wpm_high:.0f}", "lower": "lower",
               "higher": "higher"}[m.better]
        slope = t.slope
        table.add_row(m.label, str(len(t.points)), _fmt(t.first, m.fmt), _fmt(t.last, m.fmt),
                      "–" if slope is None else f"{slope:+.1f}", sparkline(t.values[-40:]), aim)
    out.print(table)


@main.command()
@click.argument("id1", type=int)
@click.argument("id2", type=int)
@click.option("--json", "as_json", is_flag=True, help="The comparison as one JSON object.")
@guarded
def compare(id1, id2, as_json):
    """What changed from take ID1 to take ID2: metrics, key points covered or lost, reused wording.

    Example: voicecoach compare 3 4
    """
    from rich.table import Table

    from ..store.history import compare as diff
    from ..store.db import open_store

    with open_store() as store:
        a, b = store.get_take(id1), store.get_take(id2)
    cmp = diff(a, b, _options())
    if as_json:
        print_json(cmp.to_dict())
        return
    out = console()
    if not cmp.same_scenario:
        out.print(f"[yellow]note:[/] takes #{a.id} and #{b.id} are not of the same scenario "
                  f"({a.scenario_id or 'none'} vs {b.scenario_id or 'none'})", markup=True)
    table = Table(title=f"Take #{a.id} → take #{b.id}")
    for col in ("metric", f"#{a.id}", f"#{b.id}", "change", ""):
        table.add_column(col)
    colour = {"better": "green", "worse": "red"}
    for c in cmp.changes:
        delta = "–" if c.delta is None else f"{c.delta:+.1f}"
        style = colour.get(c.verdict)
        table.add_row(c.metric.label, _fmt(c.before, c.metric.fmt), _fmt(c.after, c.metric.fmt), delta,
                      f"[{style}]{c.verdict}[/]" if style else c.verdict)
    out.print(table)
    for label, points in (("newly covered", cmp.newly_covered), ("lost", cmp.lost)):
        if points:
            out.print(f"Key points {label}: " + ", ".join(points), markup=False)
    if cmp.reuse is not None:
        out.print(f"Wording reuse: {cmp.reuse:.0%} of #{b.id}'s phrases were already in #{a.id}", markup=False)
    if cmp.reuse_warning:
        out.print("[bold yellow]warning:[/] ", end="", markup=True)
        out.print(cmp.reuse_warning, markup=False)


@main.command()
@click.argument("take_id", type=int, metavar="ID")
@click.option("--from", "from_s", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Start this many seconds into the take.")
@click.option("--no-audio", is_flag=True, help="Print the transcript with timings instead of playing it.")
@guarded
def replay(take_id, from_s, no_audio):
    """Play a take with its transcript following in time (fillers and long pauses highlighted).

    Example: voicecoach replay 4 --from 12.5
    """
    from ..audio.playback import play_take, print_timed
    from ..store.db import open_store

    out = console()
    with open_store() as store:
        take = store.get_take(take_id)
        if no_audio:
            print_timed(take.result, out, from_s=from_s)
            return
        audio = store.audio_file(take)
    play_take(audio, take.result, out, from_s=from_s)


@main.command()
@click.argument("take_id", type=int, metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the HTML (default: take-ID.html in the current folder).")
@guarded
def report(take_id, output):
    """Write one self-contained HTML report of a take (audio inline, works offline).

    Example: voicecoach report 4 -o take4.html
    """
    from ..sessions.report import write_report
    from ..store.db import open_store

    with open_store() as store:
        take = store.get_take(take_id)
        audio = store.audio_file(take)
    path = write_report(take, audio, output or Path(f"take-{take.id}.html"), _options())
    click.echo(str(path))


@main.command()
@click.option("--csv", "fmt", flag_value="csv", help="Key figures, one row per take.")
@click.option("--json", "fmt", flag_value="json", default=True, help="Every take in full (default).")
@guarded
def export(fmt):
    """Export every take to stdout: --json (full results, default) or --csv (key figures).

    Example: voicecoach export --csv > takes.csv
    """
    from ..store.db import open_store

    with open_store() as store:
        takes = store.list_takes()
    if fmt == "csv":
        fields = list(takes[0].summary()) if takes else ["id"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for t in takes:
            writer.writerow({k: "" if v is None else v for k, v in t.summary().items()})
        return
    print_json([t.to_dict() for t in takes])


@main.command()
@click.argument("take_id", type=int, metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@guarded
def delete(take_id, yes):
    """Delete a take and its audio file (asks first unless --yes).

    Example: voicecoach delete 4 --yes
    """
    from ..store.db import open_store

    with open_store() as store:
        take = store.get_take(take_id)
        if not yes:
            label = f"take #{take.id} ({take.created_at[:19]}, {take.kind}" + \
                    (f", {take.scenario_id})" if take.scenario_id else ")")
            click.confirm(f"Delete {label} and its audio?", abort=True)
        store.delete_take(take.id)
    click.echo(f"deleted take #{take.id}")


@main.command()
@click.option("--delete-orphans", is_flag=True, help="Delete the audio files no take refers to (listed without it).")
@click.option("--json", "as_json", is_flag=True, help="The repair report as one JSON object.")
@guarded
def repair(delete_orphans, as_json):
    """Check the history and rebuild its index from the takes folder.

    \b
    - a damaged database is moved aside (voicecoach.db.damaged-<time>) and rebuilt from the
      JSON sidecar each take and each mock session keeps in the takes folder; so is a healthy
      one missing some of them
    - lists audio no take refers to (left by a save that was killed); --delete-orphans removes it
    - fixes the WAV headers of recordings a crash cut short

    Example: voicecoach repair --delete-orphans
    """
    from ..audio.wavio import repair_takes
    from ..store.db import open_store
    from ..store.repair import repair as run_repair

    with open_store() as store:
        fixed = [f"{s.path.name} ({s.duration_s:.1f} s)" for s in repair_takes(store.takes_dir)]
        report = run_repair(store, delete_orphans=delete_orphans)
        report.recordings_fixed = fixed
        total = len(store.list_takes())
        takes_dir = store.takes_dir
    if as_json:
        print_json({**report.to_dict(), "takes": total})
        return
    out = click.echo  # plain lines: paths must not be wrapped
    if report.damaged_moved_to:
        out(f"The database was damaged: moved to {report.damaged_moved_to} and rebuilt.")
    out(f"{total} take(s) in the history; {report.added} added from sidecars in {takes_dir}"
        + (f", {report.sidecars_written} sidecar(s) written" if report.sidecars_written else "") + ".")
    for old, new in report.renumbered:
        out(f"  take #{old} came back as #{new} (its number was taken)")
    if report.mock_sessions_added:
        out(f"{report.mock_sessions_added} mock session(s) restored from their sidecars.")
    for old, new in report.mock_sessions_renumbered:
        out(f"  mock session #{old} came back as #{new} (its number was taken)")
    for why in report.unreadable_sidecars:
        out(f"  skipped sidecar {why}")
    if report.missing_audio:
        ids = ", ".join(f"#{i}" for i in report.missing_audio)
        out(f"Audio missing for take(s) {ids}: put the files back, or `voicecoach delete ID`.")
    for name in report.recordings_fixed:
        out(f"Fixed the header of {name}, left by a crash.")
    if report.orphans:
        verb = "Deleted" if delete_orphans else "Found"
        out(f"{verb} {len(report.orphans)} audio file(s) no take refers to "
            f"({report.orphan_bytes / 1e6:.1f} MB, left by interrupted saves):")
        for name in report.orphans:
            out(f"  {takes_dir / name}")
        if not delete_orphans:
            out("Keep one with `voicecoach score FILE`; remove them all with `voicecoach repair "
                "--delete-orphans`.")
    else:
        out("No orphaned audio.")
