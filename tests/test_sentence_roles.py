"""What a sentence does in an answer, read by its words (coach/cues.py, coach/keypoints.py): a
step's label or a remedy's contrast is no defect, why it matters is the impact, vague words over a
named thing are no guess; and which words of the scenario's terms may be heard by sound. Pure
(synthetic word times); each case came from a dev split (tenth and eleventh passes)."""

from __future__ import annotations

import pytest

from labelled.loader import timed_words
from voicecoach.coach.keypoints import Synonyms, find_points, hear, match_phrase, term_joins
from voicecoach.coach.scenarios import get_scenario
from voicecoach.coach.spoken import dotted_pairs, restore_dots
from voicecoach.coach.structure import split_sentences
from voicecoach.coach.vocabulary import matching_terms


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
    # (fourteenth pass, dev24) an edge case said as what is missing names it: unlike a remedy, it
    # is not cancelled by "without"
    ("One more thing, it decodes the body without looking at the status code, so an error page from tax "
     "would get parsed as if it were a quote.", "go-missing-timeout", "edge_case", True),
    # (fourteenth pass, dev24) how tiny.en writes a term it mishears, per scenario
    ("You strive with resources for the connection, the statement, and the result set.",
     "java-jdbc-connection-leak", "fix", True),
    ("Connection league. Con dot close only runs on the success path.", "java-jdbc-connection-leak",
     "root_cause", True),
    # (fourteenth pass, dev24) the race detector said as a flag: "dash" is dropped as a symbol
    ("Run that under dash race in CI.", "go-inventory-race", "root_cause", False),
    ("Two requests interleave on the map, so it breaks under race conditions.", "go-inventory-race",
     "root_cause", True),
    # (fourteenth pass, dev24) one more remedy added with no verb is an instruction too
    ("Around the rest, a try-catch that forwards to next. Plus a process level listener for unhandled "
     "rejection that logs.", "js-unhandled-rejection", "root_cause", False),
    # (thirteenth pass, dev23) brackets said aloud, heard "open the end ... close the end": the
    # remedy's arithmetic, not a claim about an end
    ("Off-set equals, open the end, page-minus-one, close the end, times, page-size.",
     "py-pagination-off-by-one", "root_cause", False),
    # (twelfth pass, dev21) what "neither ... nor" names is missing, not proposed
    ("The client is an empty http dot Client, so its Timeout is zero. Get carries a background context, so "
     "nothing from the incoming request, neither its cancellation nor its deadline, reaches the outbound call.",
     "go-missing-timeout", "fix", False),
    # ... a check described in its own words ("To verify, I'd run ... expecting ...") is a test
    ("Hashing with pbkdf2Sync blocks the event loop. Move to the async crypto dot pbkdf2. To verify, I'd run "
     "autocannon against login and measure health latency in parallel, expecting single-digit milliseconds.",
     "js-blocking-event-loop", "test", True),
    ("Hashing with pbkdf2Sync blocks the event loop. Move to the async crypto dot pbkdf2, and a tester can "
     "still log in while it runs.", "js-blocking-event-loop", "test", False),
    # ... and tiny.en's "weight" is "wait" ("zero means weight indefinitely")
    ("When the tax service hangs, quote tax will just weight indefinitely.", "go-missing-timeout", "root_cause",
     True),
    # ... and the pentest is the pentesters' work, and tiny.en's "dentist"
    ("The term is interpolated into the SQL text, textbook SQL injection, which is what the pentesters flagged.",
     "py-unvalidated-input", "symptom", True),
    ("So, the dentist flagged the search endpoint.", "py-unvalidated-input", "symptom", True),
    # ... and what a remedy frees up, for someone, is the impact
    ("Both relations are fetch type lazy, so one query becomes a thousand. I'd add a join fetch. Users get their "
     "order list in milliseconds, and we free up database capacity for everything else.", "java-jpa-n-plus-one",
     "impact", True),
    # a remedy others recommend and the speaker waves away is not proposed ("though" in the same
    # sentence or opening the next, as Piper's clip was split), the speaker's own "I'd" still is
    ("The query is built with an f-string, which is not ideal, people say you should use parameters, though "
     "in practice the term is just a search word.", "py-unvalidated-input", "fix", False),
    ("The query is built with an f-string. People say you should use parameters. Though in practice, the "
     "term is just a search word.", "py-unvalidated-input", "fix", False),
    ("The query is built with an f-string, so it's injectable. People say bound parameters are slower, but "
     "I'd use parameters anyway.", "py-unvalidated-input", "fix", True),
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
    # (eleventh pass) a condition after an instruction is the next step, not a diagnosis
    ("Replace crypto dot pbkdf2Sync with the async one, util dot promisify of crypto dot pbkdf2, and await "
     "it, same params, if throughput still isn't enough, move hashing into a worker pool.",
     "js-blocking-event-loop", "root_cause", False),
    ("I'd switch to crypto dot pbkdf2, because pbkdf2Sync blocks the event loop.",
     "js-blocking-event-loop", "root_cause", True),
    # "it's serious because ..." says why it matters; an endpoint that goes down is a loss
    ("Nothing closes the connection when the range is empty, so the pool drains. Use try with resources "
     "for all three. It's serious because it's not just this endpoint that fails, every endpoint sharing "
     "the tool goes down with it.", "java-jdbc-connection-leak", "impact", True),
    # (thirteenth pass, dev22) what a run-on sentence's test tail measures is no outcome ...
    ("Replace pbkdf2Sync with the promisified crypto dot pbkdf2. If logins are heavy, put hashing in a worker "
     "pool, like this in a load test, autocannon with fifty logins, and in parallel hit slash health every "
     "hundred milliseconds, assert it stays under a hundred milliseconds.", "js-blocking-event-loop", "impact",
     False),
    # ... unless the tail goes on to what follows from it
    ("Replace pbkdf2Sync with the promisified crypto dot pbkdf2. If logins are heavy, put hashing in a worker "
     "pool, like this in a load test, autocannon with fifty logins, so health stays in milliseconds.",
     "js-blocking-event-loop", "impact", True),
    # ... what a failure should cost the business, in the closing words, is the impact
    ("TaxClient is a bare http dot Client with no timeout, so each checkout goroutine sits on the read "
     "forever. I'd build the request with NewRequestWithContext and a one second timeout. A sick dependency "
     "should cost us one feature, not the pod.", "go-missing-timeout", "impact", True),
    # ... and the database at full CPU is the reported symptom
    ("Limit has no maximum, so one request with a very big limit reads all products. This is how the "
     "database went to full CPU.", "py-unvalidated-input", "symptom", True),
    # ... in an instruction, the claim is by its lead clause or a reason: tiny.en heard "util dot
    # promisify" as "you will not remissify", whose "not" claims nothing of pbkdf2Sync
    ("Replace pbkdf2Sync with the sync version, wrapped with you will not remissify and await it, keeping the "
     "same salt.", "js-blocking-event-loop", "root_cause", False),
    ("Replace pbkdf2Sync, because it isn't async, with crypto dot pbkdf2.", "js-blocking-event-loop",
     "root_cause", True),
    # (dev23) brackets said aloud are symbols: "open paren, page minus one, close paren, times page size" is
    # the remedy, and says nothing of "page times page size"
    ("Offset equals, open paren, page minus one, close paren, times PAGE_SIZE.", "py-pagination-off-by-one",
     "root_cause", False),
    ("Offset equals, open paren, page minus one, close paren, times PAGE_SIZE.", "py-pagination-off-by-one",
     "fix", True),
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


