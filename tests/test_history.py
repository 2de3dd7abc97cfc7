"""History helpers and the history/progress/compare/export/delete commands."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from take_factory import make_result, write_wav
from voicecoach.cli import main
from voicecoach.store.history import (METRICS, HistoryOptions, attempt_numbers, compare, progress, reuse_ratio, series,
                                sparkline, verdict)
from voicecoach.store.db import open_store

FIRST = ("so the problem is that the loop reads one element past the end of the buffer "
         "and um the fix is to stop at length minus one which keeps the service from crashing")
REPEAT = ("so the problem is that the loop reads one element past the end of the buffer "
          "and the fix is to stop at length minus one which keeps the service from crashing on bad input")
FRESH = ("an off by one error lets the index reach the buffer size; bounding the loop with a strict "
         "less than check solves it, and customers no longer see crashes when they upload short files")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def saved(tmp_path):
    """Three takes: two retakes of one scenario and one free take."""
    wav = write_wav(tmp_path / "a.wav")
    with open_store() as store:
        ids = [
            store.save_take(make_result(FIRST, scenario="bounds", coverage={"root cause": True, "fix": True,
                                                                             "impact": False},
                                        structure_score=50, overall=55, wpm_words_per_s=1.8),
                            audio_path=wav),
            store.save_take(make_result(REPEAT, scenario="bounds", coverage={"root cause": True, "fix": False,
                                                                              "impact": True},
                                        structure_score=70, overall=68, wpm_words_per_s=2.4),
                            audio_path=wav),
            store.save_take(make_result("um uh hello um there", wpm_words_per_s=3.5), kind="practice",
                            audio_path=wav),
        ]
    return ids


def test_reuse_ratio_separates_repeated_from_fresh_wording():
    a, repeat, fresh = make_result(FIRST), make_result(REPEAT), make_result(FRESH)
    assert reuse_ratio(a, a) == 1.0
    assert reuse_ratio(a, repeat) > HistoryOptions().reuse_warn_ratio
    assert reuse_ratio(a, fresh) < HistoryOptions().reuse_warn_ratio
    assert reuse_ratio(a, make_result("too short")) is None
    # fillers do not break a repeated phrase
    assert reuse_ratio(make_result("we fix the loop bound now"), make_result("we um fix the loop bound now")) == 1.0


def test_compare_metrics_points_and_warning(saved):
    with open_store() as store:
        a, b = store.get_take(saved[0]), store.get_take(saved[1])
    cmp = compare(a, b)
    assert cmp.same_scenario
    assert cmp.newly_covered == ("impact",) and cmp.lost == ("fix",)
    by_key = {c.metric.key: c for c in cmp.changes}
    assert by_key["overall"].delta == pytest.approx(13) and by_key["overall"].verdict == "better"
    assert by_key["structure_score"].verdict == "better"
    assert by_key["wpm"].before == a.wpm and by_key["wpm"].after == b.wpm
    assert cmp.reuse_warning and f"#{b.id}" in cmp.reuse_warning


def test_verdict_for_wpm_is_about_the_band():
    wpm = next(m for m in METRICS if m.key == "wpm")
    opts = HistoryOptions()
    assert verdict(wpm, 110, 140, opts) == "better"
    assert verdict(wpm, 150, 200, opts) == "worse"
    assert verdict(wpm, 135, 155, opts) == "same"  # both inside the band
    fillers = next(m for m in METRICS if m.key == "fillers_per_100_words")
    assert verdict(fillers, 8, 3, opts) == "better" and verdict(fillers, None, 3, opts) == "n/a"


def test_progress_series_and_sparkline(saved):
    with open_store() as store:
        takes = store.list_takes()
    trends = {t.metric.key: t for t in progress(takes)}
    assert trends["wpm"].values == [t.wpm for t in takes]
    assert trends["overall"].values == [55.0, 68.0]  # the practice take has no overall
    assert trends["overall"].slope == pytest.approx(13.0)
    assert list(series(takes)) == ["bounds"] and [t.id for t in series(takes)["bounds"]] == saved[:2]
    assert attempt_numbers(takes) == {saved[0]: 1, saved[1]: 2}
    assert sparkline([1, 2, 3]) == "▁▅█" and sparkline([4, 4]) == "▄▄" and sparkline([]) == ""


def test_history_json_lists_ids_and_filters(saved):
    res = run("history", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["id"] for r in rows] == saved
    assert rows[1]["attempt"] == 2 and rows[2]["kind"] == "practice"
    rows = json.loads(run("history", "--scenario", "bounds", "--json").output)
    assert [r["id"] for r in rows] == saved[:2]
    table = run("history")
    assert table.exit_code == 0 and "bounds" in table.output and "2/3" in table.output


def test_history_empty_is_friendly():
    res = run("history")
    assert res.exit_code == 0 and "No takes kept yet" in res.output
    assert json.loads(run("history", "--json").output) == []


def test_progress_command(saved):
    data = json.loads(run("progress", "--json").output)
    assert [d["metric"] for d in data] == ["wpm", "fillers_per_100_words", "structure_score", "overall"]
    overall = next(d for d in data if d["metric"] == "overall")
    assert [p["id"] for p in overall["points"]] == saved[:2] and overall["last"] == 68.0
    res = run("progress")
    assert res.exit_code == 0 and "overall" in res.output and any(ch in res.output for ch in "▁█")


def test_compare_command(saved):
    data = json.loads(run("compare", str(saved[0]), str(saved[1]), "--json").output)
    assert data["newly_covered"] == ["impact"] and data["lost"] == ["fix"] and data["reuse_warning"]
    res = run("compare", str(saved[0]), str(saved[1]))
    assert res.exit_code == 0 and "warning" in res.output and "impact" in res.output
    missing = run("compare", str(saved[0]), "999")
    assert missing.exit_code == 2 and "no take #999" in missing.output


def test_export_csv_and_json(saved):
    res = run("export", "--csv")
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [int(r["id"]) for r in rows] == saved
    assert rows[0]["scenario_id"] == "bounds" and float(rows[0]["overall"]) == 55.0 and rows[2]["overall"] == ""
    data = json.loads(run("export", "--json").output)
    assert [d["id"] for d in data] == saved
    assert data[0]["result"]["transcript"]["words"][0]["text"] == "so"
    assert json.loads(run("export").output) == data  # JSON is the default


def test_delete_asks_then_removes_audio(saved, voicecoach_home):
    with open_store() as store:
        audio = store.audio_file(store.get_take(saved[0]))
    res = run("delete", str(saved[0]), input="n\n")
    assert res.exit_code != 0 and audio.exists()
    res = run("delete", str(saved[0]), input="y\n")
    assert res.exit_code == 0 and not audio.exists()
    res = run("delete", str(saved[1]), "--yes")
    assert res.exit_code == 0 and f"deleted take #{saved[1]}" in res.output
    assert [r["id"] for r in json.loads(run("history", "--json").output)] == [saved[2]]
    assert run("delete", "12345", "--yes").exit_code == 2


def test_config_sets_the_reuse_threshold_and_band(saved, voicecoach_home):
    (voicecoach_home / "config.toml").write_text("[history]\nreuse_warn_ratio = 0.99\n"
                                                 "[coaching]\ntarget_wpm_min = 90\ntarget_wpm_max = 120\n")
    from voicecoach.cli.history_cmd import _options

    opts = _options()
    assert (opts.reuse_warn_ratio, opts.target_wpm_low, opts.target_wpm_high) == (0.99, 90.0, 120.0)
    data = json.loads(run("compare", str(saved[0]), str(saved[1]), "--json").output)
    assert data["wording_reuse"] < 0.99 and data["reuse_warning"] is None
