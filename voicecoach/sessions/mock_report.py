"""One self-contained HTML page for a mock session: each question, its audio, transcript, scores, feedback.

Same safety as the take report (sessions/report.py): every text through html.escape, the data
block JSON-escaped for <script>, a Content-Security-Policy that runs only our own inline script
(by its hash) and fetches nothing; the audio is inline (data: URIs), so the page works offline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any, Mapping

from ..config import data_path
from .interviewer import KIND_TITLE
from .report import MIME, e, feedback_html, json_for_script, transcript_html

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _audio_src(path: str | None) -> str | None:
    if not path or not Path(path).is_file():
        return None
    p = Path(path)
    return f"data:{MIME.get(p.suffix.lower(), 'audio/wav')};base64,{base64.b64encode(p.read_bytes()).decode()}"


def _figures(section: Mapping[str, Any]) -> str:
    rows = [("Overall", f"{section.get('overall', 0)} / 100")]
    rows += [(k.title(), str(v)) for k, v in (section.get("scores") or {}).items() if v is not None]
    if isinstance(section.get("duration_s"), (int, float)):
        rows.append(("Length", f"{section['duration_s']:.1f} s of {section.get('budget_s', 0):.0f} s"))
    return "<dl class=\"figures\">" + "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in rows) + "</dl>"


def section_html(section: Mapping[str, Any], result: Mapping[str, Any] | None) -> str:
    """One question's block; `result` is the kept take's full result (words for the transcript)."""
    i = int(section.get("index", 0))
    head = f"<h2>Q{i} · {e(KIND_TITLE.get(str(section.get('kind')), section.get('kind')))}</h2>"
    parts = [f'<section class="q" id="q{i}" data-kind="{e(section.get("kind"))}">', head,
             f'<p class="question">{e(section.get("question"))}</p>']
    if section.get("reason"):
        parts.append(f'<p class="muted">Why this question: {e(section["reason"])}</p>')
    if section.get("passage"):
        parts.append(f"<blockquote>{e(section['passage'].get('text'))}</blockquote>")
    if section.get("snippet"):
        parts.append(f'<p class="muted">Scenario {e(section.get("scenario"))}</p><pre><code>{e(section["snippet"])}'
                     "</code></pre>")
    if not section.get("answered"):
        parts.append(f'<p class="unanswered">{e(section.get("status"))}: {e(section.get("note") or "")}</p>')
        return "".join(parts) + "</section>"
    src = _audio_src(section.get("audio"))
    parts.append(f'<audio controls preload="auto" src="{src}">Your browser cannot play this audio.</audio>' if src
                 else '<p class="muted">The audio of this answer is not on disk any more.</p>')
    parts.append(_figures(section))
    if result is not None:
        parts.append(f'<div class="transcript">{transcript_html(result)}</div>')
        parts.append(feedback_html(result))
    else:
        parts.append(f'<p class="transcript">{e(section.get("transcript"))}</p>')
        parts.append("<ol class=\"feedback\">" + "".join(f"<li>{e(f)}</li>" for f in section.get("feedback") or [])
                     + "</ol>")
    if section.get("overrun"):
        parts.append(f'<p class="muted">Over time: {e(section["overrun"])}</p>')
    return "".join(parts) + "</section>"


def render_mock_report(session: Mapping[str, Any], results: Mapping[int, Mapping[str, Any]]) -> str:
    """The page (pure): `results` maps a section index to its take's full result."""
    title = f"Mock session #{session.get('session_id')}"
    meta = (f"round {session.get('round')} · attempt {session.get('attempt')}/{session.get('attempts_allowed')} · "
            f"stack {session.get('stack')} ({session.get('stack_source')}) · {session.get('minutes')} min · "
            f"seed {session.get('seed')} · {session.get('status')}")
    notes = "".join(f'<p class="muted">Note: {e(n)}</p>' for n in session.get("notes") or [])
    sections = "".join(section_html(s, results.get(int(s.get("index", 0)))) for s in session.get("sections") or [])
    data = {"session_id": session.get("session_id"), "overall": session.get("overall"),
            "sections": [{k: s.get(k) for k in ("index", "kind", "question", "overall", "transcript", "status")}
                         for s in session.get("sections") or []]}
    values = {"TITLE": e(title), "META": e(meta), "OVERALL": e(session.get("overall")),
              "SUMMARY": e(session.get("summary")), "NOTES": notes, "SECTIONS": sections,
              "DATA": json_for_script(data)}
    page = data_path("templates", "mock_report.html").read_text(encoding="utf-8")
    script = _SCRIPT.search(page)
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode("utf-8")).digest()).decode() if script else ""
    values["CSP"] = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
                     "media-src data:; img-src data:; base-uri 'none'; form-action 'none'")
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values.get(m.group(1), m.group(0)), page)


def write_mock_report(session: Mapping[str, Any], output: Path) -> Path:
    """Write the page atomically; each answer's words come from its take in the history."""
    from ..store.db import open_store

    results: dict[int, Mapping[str, Any]] = {}
    ids = {int(s["index"]): s.get("take_id") for s in session.get("sections") or [] if s.get("take_id")}
    if ids:
        with open_store() as store:
            for index, take_id in ids.items():
                try:
                    results[index] = store.get_take(int(take_id)).result
                except Exception:  # noqa: BLE001 - a missing take shows the section's own text instead
                    continue
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.part")
    tmp.write_text(render_mock_report(session, results), encoding="utf-8")
    tmp.replace(output)
    return output
