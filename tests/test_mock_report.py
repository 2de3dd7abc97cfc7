"""The mock session's HTML report: pure rendering checks and a real headless Chromium."""

from __future__ import annotations

import re

import pytest

from take_factory import make_result, write_wav
from test_report import EVIL, _open, _problems, browser  # noqa: F401  (the Chromium fixture)
from voicecoach.sessions.mock_report import render_mock_report, write_mock_report
from voicecoach.store.db import open_store


@pytest.fixture
def session(tmp_path):
    """A finished session: an English check, a CV answer with injected markup, an unanswered follow-up."""
    sections = []
    with open_store() as store:
        for index, (kind, text, seconds) in enumerate((
                ("english", "the handler borrows a connection from the pool", 6.0),
                ("cv", f"at acme we had um a queue {EVIL} and I cut latency from 800 to 200 ms", 9.0)), 1):
            result = make_result(text, overall=70 + index, feedback=[{"text": f"say the number {EVIL}",
                                                                      "kind": "mock"}])
            take_id = store.save_take(result, audio_path=write_wav(tmp_path / f"q{index}.wav", seconds, 200 + 50 * index))
            take = store.get_take(take_id)
            sections.append({"index": index, "kind": kind, "question": f"Question {index} {EVIL}?", "answered": True,
                             "status": "answered", "overall": 70 + index, "scores": {"structure": 60},
                             "transcript": text, "feedback": [f"say the number {EVIL}"], "budget_s": 60.0,
                             "duration_s": seconds, "take_id": take_id, "audio": str(store.audio_file(take))})
    sections.append({"index": 3, "kind": "follow_up", "question": "What breaks at scale?", "answered": False,
                     "status": "unanswered", "note": "no recording given for this question", "overall": 0})
    return {"session_id": 9, "round": 1, "attempt": 2, "attempts_allowed": 3, "stack": "javascript",
            "stack_source": "resume", "minutes": 25, "seed": 4, "status": "incomplete", "overall": 48,
            "summary": f"That is the end of the session. {EVIL}", "notes": [f"note {EVIL}"], "sections": sections}


def test_render_escapes_and_inlines_everything(session):
    page = render_mock_report(session, {})
    assert "@@" not in page and page.count("<script") == 2  # the data block and our own script
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert page.count("data:audio/wav;base64,") == 2 and page.count('class="q"') == 3
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:|//)""", page, re.I)
    assert "no recording given" in page


def test_mock_report_in_chromium(browser, session, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    path = write_mock_report(session, tmp_path / "mock.html")
    browser.get(path.as_uri())
    browser.get_log("browser")
    browser.refresh()
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('audio')).every(a => a.readyState >= 1)"))
    assert _problems(browser) == []
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-sections") == "3"
    assert browser.find_element(By.ID, "overall").text == "48"
    durations = browser.execute_script("return Array.from(document.querySelectorAll('audio')).map(a => a.duration)")
    assert durations == [pytest.approx(6.0, abs=0.1), pytest.approx(9.0, abs=0.1)]  # each answer's own audio
    assert EVIL in browser.find_element(By.ID, "q2").text  # shown as text, not run
    # a word of the second answer seeks the second answer's player, not the first
    word = browser.find_elements(By.CSS_SELECTOR, "#q2 .transcript .w")[-2]
    browser.execute_script("window.__seeks = []; document.querySelectorAll('audio').forEach(function (a, i) {"
                           "a.addEventListener('seeking', function () { window.__seeks.push([i, a.currentTime]); });"
                           "});")
    word.click()
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return window.__seeks.length > 0"))
    which, at = browser.execute_script("return window.__seeks[0]")
    assert which == 1 and at == pytest.approx(float(word.get_attribute("data-t")), abs=0.05)
    assert "unanswered" in browser.find_element(By.ID, "q3").text
    assert _problems(browser) == []
