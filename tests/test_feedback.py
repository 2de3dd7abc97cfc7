"""Feedback items: delivery from the result dict alone, structure items, order, the spoken text."""

from __future__ import annotations

from labelled.loader import result_for
from voicecoach.config import load_config
from voicecoach.coach.feedback import FeedbackItem, feedback_for, spoken_text

STEADY = ("The bug is that the retry is not idempotent so customers are charged twice when the provider is slow. "
          "The fix is to send an idempotency key from the order id on every attempt and add a test for it. "
          "This stops double charges and the refunds that follow them for our support team.")


def codes(items):
    return [it.code for it in items]


def test_clean_delivery_gives_no_delivery_items():
    assert not [it for it in feedback_for(result_for(STEADY, 145)) if it.kind == "delivery"]


def test_fast_speech_reports_the_rate_and_the_band():
    items = feedback_for(result_for(STEADY, 210))
    item = next(it for it in items if it.code == "wpm_high")
    assert "target 130-160" in item.text
    assert int(item.text.split()[0]) > 175  # the measured rate, not the nominal one
    slow = feedback_for(result_for(STEADY, 100))
    assert "wpm_low" in codes(slow) and "wpm_high" not in codes(slow)


def test_fillers_in_the_opening_are_counted_with_their_times():
    text = "Um, so, uh, the bug, um, is the retry, uh, without a key. " + STEADY
    item = next(it for it in feedback_for(result_for(text, 145)) if it.code == "fillers_opening")
    assert item.text.startswith("4 fillers in the first 20 s")
    assert len(item.evidence) == 4 and all(ev.start_s < 20 for ev in item.evidence)


def test_fillers_after_the_opening_are_not_opening_fillers():
    text = STEADY + " " + STEADY + " Um, uh, um, uh, and that is it."
    items = feedback_for(result_for(text, 145))
    assert "fillers_opening" not in codes(items)


def test_hedges_and_long_mid_sentence_pauses():
    text = ("I think the bug is maybe the retry, ... probably the key, ... I guess. The fix ... is ... "
            "to add ... a key. " + STEADY)
    items = feedback_for(result_for(text, 145))
    assert "hedges" in codes(items) and "long_pauses" in codes(items)
    pause = next(it for it in items if it.code == "long_pauses")
    assert pause.text.startswith("5 long pauses") and "longest 1.6 s at 0:03" in pause.text


def test_thresholds_come_from_the_config(voicecoach_home, tmp_path):
    voicecoach_home.mkdir(parents=True, exist_ok=True)
    (voicecoach_home / "config.toml").write_text("[coaching]\ntarget_wpm_max = 250\nhedges_max = 10\n")
    text = "I think maybe, probably it is the retry. " + STEADY
    cfg = load_config()
    assert "wpm_high" not in codes(feedback_for(result_for(STEADY, 210), cfg))
    assert "hedges" not in codes(feedback_for(result_for(text, 145), cfg))
    defaults = load_config(tmp_path / "absent.toml")
    assert "hedges" in codes(feedback_for(result_for(text, 145), defaults))  # defaults: still flagged
    assert "wpm_high" in codes(feedback_for(result_for(STEADY, 210), defaults))


def test_structure_items_outrank_delivery_and_are_ranked():
    structure = {"problem": {"present": True, "start_s": 0.0, "end_s": 2.0, "text": "x", "sentences": 1},
                 "solution": {"present": False}, "impact": {"present": False}, "order_ok": True}
    items = feedback_for(result_for(STEADY, 210), structure=structure)
    assert codes(items)[:2] == ["no_solution", "no_impact"]
    assert [it.rank for it in items] == list(range(1, len(items) + 1))
    assert all(a.severity >= b.severity for a, b in zip(items, items[1:]))
    assert "stops double charges" in items[1].text  # the example phrasing for impact


def test_list_is_capped():
    text = "Um, uh, um, I think, maybe, probably ... it ... is ... the ... thing ... there. " * 3
    structure = {"problem": {"present": False}, "solution": {"present": False}, "impact": {"present": False},
                 "order_ok": True}
    assert len(feedback_for(result_for(text, 220), structure=structure)) == 5


def test_spoken_text_is_the_top_items_only():
    items = [FeedbackItem("a", "structure", "A long text.", "First thing.", 90),
             FeedbackItem("b", "delivery", "B.", "Second thing.", 50),
             FeedbackItem("c", "delivery", "C.", "Third thing.", 10)]
    assert spoken_text(items) == "First thing. Second thing."
    assert spoken_text(items, max_items=1) == "First thing."
    assert spoken_text([])  # something encouraging, never empty


def test_no_speech():
    items = feedback_for({"no_speech": True, "delivery": {}, "transcript": {"words": []}})
    assert codes(items) == ["no_speech"] and "microphone" in spoken_text(items)


def test_items_serialise():
    d = feedback_for(result_for("Um, uh, um, so, uh. " + STEADY, 145))[0].to_dict()
    assert set(d) >= {"code", "kind", "text", "spoken", "severity", "evidence", "rank"}
    assert isinstance(d["evidence"], list) and set(d["evidence"][0]) == {"text", "start_s", "end_s"}
