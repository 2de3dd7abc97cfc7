"""Pacing maths (voicecoach/speech/pacing.py) and the drill's pure parts, on hand-made word lists."""

from __future__ import annotations

import pytest

from voicecoach.config import load_config
from voicecoach.sessions.drill import (DrillOptions, build_spec, gauge, gauge_line, load_passages, summary_sentences,
                              summary_text)
from voicecoach.errors import UnusableInput
from voicecoach.config import data_path
from voicecoach.speech.pacing import (PRESETS, Band, align_passage, align_to_passage, band_shares, longest_stretch, overall_wpm,
                               pace_windows, parse_band, suggest_band, time_in_band_pct, tokens, window_bounds)
from voicecoach.speech.stream import LiveStatus
from voicecoach.types import Word

BAND = Band(130, 160)


def speak(rate_wpm: float, seconds: float, start_s: float = 0.0, label: str = "w") -> list[Word]:
    """Evenly spaced words at `rate_wpm` for `seconds` (each word fills 80% of its slot)."""
    n = round(rate_wpm * seconds / 60)
    slot = seconds / n
    return [Word(f"{label}{i}", start_s + i * slot, start_s + i * slot + 0.8 * slot, 0.9) for i in range(n)]


def test_parse_band_accepts_low_high_and_explains_mistakes():
    assert parse_band("130-160") == Band(130, 160)
    assert parse_band(" 110 – 150 ") == Band(110, 150)
    for bad in ("160-130", "fast", "0-100", "130", ""):
        with pytest.raises(ValueError, match="LOW"):
            parse_band(bad)


def test_classify_is_inclusive_at_the_edges():
    assert [BAND.classify(v) for v in (129.9, 130, 145, 160, 160.1)] == ["below", "in", "in", "in", "above"]


def test_window_bounds_merge_a_short_tail_and_keep_a_long_one():
    assert window_bounds(0, 25) == [(0, 10), (10, 20), (20, 25)]
    assert window_bounds(0, 23) == [(0, 10), (10, 23)]  # a 3 s tail joins the window before
    assert window_bounds(2, 6) == [(2, 6)]  # shorter than one window: one window
    assert window_bounds(5, 5) == []


def test_windows_follow_a_changing_pace_and_time_in_band_weights_by_duration():
    words = speak(145, 10) + speak(200, 10, 10) + speak(100, 20, 20)
    windows = pace_windows(words, BAND)
    assert [w.band for w in windows] == ["in", "above", "below", "below"]
    assert [w.wpm for w in windows] == pytest.approx([145, 200, 100, 100], abs=6)
    assert sum(w.words for w in windows) == len(words)  # every word counted once
    assert time_in_band_pct(windows) == pytest.approx(100 * 10 / windows[-1].end_s, abs=0.1)
    shares = band_shares(windows)
    assert shares["below"] > shares["above"] > 0 and sum(shares.values()) == pytest.approx(100, abs=0.2)


def test_no_words_no_windows_and_no_share():
    assert pace_windows([], BAND) == []
    assert time_in_band_pct([]) is None
    assert overall_wpm([]) is None and overall_wpm(speak(150, 1)) is None


def test_longest_stretches_carry_their_own_words():
    fast1 = speak(190, 10, 0, "a")
    calm = speak(145, 10, 10, "b")
    fast2 = speak(185, 20, 20, "c")
    slow = speak(100, 10, 40, "d")
    words = fast1 + calm + fast2 + slow
    windows = pace_windows(words, BAND)
    fast = longest_stretch(windows, words, "above")
    assert (fast.start_s, round(fast.end_s, 1)) == (20, 40.0)  # two windows beat one
    assert fast.text.split() == [w.text for w in fast2]
    assert fast.wpm == pytest.approx(185, abs=6)
    too_slow = longest_stretch(windows, words, "below")
    assert too_slow.text.split() == [w.text for w in slow]
    assert longest_stretch(pace_windows(calm, BAND), calm, "above") is None
    with pytest.raises(ValueError):
        longest_stretch(windows, words, "in")


def test_equal_length_stretches_prefer_the_more_extreme():
    words = speak(170, 10, 0, "a") + speak(145, 10, 10, "b") + speak(230, 10, 20, "c") + speak(145, 10, 30, "d")
    fast = longest_stretch(pace_windows(words, BAND), words, "above")
    assert fast.text.startswith("c0")


