"""The HTML report: pure rendering checks and a real headless Chromium (Debian chromium + chromedriver)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import shared_audio
from take_factory import make_result, write_wav
from voicecoach.cli import main
from voicecoach.sessions.report import json_for_script, pace_windows, render_report, write_report
from voicecoach.store.db import open_store

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
EVIL = "<script>window.__pwned=1</script>"
REAL_CLIP = "ami_en2001a_sure-tagger/ami_EN2001a_utterance_00006.wav"


def evil_result() -> dict:
    text = f"so um the bug is {EVIL} in the parser and we fix it by checking bounds first"
    return make_result(text, long_pause_after=5, coverage={"root cause": True, f"{EVIL} point": False},
                       structure_score=60, overall=55, wpm_words_per_s=2.0,
                       feedback=[{"text": f"say the impact <img src=x onerror=\"window.__pwned=2\">", "kind": "psi",
                                  "evidence": [{"text": "um", "start_s": 0.8, "end_s": 0.9}]},
                                 "fewer fillers"])


@pytest.fixture
def evil_take(tmp_path):
    wav = write_wav(tmp_path / "evil.wav", seconds=12.0)
    with open_store() as store:
        return store, store.get_take(store.save_take(evil_result(), audio_path=wav,
                                                     scenario_id=f"{EVIL}-scenario"))


# ---- pure -----------------------------------------------------------------------------------

def test_json_for_script_cannot_close_the_script_element():
    text = json_for_script({"t": "</script><script>x()</script> & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><script>x()</script> & \u2028"}


def test_render_escapes_everything_and_fetches_nothing(evil_take):
    store, take = evil_take
    page = render_report(take, b"RIFFdata", ".wav")
    assert "@@" not in page
    assert page.count("<script") == 2  # the JSON block and our own script, nothing injected
    assert "window.__pwned" in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert "data:audio/wav;base64," in page and "Content-Security-Policy" in page


def test_pace_windows_follow_the_speaking_rate():
    steady = make_result(" ".join(["word"] * 90), wpm_words_per_s=2.5)  # 150 WPM for 36 s
    points = pace_windows(steady["transcript"]["words"])
    assert len(points) > 5
    assert all(abs(v - 150) <= 12 for _, v in points)  # one word more or less in a 10 s window
    short = make_result("just five little words here", wpm_words_per_s=2.0)
    assert len(pace_windows(short["transcript"]["words"])) == 1
    assert pace_windows([]) == []


def test_report_command_writes_file_and_fails_on_missing_audio(evil_take, tmp_path):
    store, take = evil_take
    out = tmp_path / "r" / "take.html"
    res = CliRunner().invoke(main, ["report", str(take.id), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    store.audio_file(take).unlink()
    out2 = tmp_path / "missing.html"
    res = CliRunner().invoke(main, ["report", str(take.id), "-o", str(out2)])
    assert res.exit_code == 2 and "is missing" in res.output and not out2.exists()


# ---- real Chromium --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian chromium + chromium-driver not installed (make sysdeps installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--mute-audio",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    yield driver
    driver.quit()


def _open(browser, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(path.as_uri())
    browser.get_log("browser")  # drop anything left over from an earlier page
    browser.refresh()
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.getElementById('audio').readyState >= 1"))


def _problems(browser) -> list[dict]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def _click_and_seek(browser, element) -> float:
    """Click a transcript word; return where the player seeked to (read on its 'seeking' event)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("window.__seeks = []; var a = document.getElementById('audio');"
                           "a.addEventListener('seeking', function () { window.__seeks.push(a.currentTime); });")
    element.click()
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return window.__seeks.length > 0"))
    return browser.execute_script("return window.__seeks[0]")


def test_report_in_chromium_escapes_and_seeks(browser, evil_take, tmp_path):
    from selenium.webdriver.common.by import By

    store, take = evil_take
    path = write_report(take, store.audio_file(take), tmp_path / "evil.html")
    _open(browser, path)
    assert _problems(browser) == []
    assert browser.execute_script("return window.__pwned === undefined")
    assert EVIL in browser.find_element(By.ID, "title").text  # the scenario shows as text
    assert EVIL in browser.find_element(By.ID, "transcript").text
    assert "<img src=x" in browser.find_element(By.ID, "feedback").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#transcript .filler")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#transcript .pause.long")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#pace-chart .band")) == 1
    assert browser.execute_script("return document.getElementById('audio').currentTime") == 0
    word = browser.find_elements(By.CSS_SELECTOR, "#transcript .w")[-3]
    target = float(word.get_attribute("data-t"))
    assert target > 5
    assert _click_and_seek(browser, word) == pytest.approx(target, abs=0.05)
    assert browser.execute_script("return document.getElementById('audio').currentTime") >= target - 0.05
    evidence = browser.find_element(By.CSS_SELECTOR, "#feedback a.seek")
    assert _click_and_seek(browser, evidence) == pytest.approx(0.8, abs=0.05)
    assert _problems(browser) == []


@pytest.fixture(scope="module")
def real_result(transcriber):
    from voicecoach.speech.pipeline import Scorer

    return Scorer(transcriber=transcriber).score_file(shared_audio(REAL_CLIP)).to_dict()


@pytest.mark.model
def test_report_of_a_real_take_in_chromium(browser, real_result, tmp_path):
    from selenium.webdriver.common.by import By

    with open_store() as store:
        take = store.get_take(store.save_take(real_result, audio_path=shared_audio(REAL_CLIP)))
        path = write_report(take, store.audio_file(take), tmp_path / "real.html")
    _open(browser, path)
    assert _problems(browser) == []
    words = real_result["transcript"]["words"]
    spans = browser.find_elements(By.CSS_SELECTOR, "#transcript .w")
    assert [s.text for s in spans] == [w["text"].strip() for w in words]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#transcript .filler")) == sum(w["filler"] for w in words)
    # the inline audio is the whole clip
    duration = browser.execute_script("return document.getElementById('audio').duration")
    assert duration == pytest.approx(real_result["duration_s"], abs=0.1)
    middle = len(words) // 2
    assert _click_and_seek(browser, spans[middle]) == pytest.approx(words[middle]["start_s"], abs=0.05)
    assert _problems(browser) == []


def test_drill_windows_and_target_band_are_used(evil_take):
    store, take = evil_take
    from dataclasses import replace

    drill = dict(take.result, target={"low": 100, "high": 120},
                 windows=[{"start_s": 0, "end_s": 10, "wpm": 110, "band": "in"},
                          {"start_s": 10, "end_s": 20, "wpm": 190, "band": "above"}])
    page = render_report(replace(take, result=drill), b"RIFF", ".wav")
    assert "target 100–120 WPM" in page and "15s: 190 WPM" in page and "5s: 110 WPM" in page
    plain = render_report(take, b"RIFF", ".wav")
    assert "target 130–160 WPM" in plain
