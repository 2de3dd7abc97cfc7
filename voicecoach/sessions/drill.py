"""Pacing drills: speak against a words-per-minute band, on the live practice path.

A drill is a practice take (sessions/practice.py `record_take`: source -> streaming
transcription -> result) with a pace target. Kinds:
- read-aloud: a passage from seeds/drills/ (or --text FILE); its words are known, so the pace
  counts the passage's words, timed by the transcript (pacing.align_to_passage);
- free: explain a scenario (or a generic prompt), optionally in a preset time box
  ("elevator" 60 s, "deep-dive" 120 s);
- calibrate: read the calibration passage at your natural pace; a band is suggested from it.
The pure pacing maths is in speech/pacing.py; this module never prints (the CLI does).
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from ..config import Config, data_path, user_dir
from ..errors import UnusableInput, VoiceCoachError
from .live import clock
from ..speech.pacing import (PRESETS, Band, PaceWindow, Stretch, align_passage, band_shares, longest_stretch,
                     overall_wpm, pace_windows, parse_band, suggest_band, time_in_band_pct, tokens)
from .practice import PracticeOptions, StopControl, Take, record_take, result_json
from ..speech.stream import LiveStatus
from ..types import Word

log = logging.getLogger("voicecoach")

PASSAGES_DIR = data_path("seeds", "drills")
TAKES_DIR = "takes"
PICK_A_BUG = "Pick a bug you fixed recently."
GENERIC_PROMPT = ("Explain a bug you fixed recently: what was wrong, how you fixed it, and why it mattered. "
                  "Lead with the problem in one sentence.")


# ---- passages -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str
    calibrate: bool = False

    @property
    def word_count(self) -> int:
        return len(tokens(self.text))


def _read_passage(path: Path) -> Passage:
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            text = data.get("text")
            if not isinstance(text, str) or not text.strip():
                raise UnusableInput(f"drill passage {path}: `text` must be a non-empty string")
            return Passage(path.stem, str(data.get("title") or path.stem), " ".join(text.split()),
                           bool(data.get("calibrate", False)))
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UnusableInput(f"cannot read the drill passage {path}: {exc}") from exc
    if not tokens(text):
        raise UnusableInput(f"drill passage {path} has no words to read")
    return Passage(path.stem, path.stem, " ".join(text.split()))


def passage_dirs() -> list[Path]:
    """The bundled passages, then the user's (`<user folder>/drills/`, same id replaces)."""
    return [PASSAGES_DIR, user_dir() / "drills"]


def load_passages() -> dict[str, Passage]:
    found: dict[str, Passage] = {}
    for folder in passage_dirs():
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in (".toml", ".txt") and path.is_file():
                    p = _read_passage(path)
                    found[p.id] = p
    return found


def get_passage(spec: str) -> Passage:
    """A passage by file path or by id (seeds/drills/<id>.toml)."""
    path = Path(spec).expanduser()
    if path.is_file():
        return _read_passage(path)
    passages = load_passages()
    if spec in passages:
        return passages[spec]
    raise UnusableInput(f"no drill passage {spec!r}: give a text file, or one of {', '.join(sorted(passages))}")


def calibration_passage() -> Passage:
    for p in load_passages().values():
        if p.calibrate:
            return p
    raise VoiceCoachError(f"no calibration passage (a file with `calibrate = true` in {PASSAGES_DIR})")


# ---- options and what to do -----------------------------------------------------------------

@dataclass(frozen=True)
class DrillOptions:
    band: Band = Band(130.0, 160.0)
    window_s: float = 10.0
    min_last_window_s: float = 5.0
    seconds: float = 120.0  # limit when neither --seconds, a preset nor a scenario sets one
    passage: str = "connection-leak"
    calibrate_max_shift_wpm: float = 15.0
    practice: PracticeOptions = PracticeOptions()

    @classmethod
    def from_config(cls, cfg: Config, *, target: str | None = None, speak: bool | None = None) -> "DrillOptions":
        """The band is [coaching] target_wpm_min/max (shared with coaching and history) unless --target."""
        d, c = cfg.section("drill"), cfg.section("coaching")
        if target:
            try:
                band = parse_band(target)
            except ValueError as exc:
                raise UnusableInput(str(exc)) from exc
        else:
            band = Band(float(c.get("target_wpm_min", 130)), float(c.get("target_wpm_max", 160)))
        window_s = float(d.get("window_s", 10.0))
        practice = PracticeOptions.from_config(cfg, speak=speak)
        # the live gauge and the windows after the take measure the same span; utterances close
        # sooner than in practice so the gauge moves every few seconds, not every 8
        stream = dataclasses.replace(practice.stream, pace_window_s=window_s,
                                     min_chunk_s=float(d.get("live_chunk_s", practice.stream.min_chunk_s)))
        practice = dataclasses.replace(practice, stream=stream)
        return cls(band=band, window_s=window_s, min_last_window_s=float(d.get("min_last_window_s", window_s / 2)),
                   seconds=float(d.get("seconds", 120)), passage=str(d.get("passage", "connection-leak")),
                   calibrate_max_shift_wpm=float(d.get("calibrate_max_shift_wpm", band.width / 2)), practice=practice)