@pytest.mark.parametrize("natural", [80, 102, 128, 145, 171, 216, 260])
def test_suggested_band_holds_the_natural_pace_and_leans_toward_the_target(natural):
    band = suggest_band(natural, BAND, max_shift=15)
    assert band.low <= natural <= band.high
    assert band.width == BAND.width
    centre = (band.low + band.high) / 2
    assert abs(centre - 145) <= abs(natural - 145) + 2.5  # never further from the target (5 WPM rounding)
    assert band.low % 5 == 0


def test_suggested_band_for_a_calm_reader_is_the_target_itself():
    assert suggest_band(145, BAND) == BAND
    assert suggest_band(100, BAND, max_shift=15) == Band(100, 130)  # centre 115: moved 15 up, not 45


PASSAGE = "When a request arrives, the server opens a connection, reads the body and writes one row."


def test_alignment_counts_the_passage_words_not_the_transcript_mistakes():
    heard = ["When", "a", "request", "arrives,", "the", "server", "opens", "a", "connection,", "reads", "the",
             "modding", "and", "writes", "one-row.", "Thank", "you."]
    words = [Word(t, i * 0.4, i * 0.4 + 0.3, 0.9) for i, t in enumerate(heard)]
    aligned, share = align_to_passage(PASSAGE, words)
    assert [w.text for w in aligned] == tokens(PASSAGE)  # "modding" timed as "body", "thank you" dropped
    assert share == 1.0
    body = aligned[11]
    assert body.text == "body" and words[10].end_s <= body.start_s <= body.end_s <= words[12].start_s
    assert aligned[-1].end_s == words[14].end_s  # "one-row." gave two tokens, the passage's last is "row"


def test_alignment_stops_where_the_reader_stopped():
    heard = "When a request arrives the server opens".split()
    words = [Word(t, i * 0.4, i * 0.4 + 0.3, 0.9) for i, t in enumerate(heard)]
    aligned, share = align_to_passage(PASSAGE, words)
    assert len(aligned) == 7 and share == pytest.approx(7 / len(tokens(PASSAGE)), abs=0.001)
    assert align_to_passage(PASSAGE, [Word("banana", 0, 1, 1)]) == ([], 0.0)
    assert align_to_passage(PASSAGE, []) == ([], 0.0)


def test_gauge_places_the_pace_against_the_band():
    assert gauge(None, BAND).count("|") == 0
    below, inside, above = gauge(100, BAND), gauge(145, BAND), gauge(200, BAND)
    assert below.index("|") < below.index("=") and above.index("|") > above.rindex("=")
    at = inside.index("|")
    assert below.index("|") < at < above.index("|") and inside[at - 1] == inside[at + 1] == "="
    status = LiveStatus(elapsed_s=42.0, level_dbfs=-20, speaking=True, heard_speech=True, silence_s=0,
                        wpm=175.0, words=90, end_of_speech=False)
    line = gauge_line(status, BAND, 60)
    assert "175 wpm" in line and "ABOVE" in line and "0:18 left" in line


def _data(pct, fast=None, slow=None, fillers=0):
    return {"target": {"low": 130, "high": 160}, "time_in_band_pct": pct,
            "stretches": {"too_fast": fast, "too_slow": slow}, "delivery": {"fillers": [{}] * fillers}}


def test_summary_says_the_share_and_the_worst_stretch():
    fast = {"band": "above", "duration_s": 20, "wpm": 182, "words": "the server opens a connection and reads"}
    text = summary_text(_data(40, fast=fast, fillers=4))
    assert "130 to 160" in text and "40 percent" in text
    assert "Slow down" in text and "the server opens a connection" in text and "182 words per minute" in text
    assert "4 fillers" in text
    # spoken one sentence at a time, each short enough for pyttsx3 to render whole
    assert all(len(x.split()) <= 22 for x in summary_sentences(_data(40, fast=fast, fillers=4)))
    assert "Pick up the pace" in summary_text(_data(10, slow={**fast, "band": "below", "wpm": 95}))
    cal = summary_text({"calibration": {"natural_wpm": 171, "suggested": {"low": 155, "high": 185}}})
    assert "171" in cal and "155 to 185" in cal


