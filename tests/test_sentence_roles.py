"""What a sentence does in an answer, read by its words (coach/cues.py, coach/keypoints.py): a
step's label or a remedy's contrast is no defect, why it matters is the impact, vague words over a
named thing are no guess; and which words of the scenario's terms may be heard by sound. Pure
(synthetic word times); each case came from a dev split (tenth pass)."""

from __future__ import annotations

import pytest

from labelled.loader import timed_words
from voicecoach.coach.keypoints import Synonyms, find_points, hear, match_phrase, term_joins
from voicecoach.coach.scenarios import get_scenario
from voicecoach.coach.structure import split_sentences


def _points(text: str, scenario_id: str) -> dict[str, bool]:
    sentences = split_sentences(timed_words(text))
    return {k: bool(v) for k, v in find_points(sentences, get_scenario(scenario_id)).items()}


@pytest.mark.parametrize("said,scenario,point,made", [
    # a step labelled before a colon is an instruction: the label names no defect
    ("Insufficient funds: return res dot status four twenty two with the error body. Success: two oh one "
     "with the id.", "js-wrong-status-code", "root_cause", False),
    # ... and what an instruction leaves out ("not four hundreds") is no claim that something is wrong
    ("Generate an idempotency key once, before the loop, and send it on every attempt. And only retry on "
     "timeouts and five hundreds, not four hundreds.", "py-nonidempotent-retry", "root_cause", False),
    ("Generate the key once, before the loop. Only retry on timeouts and five hundreds, never on four "
     "hundreds.", "py-nonidempotent-retry", "root_cause", False),
    # a tool named after the defect is no claim of it
    ("Use try with resources for the connection, the statement and the result set. I'd also turn on the "
     "pool's leak detection threshold in staging.", "java-jdbc-connection-leak", "root_cause", False),
    # an instruction after clauses that set its scene is still a proposal: its purpose is no outcome
    ("Slice posts start to end, drop the plus one. Then before slicing, if start is past len of posts, set it "
     "to len so you return an empty page instead of crashing.", "go-slice-off-by-one", "impact", False),
    ("Send one idempotency key on every attempt. In pay, if order dot status is paid already, return the "
     "stored charge id instead of charging.", "py-nonidempotent-retry", "impact", False),
    # a code the code never returns, proposed for a path, is the remedy
    ("Failures come back as two hundreds, so the app treats them as success. Change the insufficient funds "
     "path to a four oh nine or four twenty two, the catch to a five hundred.", "js-wrong-status-code", "fix",
     True),
    # the consequence said outright is the impact, with or without a remedy
    ("Every failure is sent with status two hundred, so the app shows transfer sent. Real consequence: "
     "customers believe a payment went out when it didn't.", "js-wrong-status-code", "impact", True),
    ("nextNumber is a plain long read and incremented with no synchronization, so two threads save the same "
     "number. Use a database sequence. Duplicate invoice numbers are a legal and accounting headache.",
     "java-singleton-shared-state", "impact", True),
    # the loss an answer closes on, after its diagnosis, is the impact, remedy or not
    ("The retry loop catches every RequestException, read timeouts too, and there's no idempotency key, so "
     "each retry is a separate charge. That's real money taken twice, plus refunds and support load.",
     "py-nonidempotent-retry", "impact", True),
    # ... but not how the symptom came about, nor a closing guess
    ("The connection is only closed at the end, and the not found exception skips it. That's why it looks "
     "healthy right after a deploy and dies hours later, and users lose every request.",
     "java-jdbc-connection-leak", "impact", False),
    # "stuff" named by what follows it is no vague word: one hedge in a confident answer is speech
    ("The Store's map is shared across goroutines with zero synchronization. I'd wrap the read, the "
     "comparison and the write in a single mutex, maybe a conditional decrement in SQL instead. Worth it "
     "because we're literally selling stuff we don't have.", "go-inventory-race", "fix", True),
    # ... while "the lazy fetch stuff" stays vague (tests/test_content.py: vague words are guesses)
])
def test_what_a_sentence_does(said, scenario, point, made):
    assert _points(said, scenario)[point] is made


def test_which_words_of_a_term_may_be_heard_by_sound():
    syn = Synonyms([])
    terms = term_joins(["order_id", "event loop", "race detector", "context deadline"])
    # a short plain word of a term has too many sound-alikes: "more true" is not "order"
    assert "order" not in terms and "event" not in terms
    assert match_phrase("order", hear("it reports more true", syn), syn, terms=terms)[0] == 0
    # the whole term, and a long word of it, still count by sound ("dead line" for deadline)
    assert {"orderid", "eventloop", "racedetector", "deadline", "detector"} <= terms
    # a little word opening on a vowel stands where a short term's first sound was never heard
    race = term_joins(["data race", "bound parameter"])
    assert match_phrase("data race", hear("then look at rows affected", syn), syn, terms=race)[0] == 0
    # ... a long term keeps enough of its sounds ("and the parameter" for "bound parameter")
    assert match_phrase("bound parameter", hear("pass the term and the parameter", syn), syn, terms=race)[0] > 0
