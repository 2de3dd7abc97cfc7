"""`voicecoach scenarios`: list the scenario bank and show one scenario with highlighting."""

from __future__ import annotations

import click

from . import main
from .common import console, guarded, print_json


@main.group("scenarios", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
@guarded
def scenarios(ctx: click.Context, as_json: bool) -> None:
    """List the code-review scenarios (bundled bank plus your own in <user folder>/scenarios/).

    Use `voicecoach scenarios show ID` to read one, and `--scenario ID` on `score` or `practice`
    to be coached against it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..coach.scenarios import load_scenarios

    items = load_scenarios()
    if as_json:
        print_json([{"id": s.id, "title": s.title, "language": s.language, "framework": s.framework,
                     "bug_class": s.bug_class, "time_box_s": s.time_box_s, "source": s.source} for s in items])
        return
    from rich.table import Table

    out = console()
    if not items:
        out.print("No scenarios found. Add TOML files to the scenarios folder of your user folder.")
        return
    table = Table(title=f"{len(items)} scenarios", show_lines=False)
    table.add_column("id", no_wrap=True)  # the id is what users type: never truncate it
    for col in ("language", "bug class", "time box", "title"):
        table.add_column(col)
    for s in items:
        table.add_row(s.id, s.framework or s.language, s.bug_class, f"{s.time_box_s} s", s.title)
    out.print(table)


@scenarios.command("show")
@click.argument("scenario_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the scenario as JSON.")
@click.option("--answer", is_flag=True, help="Also print the key points and the reference answer.")
@guarded
def show(scenario_id: str, as_json: bool, answer: bool) -> None:
    """Show one scenario: the prompt, the time box and the highlighted snippet."""
    from ..coach.scenarios import get_scenario

    scenario = get_scenario(scenario_id)
    if as_json:
        print_json(scenario.to_dict())
        return
    from rich.panel import Panel
    from rich.syntax import Syntax

    out = console()
    out.print(f"[bold]{scenario.title}[/bold]  ({scenario.framework or scenario.language}, "
              f"{scenario.bug_class}, time box {scenario.time_box_s} s)")
    out.print(Panel(scenario.prompt, title="prompt"))
    out.print(Syntax(scenario.snippet, scenario.language, line_numbers=True, theme="ansi_dark"))
    if answer:
        for point in scenario.key_points:
            out.print(f"[bold]{point.name}[/bold]: " + " | ".join(point.phrases))
        out.print(Panel(scenario.reference_answer, title="reference answer (PSI)"))