def test_band_comes_from_coaching_config_and_target_overrides_it(voicecoach_home):
    voicecoach_home.mkdir(parents=True, exist_ok=True)
    (voicecoach_home / "config.toml").write_text("[coaching]\ntarget_wpm_min = 110\ntarget_wpm_max = 150\n"
                                                 "[drill]\nwindow_s = 8.0\n")
    opts = DrillOptions.from_config(load_config())
    assert opts.band == Band(110, 150)
    assert opts.window_s == 8.0 and opts.practice.stream.pace_window_s == 8.0  # live gauge, same span
    assert DrillOptions.from_config(load_config(), target="120-140").band == Band(120, 140)
    with pytest.raises(UnusableInput):
        DrillOptions.from_config(load_config(), target="fast")


def test_defaults_band_is_the_coaching_band():
    opts = DrillOptions.from_config(load_config())
    coaching = load_config().section("coaching")
    assert opts.band == Band(coaching["target_wpm_min"], coaching["target_wpm_max"]) == Band(130, 160)


def test_drill_kinds_presets_and_time_limits():
    opts = DrillOptions()
    read = build_spec(opts)
    assert read.kind == "read-aloud" and read.passage.id == opts.passage and read.seconds == opts.seconds
    elevator = build_spec(opts, preset="elevator")
    assert elevator.kind == "free" and elevator.seconds == PRESETS["elevator"].seconds == 60
    deep = build_spec(opts, preset="deep-dive", scenario_id="py-pagination-off-by-one")
    assert deep.seconds == 120 and deep.scenario_id == "py-pagination-off-by-one"
    assert deep.instruction.startswith(deep.scenario.prompt)
    scen = build_spec(opts, scenario_id="py-pagination-off-by-one")
    assert scen.seconds == scen.scenario.time_box_s
    assert build_spec(opts, preset="elevator", seconds=45).seconds == 45
    cal = build_spec(opts, calibrate=True)
    assert cal.kind == "calibrate" and cal.passage.calibrate
    for bad in ({"text": "x", "scenario_id": "y"}, {"calibrate": True, "preset": "elevator"},
                {"text": "connection-leak", "preset": "elevator"}, {"preset": "marathon"}, {"seconds": 0},
                {"text": "no-such-passage"}):
        with pytest.raises(UnusableInput):
            build_spec(opts, **bad)


def test_bundled_passages_are_readable_and_one_calibrates(tmp_path):
    passages = load_passages()
    assert len(passages) >= 4 and sum(p.calibrate for p in passages.values()) == 1
    for p in passages.values():
        assert 80 <= p.word_count <= 200, p.id  # 30-90 s at a calm pace
        assert not any(ch.isdigit() for ch in p.text), f"{p.id}: digits can be read several ways"
    own = tmp_path / "mine.txt"
    own.write_text("Read these five words aloud.\n")
    spec = build_spec(DrillOptions(), text=str(own))
    assert spec.passage.word_count == 5 and spec.passage.id == "mine"


def _timed(text: str, wpm: float = 150.0) -> list[Word]:
    step = 60.0 / wpm
    return [Word(t, i * step, i * step + 0.8 * step, 0.9) for i, t in enumerate(text.split())]


LEAK = data_path("seeds", "drills", "connection-leak.toml")
OTHER_BUG = ("The bug is an off by one error in the pagination query. The handler computes the offset as page "
             "times page size, but pages start at one, so the first page skips the first twenty rows and the "
             "last page comes back empty. The fix is to compute the offset as page minus one, times page size, "
             "and to reject a page number below one with a four hundred error. I would add a test that creates "
             "twenty five rows and checks that page one returns rows one to twenty.")


def test_an_answer_about_another_bug_is_off_the_passage():
    import tomllib

    passage = tomllib.loads(LEAK.read_text())["text"]
    off = align_passage(passage, _timed(OTHER_BUG))
    assert off.off_text and off.words == [] and off.read_share < 0.2 and off.followed_share < 0.3
    assert align_to_passage(passage, _timed(OTHER_BUG)) == ([], off.read_share)  # the old signature still works
    on = align_passage(passage, _timed(passage))
    assert not on.off_text and on.read_share == 1.0 and on.followed_share == 1.0
    # the first half read, then an ad-lib: half the passage, still following it
    half = " ".join(passage.split()[: len(passage.split()) // 2])
    mixed = align_passage(passage, _timed(half + " and that is about it really"))
    assert not mixed.off_text and 0.45 <= mixed.read_share <= 0.55
    # a skipped sentence is not read; misheard words are
    sentences = passage.split(". ")
    skipped = align_passage(passage, _timed(". ".join(sentences[:1] + sentences[2:])))
    assert not skipped.off_text and skipped.read_share < 0.95