def test_a_dot_said_with_th_for_the_receivers_s():
    # (eleventh pass) "I think not mutex" for "a sync dot Mutex" (sync.Mutex is a scenario term):
    # the remedy is proposed, not negated into "no lock"
    s = get_scenario("go-inventory-race")
    said = "I think not mutex field to store, lock it before the availability check, and unlock after it."
    found = find_points(split_sentences(timed_words(said)), s, terms=matching_terms(s))
    assert found.get("fix") and not found.get("root_cause")
    assert restore_dots("I think not mutex", dotted_pairs(("sync.Mutex",))) == "I think dot mutex"
    # ... not any word: "I'm not sure" stays a negation
    assert restore_dots("I'm not sure", dotted_pairs(("sync.Mutex",))) == "I'm not sure"


def test_what_a_short_word_or_a_negation_hides_by_sound():
    syn = Synonyms([])
    terms = term_joins(["data race", "panics", "end+1", "reserveRequest", "mutex"])
    # (eleventh pass) a short word Whisper wrote whole, opening on another sound, is another word
    assert match_phrase("data race", hear("add a mutex field to the store's struct", syn), syn, terms=terms)[0] == 0
    assert match_phrase("panics", hear("pagination is one of those things", syn), syn, terms=terms)[0] == 0
    assert match_phrase("request", hear("both reservations succeed", syn), syn,
                        terms=term_joins(["request"]))[0] == 0
    # ... one that keeps the first sound still counts ("new decks" for mutex, a run of words)
    assert match_phrase("mutex", hear("guard it with one new decks", syn), syn, terms=terms)[0] > 0
    # "a timeout of zero" is no timeout, as "zero timeout" is; "a timeout of two seconds" is one
    conn = term_joins([])
    assert match_phrase("client timeout", hear("an empty client has a timeout of zero, which waits forever", syn),
                        syn, terms=conn, positive=True)[0] == 0
    assert match_phrase("client timeout", hear("give the client a timeout of two seconds", syn), syn,
                        terms=conn, positive=True)[0] > 0
    # a run of words holding a negation says the opposite: "end, no plus one" is not "end plus one"
    assert match_phrase("end plus one", hear("change the slice to start colon end, no plus one", syn), syn,
                        terms=terms)[0] == 0
    assert match_phrase("end plus one", hear("it really should be and plus one", syn), syn, terms=terms)[0] > 0


