"""One self-contained HTML report per take: works offline, opens from a file, fetches nothing.

Every piece of take text goes through html.escape; the data block is JSON with '<', '>' and '&'
written as \\u escapes so transcript text cannot close the <script> element; and the page's
Content-Security-Policy allows only our own inline script (by its hash), so even a slip in the
escaping could not run injected script or reach the network.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..config import data_path
from ..store.history import HistoryOptions
from ..store.db import Take

MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
        ".oga": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4", ".webm": "audio/webm"}
# 10 s windows: long enough to hold ~25 words at conversational pace, so one pause does not
# send the curve to zero; a point every 2 s keeps the line smooth
PACE_WINDOW_S = 10.0
PACE_STEP_S = 2.0


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def json_for_script(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>', '&', U+2028/9 raw."""
    text = json.dumps(data, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---- pure pieces ----------------------------------------------------------------------------

def pace_windows(words: Sequence[Mapping[str, Any]], window_s: float = PACE_WINDOW_S,
                 step_s: float = PACE_STEP_S) -> list[tuple[float, float]]:
    """(window centre s, WPM) over sliding windows of word starts; fillers count, as in delivery WPM."""
    starts = sorted(float(w.get("start_s", 0.0)) for w in words)
    if len(starts) < 2:
        return []
    first, last = starts[0], max(float(w.get("end_s", 0.0)) for w in words)
    span = last - first
    if span <= 0:
        return []
    if span <= window_s:  # too short for a curve: one point for the whole answer
        return [(first + span / 2, len(starts) / span * 60.0)]
    points = []
    t = first
    while t + window_s <= last + 1e-9:
        n = sum(1 for s in starts if t <= s < t + window_s)
        points.append((t + window_s / 2, n / window_s * 60.0))
        t += step_s
    return points


def drill_windows(result: Mapping[str, Any]) -> list[tuple[float, float]]:
    windows = result.get("windows") or []
    return [((float(w["start_s"]) + float(w["end_s"])) / 2, float(w["wpm"]))
            for w in windows if "start_s" in w and "end_s" in w and "wpm" in w]


def pace_svg(points: Sequence[tuple[float, float]], duration_s: float, low: float, high: float) -> str:
    """An inline SVG line chart of WPM over time with the target band shaded."""
    if not points:
        return '<p class="muted">Too little speech for a pace chart.</p>'
    width, height, left, right, top, bottom = 640, 200, 40, 10, 10, 28
    x_max = max(duration_s, max(p[0] for p in points), 1.0)
    y_max = max(200.0, high * 1.15, max(p[1] for p in points) * 1.1)

    def x(t: float) -> float:
        return left + t / x_max * (width - left - right)

    def y(v: float) -> float:
        return top + (1 - v / y_max) * (height - top - bottom)

    parts = [f'<svg id="pace-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="words per minute over time, target band {low:.0f} to {high:.0f}">',
             f'<rect class="band" x="{left}" y="{y(high):.1f}" width="{width - left - right}" '
             f'height="{y(low) - y(high):.1f}"><title>target {low:.0f}–{high:.0f} WPM</title></rect>']
    for v in range(0, int(y_max) + 1, 50):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                     f'<text class="tick" x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if x_max / s <= 10)
    t = 0
    while t <= x_max + 1e-9:
        parts.append(f'<text class="tick" x="{x(t):.1f}" y="{height - 10}" text-anchor="middle">{t:g}s</text>')
        t += step
    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    parts.append(f'<polyline class="pace" points="{line}"/>')
    for t, v in points:
        parts.append(f'<circle class="pt" cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" data-t="{max(t - 5, 0):.2f}">'
                     f'<title>{t:.0f}s: {v:.0f} WPM</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _hedge_indices(words: Sequence[Mapping[str, Any]], hedges: Sequence[Mapping[str, Any]]) -> set[int]:
    marked: set[int] = set()
    for h in hedges:
        start = float(h.get("start_s", -1))
        candidates = [i for i, w in enumerate(words) if abs(float(w.get("start_s", 0)) - start) <= 0.05]
        if candidates:
            i = candidates[0]
            marked.update(range(i, min(i + max(len(str(h.get("text", "")).split()), 1), len(words))))
    return marked


def transcript_html(result: Mapping[str, Any]) -> str:
    """Each word a span carrying its start time; fillers, hedges and pauses marked by class."""
    words = (result.get("transcript") or {}).get("words") or []
    delivery = result.get("delivery") or {}
    if not words:
        return '<p class="muted">No speech was recognised in this take.</p>'
    hedges = _hedge_indices(words, delivery.get("hedges") or [])
    pauses: dict[int, Mapping[str, Any]] = {}
    for p in delivery.get("pauses") or []:  # a pause belongs after the word whose end starts it
        gaps = [abs(float(w.get("end_s", 0.0)) - float(p.get("start_s", -1))) for w in words]
        i = min(range(len(words)), key=gaps.__getitem__)
        if gaps[i] <= 0.02:
            pauses[i] = p
    out = []
    for i, w in enumerate(words):
        classes = ["w"] + (["filler"] if w.get("filler") else []) + (["hedge"] if i in hedges else [])
        start = float(w.get("start_s", 0.0))
        out.append(f'<span class="{" ".join(classes)}" data-i="{i}" data-t="{start:.2f}" '
                   f'title="{start:.2f}s">{e(str(w.get("text", "")).strip())}</span>')
        p = pauses.get(i)
        if p is not None and i + 1 < len(words):
            kind = "pause long" if p.get("long") else "pause"
            out.append(f' <span class="{kind}" data-t="{float(p["start_s"]):.2f}" '
                       f'title="pause {float(p["duration_s"]):.2f}s">‖ {float(p["duration_s"]):.1f}s</span>')
        out.append(" ")
    return "".join(out).strip()


def _notes(value: Any) -> str:
    if not value:
        return ""
    items = value if isinstance(value, (list, tuple)) else [value]
    return "<br>".join(e(n) for n in items)


def structure_html(result: Mapping[str, Any]) -> str:
    s = result.get("structure")
    if not isinstance(s, Mapping):
        return ('<p class="muted">Not scored for structure (score against a scenario, e.g. '
                '<code>voicecoach score FILE --scenario ID</code>).</p>')
    rows = []
    for part in ("problem", "solution", "impact"):
        p = s.get(part) or {}
        present = p.get("present")
        mark = '<span class="ok">✓</span>' if present else '<span class="bad">✗</span>'
        evidence = ""
        if p.get("text"):
            seek = (f' <a href="#" class="seek" data-t="{float(p["start_s"]):.2f}">▶ {float(p["start_s"]):.1f}s</a>'
                    if isinstance(p.get("start_s"), (int, float)) else "")
            evidence = f"<q>{e(p['text'])}</q>{seek}"
        rows.append(f'<tr class="psi-{part}"><th>{part.title()}</th><td>{mark}</td>'
                    f'<td>{e(p.get("score", ""))}</td><td>{evidence}</td><td>{_notes(p.get("notes"))}</td></tr>')
    extra = []
    if "order_ok" in s:
        extra.append(f"<p>Order problem → solution → impact: {'kept ✓' if s.get('order_ok') else 'not kept ✗'}</p>")
    if s.get("score") is not None:
        extra.append(f"<p>Structure score: <strong>{e(s.get('score'))}</strong></p>")
    if s.get("missing"):
        extra.append("<p>Missing: " + ", ".join(e(m) for m in s["missing"]) + "</p>")
    cov = s.get("coverage") or {}
    if cov:
        items = "".join(f'<li class="{"ok" if ok else "bad"}">{"✓" if ok else "✗"} {e(point)}</li>'
                        for point, ok in cov.items())
        extra.append(f"<h3>Key points</h3><ul class=\"coverage\">{items}</ul>")
    return ('<table class="psi"><thead><tr><th>Part</th><th>Present</th><th>Score</th><th>Evidence</th>'
            f'<th>Notes</th></tr></thead><tbody>{"".join(rows)}</tbody></table>' + "".join(extra))


def feedback_html(result: Mapping[str, Any]) -> str:
    items = result.get("feedback") or []
    if not items:
        return '<p class="muted">No feedback recorded for this take.</p>'
    lis = []
    for f in items:
        if isinstance(f, Mapping):
            label = f.get("kind") or f.get("category") or f.get("source")
            prefix = f'<span class="tag">{e(label)}</span> ' if label else ""
            seeks = "".join(f' <a href="#" class="seek" data-t="{float(ev["start_s"]):.2f}">▶ {e(ev.get("text", ""))} '
                            f'{float(ev["start_s"]):.1f}s</a>' for ev in f.get("evidence") or []
                            if isinstance(ev, Mapping) and isinstance(ev.get("start_s"), (int, float)))
            lis.append(f"<li>{prefix}{e(f.get('text', ''))}{seeks}</li>")
        else:
            lis.append(f"<li>{e(f)}</li>")
    return f"<ol class=\"feedback\">{''.join(lis)}</ol>"


def figures_html(take: Take, result: Mapping[str, Any]) -> str:
    d = result.get("delivery") or {}
    pauses = d.get("pauses") or []
    rows = [("Length", f"{take.duration_s:.1f} s" if take.duration_s is not None else "–"),
            ("Pace", f"{d['wpm']:.0f} WPM" if isinstance(d.get("wpm"), (int, float)) else "–"),
            ("Articulation rate", f"{d['articulation_wpm']:.0f} WPM"
             if isinstance(d.get("articulation_wpm"), (int, float)) else "–"),
            ("Fillers", f"{len(d.get('fillers') or [])} ({d.get('fillers_per_100_words', 0):.1f} per 100 words)"),
            ("Long pauses", str(sum(1 for p in pauses if p.get("long")))),
            ("Hedges", str(len(d.get("hedges") or []))),
            ("Structure", "–" if take.structure_score is None else f"{take.structure_score:.0f}"),
            ("Overall", "–" if take.overall is None else f"{take.overall:.0f} / 100")]
    return "<dl class=\"figures\">" + "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in rows) + "</dl>"


# ---- assembly -------------------------------------------------------------------------------

def _template() -> str:
    return data_path("templates", "report.html").read_text(encoding="utf-8")


_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def render_report(take: Take, audio_bytes: bytes, audio_suffix: str, options: HistoryOptions = HistoryOptions()) -> str:
    """The report HTML (pure: everything it needs is passed in)."""
    result = take.result
    words = (result.get("transcript") or {}).get("words") or []
    target = result.get("target") or {}
    low = float(target.get("low", options.target_wpm_low))
    high = float(target.get("high", options.target_wpm_high))
    points = drill_windows(result) or pace_windows(words)
    model = take.model or result.get("model") or {}
    title = f"Take #{take.id}" + (f" — {take.scenario_id}" if take.scenario_id else "")
    meta = " · ".join(x for x in (f"{take.created_at[:19].replace('T', ' ')} UTC", take.kind,
                                  f"scenario {take.scenario_id}" if take.scenario_id else "",
                                  f"model {model.get('name')}" if model.get("name") else "") if x)
    data = {"id": take.id, "scenario": take.scenario_id, "duration_s": take.duration_s,
            "words": [{"t": w.get("text"), "s": w.get("start_s"), "e": w.get("end_s")} for w in words],
            "result": result}
    audio_src = f"data:{MIME.get(audio_suffix.lower(), 'audio/wav')};base64,{base64.b64encode(audio_bytes).decode()}"
    values = {
        "TITLE": e(title), "META": e(meta), "AUDIO_SRC": audio_src, "FIGURES": figures_html(take, result),
        "TRANSCRIPT": transcript_html(result), "STRUCTURE": structure_html(result),
        "PACE": pace_svg(points, float(take.duration_s or 0.0), low, high),
        "BAND": f"{low:.0f}–{high:.0f}", "FEEDBACK": feedback_html(result), "DATA": json_for_script(data),
    }
    page = _template()
    script = _SCRIPT.search(page)
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode("utf-8")).digest()).decode() if script else ""
    values["CSP"] = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
                     "media-src data:; img-src data:; base-uri 'none'; form-action 'none'")
    # one pass: text substituted in is never scanned again for placeholders
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values.get(m.group(1), m.group(0)), page)


def write_report(take: Take, audio_path: Path, output: Path, options: HistoryOptions = HistoryOptions()) -> Path:
    html_text = render_report(take, Path(audio_path).read_bytes(), Path(audio_path).suffix, options)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.part")
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(output)
    return output