@dataclass(frozen=True)
class DrillSpec:
    """What the person does in this drill."""

    kind: str  # "read-aloud" | "free" | "calibrate"
    title: str
    instruction: str
    seconds: float
    passage: Passage | None = None
    scenario: Any = None  # scenarios.Scenario for a scenario drill
    preset: str | None = None

    @property
    def scenario_id(self) -> str | None:
        return getattr(self.scenario, "id", None)


def build_spec(options: DrillOptions, *, text: str | None = None, scenario_id: str | None = None,
               preset: str | None = None, calibrate: bool = False, seconds: float | None = None) -> DrillSpec:
    """Pick the drill kind from the flags; --seconds beats preset, scenario time box and config."""
    if sum(bool(x) for x in (text, scenario_id, calibrate)) > 1:
        raise UnusableInput("choose one of --text, --scenario and --calibrate")
    if calibrate and preset:
        raise UnusableInput("--calibrate reads a passage; it takes no --preset")
    if text and preset:
        raise UnusableInput("a preset is a free explanation; use it with --scenario or alone, not with --text")
    if seconds is not None and seconds <= 0:
        raise UnusableInput("--seconds must be above 0")
    if calibrate:
        p = calibration_passage()
        return DrillSpec("calibrate", p.title, "Read this aloud at your natural pace, as if explaining it to a colleague.",
                         seconds or options.seconds, passage=p)
    if scenario_id or preset:
        scenario = None
        if scenario_id:
            from ..coach.scenarios import get_scenario

            scenario = get_scenario(scenario_id)
        if preset is not None and preset not in PRESETS:
            raise UnusableInput(f"no preset {preset!r}: one of {', '.join(PRESETS)}")
        p = PRESETS.get(preset) if preset else None
        limit = seconds or (p.seconds if p else float(scenario.time_box_s))
        lead = scenario.prompt if scenario is not None else (PICK_A_BUG if p else GENERIC_PROMPT)
        instruction = f"{lead} {p.prompt}" if p else lead
        title = (scenario.title if scenario else "Explain a bug") + (f" ({p.name}, {limit:.0f} s)" if p else "")
        return DrillSpec("free", title, instruction, limit, scenario=scenario, preset=preset)
    passage = get_passage(text or options.passage)
    return DrillSpec("read-aloud", passage.title, "Read this aloud, keeping your pace inside the band.",
                     seconds or options.seconds, passage=passage)


# ---- the take -------------------------------------------------------------------------------

def new_drill_path(now: datetime | None = None) -> Path:
    folder = user_dir() / TAKES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"drill-{stamp}.wav", 1
    while path.exists():
        n += 1
        path = folder / f"drill-{stamp}-{n}.wav"
    return path


def run_drill(source, scorer, spec: DrillSpec, options: DrillOptions, ui, control: StopControl | None = None,
              path: Path | None = None) -> Take:
    """Open the source, show the task, count down, record with the live gauge (`ui.status`)."""
    source.open()
    try:
        ui.show_task(spec, options)
        scorer.transcriber  # load the model before the countdown, not while the person speaks
        ui.countdown(options.practice.countdown_s)
    except BaseException:
        source.close()
        raise
    on_status: Callable[[LiveStatus], None] = lambda s: ui.status(s, spec.seconds)  # noqa: E731
    take = record_take(source, scorer, options.practice, max_seconds=spec.seconds, path=path or new_drill_path(),
                       control=control, on_status=on_status)
    ui.stopped(take.stop_reason, take.detail)
    return take


# ---- after the take -------------------------------------------------------------------------

@dataclass(frozen=True)
class PacingReport:
    target: Band
    windows: list[PaceWindow]
    time_in_band_pct: float | None
    shares: dict[str, float]
    too_fast: Stretch | None
    too_slow: Stretch | None
    wpm: float | None  # over the speech span (passage words for a read-aloud)
    source: str  # "passage" | "transcript"
    passage_read_pct: float | None
    off_passage: bool = False  # a read-aloud take that did not follow the passage


def analyze_pacing(words: list[Word], spec: DrillSpec, options: DrillOptions) -> PacingReport:
    """Windows, time in band and stretches; a passage's own words when there is one."""
    source, read_pct, off = "transcript", None, False
    if spec.passage is not None:
        aligned = align_passage(spec.passage.text, words)
        read_pct, off = round(100.0 * aligned.read_share, 1), aligned.off_text
        if aligned.words:  # off the text (said something else): the pace is what was heard
            words, source = aligned.words, "passage"
    windows = pace_windows(words, options.band, options.window_s, options.min_last_window_s)
    return PacingReport(
        target=options.band, windows=windows, time_in_band_pct=time_in_band_pct(windows),
        shares=band_shares(windows), too_fast=longest_stretch(windows, words, "above"),
        too_slow=longest_stretch(windows, words, "below"), wpm=overall_wpm(words), source=source,
        passage_read_pct=read_pct, off_passage=off,
    )


