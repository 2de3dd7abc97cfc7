"""Readable terminal output of a scored take (rich)."""

from __future__ import annotations

from .common import console


def render_result(data: dict) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.rule(f"[bold]{data['path']}[/]  ({data['duration_s']:.1f} s)")
    if data.get("no_speech"):
        out.print("[yellow]No speech found in this recording.[/]")
        return
    d = data["delivery"]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row("words", str(d["word_count"]))
    table.add_row("pace", f"{d['wpm']:.0f} WPM  (articulation {d['articulation_wpm']:.0f} WPM)")
    long_pauses = sum(1 for p in d["pauses"] if p["long"])
    table.add_row("pauses", f"{len(d['pauses'])} (long: {long_pauses})")
    recovered = sum(1 for f in d["fillers"] if f["source"] in ("recovered", "acoustic"))
    table.add_row("fillers", f"{len(d['fillers'])} = {d['fillers_per_100_words']:.1f} per 100 words"
                  + (f" ({recovered} heard in the audio that Whisper did not write)" if recovered else ""))
    table.add_row("hedges", ", ".join(h["text"] for h in d["hedges"]) or "none")
    if "overall" in data:
        table.add_row("overall", f"{data['overall']:.0f}/100")
    if "structure" in data:
        table.add_row("structure", f"{data['structure']['score']:.0f}/100")
    out.print(table)
    out.print(Panel(_marked_transcript(data, Text), title="transcript", title_align="left"))
    for item in data.get("feedback", [])[:5]:
        out.print(f"• {item['text']}")
    m = data["model"]
    out.print(f"[dim]{m['name']} on {m['device']}/{m['compute_type']}, "
              f"transcribed in {data['timing']['transcribe_s']:.2f} s[/]")


def _marked_transcript(data: dict, Text):
    text = Text()
    long_pause_starts = {p["start_s"] for p in data["delivery"]["pauses"] if p["long"]}
    for word in data["transcript"]["words"]:
        style = "bold magenta" if word["filler"] else ("dim" if word["probability"] < 0.4 else "")
        text.append(word["text"], style=style)
        text.append(" ⏸ " if word["end_s"] in long_pause_starts else " ")
    return text