def test_a_solution_part_that_proposes_nothing_scores_nothing():
    # (eleventh pass) without the real remedy, a "solution" part keeps a fraction of its score; one
    # that proposes nothing at all is the diagnosis retold and keeps none (dev20, a diagnosis only)
    from voicecoach.coach.structure import score_structure
    said = ("What's happening here is a resource leak on the exception paths. The method borrows a connection "
            "from the pool and only hands it back on the very last line, after the isEmpty check. Ask for a "
            "date range with no payments and the exception is thrown, and that connection is never returned. "
            "That's a full outage caused by one endpoint.")
    st = score_structure(timed_words(said), get_scenario("java-jdbc-connection-leak"))
    assert st["solution"]["present"] and st["solution"]["score"] == 0
    # ... while a part that proposes something keeps its fraction ("I'd add logging" is no remedy for this bug)
    proposes = said.replace("Ask for a", "I'd add more logging and alerts on the pool. Ask for a")
    st = score_structure(timed_words(proposes), get_scenario("java-jdbc-connection-leak"))
    assert not st["coverage"]["fix"] and st["solution"]["score"] > 0


def test_the_meaning_model_credits_no_diagnosis_to_an_instruction():
    # (thirteenth pass, dev22) the model scores topic: "Replace pbkdf2Sync ..., when you do not
    # promise if I encrypt" (tiny.en for "util dot promisify of crypto") is near the root cause, but
    # its "not" comes after the instruction's lead clause and claims nothing
    said = ("Replace pbkdf2Sync, when you do not promise if I encrypt, and await it. Move the session policy "
            "read to module load.")
    sentences = split_sentences(timed_words(said))

    def near_everything(texts, scenario, points):
        return {p: [(0, 0.9)] for p in points}
    found = find_points(sentences, get_scenario("js-blocking-event-loop"), meaning=near_everything)
    assert not found["root_cause"] and not found["symptom"]
    claim = said.replace("Replace pbkdf2Sync,", "pbkdf2Sync blocks the loop, so replace it,")
    found = find_points(split_sentences(timed_words(claim)), get_scenario("js-blocking-event-loop"),
                        meaning=near_everything)
    assert found["root_cause"]