def drill_json(take: Take, spec: DrillSpec, options: DrillOptions, pacing: PacingReport) -> dict[str, Any]:
    """The practice JSON (score JSON + timing.finalize_s) plus the pacing fields."""
    data = result_json(take)
    data["target"] = pacing.target.to_dict()
    data["windows"] = [w.to_dict() for w in pacing.windows]
    data["time_in_band_pct"] = pacing.time_in_band_pct
    data["stretches"] = {"too_fast": pacing.too_fast.to_dict() if pacing.too_fast else None,
                         "too_slow": pacing.too_slow.to_dict() if pacing.too_slow else None}
    data["drill"] = {
        "kind": spec.kind, "preset": spec.preset, "passage": spec.passage.id if spec.passage else None,
        "scenario": spec.scenario_id, "seconds": spec.seconds, "window_s": options.window_s,
        "pace_wpm": pacing.wpm, "pace_source": pacing.source, "passage_read_pct": pacing.passage_read_pct,
        "off_passage": pacing.off_passage,
        "band_shares_pct": pacing.shares,
    }
    if spec.kind == "calibrate" and pacing.wpm is not None:
        suggested = suggest_band(pacing.wpm, options.band, max_shift=options.calibrate_max_shift_wpm)
        data["calibration"] = {"natural_wpm": pacing.wpm, "suggested": suggested.to_dict(),
                               "reliable": (pacing.passage_read_pct or 0) >= 50.0}
    return data


def _quote(text: str, words: int = 6) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def summary_sentences(data: Mapping[str, Any]) -> list[str]:
    """The spoken summary, most useful first: short sentences, so the first is heard soon (tts
    plays each one as soon as it is rendered)."""
    cal = data.get("calibration")
    if cal:
        s = cal["suggested"]
        return [f"Your natural pace is {cal['natural_wpm']:.0f} words per minute.",
                f"Try a target band of {s['low']:.0f} to {s['high']:.0f}."]
    t, pct = data["target"], data.get("time_in_band_pct")
    if pct is None:
        return ["There was too little speech to measure your pace."]
    out = [f"You were inside {t['low']:.0f} to {t['high']:.0f} words per minute for {pct:.0f} percent of the time."]
    if (data.get("drill") or {}).get("off_passage"):
        out.insert(0, "That was not the passage, so your pace is counted on what you said.")
    fast, slow = data["stretches"]["too_fast"], data["stretches"]["too_slow"]
    worst = max((s for s in (fast, slow) if s), key=lambda s: s["duration_s"], default=None)
    if worst is not None:
        advice = "Slow down" if worst["band"] == "above" else "Pick up the pace"
        out.append(f"{advice} at \"{_quote(worst['words'], 5).rstrip('.')}\": {worst['wpm']:.0f} words per minute.")
    elif pct >= 99.5:
        out.append("Steady pace all the way. Keep it.")
    fillers = len(data["delivery"]["fillers"])
    if fillers > 2:
        out.append(f"{fillers} fillers: pause silently instead.")
    return out


def summary_text(data: Mapping[str, Any]) -> str:
    return " ".join(summary_sentences(data))


def save_drill(data: dict[str, Any], take: Take, spec: DrillSpec, options: DrillOptions) -> int:
    """Keep the drill in the history store (kind "drill"); the take id."""
    from ..store.db import open_store

    settings = {"target": options.band.to_dict(), "seconds": spec.seconds, "kind": spec.kind, "preset": spec.preset,
                "passage": spec.passage.id if spec.passage else None, "window_s": options.window_s}
    with open_store() as store:
        return store.save_take(data, kind="drill", audio_path=take.path, scenario_id=spec.scenario_id,
                               settings=settings, move_audio=True)


# ---- the live gauge -------------------------------------------------------------------------

GAUGE_CELLS = 24


def gauge(wpm: float | None, band: Band, cells: int = GAUGE_CELLS) -> str:
    """The band in the middle third of a bar ('='), the pace as '|' (clamped at the ends)."""
    lo, hi = band.low - band.width, band.high + band.width
    scale = (hi - lo) / cells

    def cell(v: float) -> int:
        return max(0, min(cells - 1, int((v - lo) / scale)))

    bar = ["=" if band.low <= lo + (i + 0.5) * scale <= band.high else "-" for i in range(cells)]
    if wpm is not None:
        bar[cell(wpm)] = "|"
    return "".join(bar)


def gauge_line(status: LiveStatus, band: Band, max_seconds: float) -> str:
    """One live line: pace over the last window against the band, and the time left."""
    if status.wpm is None:
        pace, where = " -- wpm", "      "
    else:
        pace, where = f"{status.wpm:3.0f} wpm", f"{band.classify(status.wpm).upper():<6}"
    return (f"PACE {band.low:.0f} [{gauge(status.wpm, band)}] {band.high:.0f}  {pace} {where} "
            f"{clock(max_seconds - status.elapsed_s)} left  {'speaking' if status.speaking else 'pause'}")
