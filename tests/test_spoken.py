"""Spoken forms of code (coach/spoken.py) and the key-point phrase matcher built on them: pure."""

from __future__ import annotations

import pytest

from voicecoach.coach.keypoints import Synonyms, hear, match_phrase, term_joins
from voicecoach.coach.spoken import dotted_pairs, homophone_numbers, restore_dots, sounds_like, spoken_words

# (what Whisper may write for what was said, how the code or the key point writes it)
PAIRS = [
    ("pbkdf2 sync", "pbkdf2Sync"),
    ("PBKDF2 sync", "pbkdf2Sync"),
    ("read file sync", "readFileSync"),
    ("readfilesync", "readFileSync"),
    ("read-file-sync", "readFileSync"),
    ("simple date format", "SimpleDateFormat"),
    ("new request with context", "NewRequestWithContext"),
    ("four oh four", "404"),
    ("four hundred and four", "404"),
    ("four hundred four", "404"),
    ("two hundred", "200"),
    ("two oh one", "201"),
    ("four twenty two", "422"),
    ("four twenty-two", "422"),
    ("five hundred", "500"),
    ("five oh two", "502"),
    ("four oh nine", "409"),
    ("four hundred", "400"),
    ("go test dash race", "go test -race"),
    ("go test hyphen race", "go test -race"),
    ("p ninety nine", "p99"),
    ("P99", "p99"),
    ("p 99", "p99"),
    ("six hundred thousand", "600000"),
    ("600,000", "600000"),
    ("600 ,000", "600000"),
    ("a hundred", "100"),
    ("one hundred", "100"),
    ("twenty five", "25"),
    ("ninety nine percent", "99%"),
    ("zero percent error rate", "0% error rate"),
    ("net slash http", "net/http"),
    ("net/http", "net/http"),
    ("crypto dot pbkdf2", "crypto.pbkdf2"),
    ("err dot message", "err.message"),
    ("created underscore at", "created_at"),
    ("created at", "created_at"),
    ("page minus one", "page - 1"),
    ("page minus one", "page-1"),
    ("ten seconds", "10 seconds"),
    ("three retries", "3 retries"),
    ("limit one to a hundred", "limit 1 to 100"),
    ("n plus one", "N plus 1"),
    ("with context", "WithContext"),
    ("http client", "HttpClient"),
    ("json parse", "JSON.parse"),
    ("four Roman 20", "4xx"),  # Whisper hears "x x" as the Roman numeral XX
    ("a five-rowman 20", "a 5xx"),
]


@pytest.mark.parametrize("said,written", PAIRS)
def test_spoken_and_written_forms_meet(said, written):
    assert len(PAIRS) >= 40
    s, w = spoken_words(said), spoken_words(written)
    assert s == w or "".join(s) == "".join(w), (s, w)


@pytest.mark.parametrize("said,written", [
    ("four oh four", "440"), ("two hundred", "2100"), ("p ninety nine", "p 9 9 x"), ("read file", "readFileSync"),
    ("go test", "go test -race"), ("six hundred", "600000"), ("pbkdf sync", "pbkdf2Sync"),
    ("utf minus 8", "UTF-8"), ("sha minus 256", "sha-256"), ("the roman empire", "the xx empire"),
])
def test_different_forms_stay_apart(said, written):
    s, w = spoken_words(said), spoken_words(written)
    assert s != w and "".join(s) != "".join(w)


def test_homophones_of_numbers_are_offered_not_forced():
    words = spoken_words("I've returned for 22 and status to 100")
    assert "for" in words and "22" in words  # the plain reading stays
    assert set(homophone_numbers(words)) == {"422", "200"}
    assert homophone_numbers(spoken_words("wait for the lock")) == ()


@pytest.mark.parametrize("target,heard,expect", [
    ("pbkdf2sync", "bbkdf2sync", True), ("pbkdf2sync", "bbkdftosync", True), ("mutex", "newdecks", True),
    ("idempotencykey", "itempotenticky", True), ("race", "rays", False),  # too short to match by sound
    ("readfilesync", "readfilessync", True), ("mutex", "latency", False), ("pbkdf2sync", "worker", False),
    ("idempotencykey", "orderid", False),
    ("idempotencykey", "eyepotencykey", True), ("idempotencykey", "attempts", False),  # "eye" opens on I
    ("201", "20c", False), ("4040", "404c", False),  # a number is said or not: never a near miss by sound
])
def test_near_misses_by_sound(target, heard, expect):
    assert (sounds_like(target, heard) > 0) is expect


SYN = Synonyms([["lock", "mutex"], ["return", "respond with"], ["asynchronous", "async"]])
TERMS = term_joins(["pbkdf2Sync", "readFileSync", "mutex", "idempotency key"])


@pytest.mark.parametrize("phrase,text,how", [
    ("pbkdf2sync", "The pbkdf2 sync call blocks", "words"),
    ("pbkdf2sync", "BBKDF2 sync with 600,000 iterations", "sound"),
    ("readfilesync", "and read file sync on every request", "spoken form"),
    ("read file sync", "it calls readfilesync per request", "spoken form"),
    ("return 404", "respond with four oh four when it's missing", "words"),
    ("return 422", "I've returned for 22 for insufficient funds", "spoken form"),
    ("blocks the event loop", "the hashing blocked the event loop", "words"),
    ("mutex", "guard it with one new decks", "sound"),
    ("go test race", "run go test dash race in CI", "words"),
    ("p99 latency", "p ninety nine latency jumps", "words"),
])
def test_phrases_match_what_was_said(phrase, text, how):
    confidence, found_how = match_phrase(phrase, hear(text, SYN), SYN, terms=TERMS)
    assert confidence > 0 and found_how == how
    assert (confidence == 1.0) is (how in ("words", "spoken form") and "for 22" not in text)


@pytest.mark.parametrize("phrase,text", [
    ("pbkdf2sync", "the worker pool hashes off the main thread"),
    ("mutex", "latency drops back to milliseconds"),
    ("return 404", "return 200 for everything"),
    ("read file sync", "read the file once at startup"),
    ("lock", "there's no lock around the map"),  # a positive point after a negation
    # ... three words after it, little words not counted
    ("request context", "and the Get doesn't carry the incoming request's context either"),
])
def test_phrases_do_not_match_what_was_not_said(phrase, text):
    assert match_phrase(phrase, hear(text, SYN), SYN, terms=TERMS, positive=True)[0] == 0


# ---- short phrases: words together; numbers and operators never optional; sound of a real word

@pytest.mark.parametrize("phrase,text", [
    ("close the connection", "the connection is closed in a finally block"),  # another order, side by side
    ("return 404", "I'd return a clear four oh four"),  # in order, a word or two between
    ("hold the lock across the check", "hold one lock across the whole check"),
    ("client timeout", "add a timeout on the client, so nothing waits forever"),  # the other way round, past "on"
    ("fails after a few hours", "after a few hours the pool is drained and it fails"),  # long: anywhere
])
def test_phrases_said_with_their_words_together(phrase, text):
    assert match_phrase(phrase, hear(text, SYN), SYN)[0] > 0


@pytest.mark.parametrize("phrase,text", [
    ("last page", "page one begins at the twenty first order, and the last orders go missing too"),
    ("return 404", "we return 500 instead of 404"),
    ("page times page size", "the offset is page minus one times the page size"),
    ("page minus 1 times page size", "the page number is one based but the math is page times page size"),
    # the other way round past a preposition, the second word qualifies a noun of its own
    ("single query", "around a thousand extra queries for a single call"),
])
def test_phrases_not_said_when_their_words_are_apart_or_a_number_or_operator_is_missing(phrase, text):
    assert match_phrase(phrase, hear(text, SYN), SYN)[0] == 0


def test_a_real_word_is_not_a_near_miss_of_a_term():
    terms = term_joins(["deadline", "mutex"])
    # "totally" sounds one edit from "deadline"; Whisper wrote a real word, so it is that word
    assert match_phrase("deadline", hear("I'm not totally sure", SYN), SYN, terms=terms)[0] == 0
    # a plain word of the trade is that word ("order history" is not has_more)
    assert match_phrase("has_more", hear("nothing drops out of their order history", SYN), SYN,
                        terms=term_joins(["has_more"]))[0] == 0
    # split into words Whisper knows, a term it did not know still counts by sound
    assert match_phrase("mutex", hear("guard it with one new decks", SYN), SYN, terms=terms)[0] > 0


def test_a_near_miss_by_sound_is_about_as_long_as_the_term_and_never_holds_a_little_word():
    terms = term_joins(["allowlist", "worker", "end plus one"])
    # "almost" is one sound from "allowlist", but a word Whisper wrote whole is about the term's length
    assert match_phrase("allow list", hear("it's almost certainly wide open", SYN), SYN, terms=terms)[0] == 0
    # "work I" and "all also" are two words, one of them a word that never hides part of a term
    assert match_phrase("worker", hear("how Node handles work I think", SYN), SYN, terms=terms)[0] == 0
    assert match_phrase("allowlist", hear("no check at all, also injectable", SYN), SYN, terms=terms)[0] == 0
    # ... nor inside a run ("all also in" is no split "allow list")
    assert match_phrase("allowlist", hear("WITH NO KICK AND ALL Also in Jack table", SYN), SYN, terms=terms)[0] == 0
    # a word of the trade is said as such: "database" is not a misheard "data race"
    terms2 = term_joins(["data race"])
    assert match_phrase("data race", hear("do it in the database with one update", SYN), SYN, terms=terms2)[0] == 0
    # ... while "and" is a syllable Whisper writes for "end"
    assert match_phrase("end plus one", hear("the slice takes and plus one", SYN), SYN, terms=terms)[0] > 0


def test_words_nearer_another_term_of_the_scenario_are_that_term():
    terms = term_joins(["SimpleDateFormat", "DateTimeFormatter"])
    # "simple date formatter" is the culprit misheard, not the remedy
    said = hear("Also, SimpleDateFormatter, it is not thread-safe.", SYN)
    assert match_phrase("DateTimeFormatter", said, SYN, terms=terms)[0] == 0
    # a run that shares only a long end with a term is not it: "sort parameter" is no "bound parameter"
    terms = term_joins(["bound parameter", "SimpleDateFormat", "DateTimeFormatter", "err.message"])
    said = hear("The sort parameter is interpolated raw after ORDER BY.", SYN)
    assert match_phrase("bound parameter", said, SYN, terms=terms)[0] == 0
    assert match_phrase("err message", hear("the catch sends air dot message to the client", SYN), SYN,
                        terms=terms)[0] > 0
    # the remedy said near its own name still counts by sound
    assert match_phrase("DateTimeFormatter", hear("switch to a date time formatted instead", SYN), SYN,
                        terms=terms)[0] > 0


def test_two_words_whisper_wrote_as_one_that_sounds_the_same_still_count():
    # "key per" heard as "keeper": the same sound, one letter apart
    c, how = match_phrase("key per order", hear("pass a stable keeper order on each try", SYN), SYN)
    assert c > 0 and how == "sound"
    # a word that merely sounds alike is another word: "copper order" is not "key per order"
    assert match_phrase("key per order", hear("pass a stable copper order on each try", SYN), SYN)[0] == 0
    # nor is the phrase's second half alone
    assert match_phrase("key per order", hear("keep the order on each try", SYN), SYN)[0] == 0


def test_an_operator_follows_its_own_operand():
    # Whisper ran two sentences together: "total minus one" is no "page minus one", though "page" is said
    heard = hear("page one begins at offset twenty, and has more compares against total minus one", SYN)
    assert match_phrase("offset page minus one", heard, SYN)[0] == 0
    assert match_phrase("offset page minus one", hear("set the offset to page minus one times the size", SYN), SYN)[0] > 0
    # little words between do not part them: "end is the length, plus one" is end plus one
    assert match_phrase("end plus one", hear("on the last page end is the length, plus one is beyond it", SYN), SYN)[0] > 0


def test_the_race_detector_is_a_tool_not_a_race_condition():
    from voicecoach.coach.keypoints import shared_synonyms

    syn = Synonyms(shared_synonyms())
    assert match_phrase("race condition", hear("I'd run the tests with the race detector turned on", syn), syn)[0] == 0
    assert match_phrase("race condition", hear("two goroutines race on the map", syn), syn)[0] > 0
    assert match_phrase("go test race", hear("run it under go test dash race", syn), syn)[0] > 0
    assert match_phrase("race detector", hear("run it under go test dash race", syn), syn)[0] > 0


def test_the_shared_lexicon_knows_how_whisper_writes_queries():
    from voicecoach.coach.keypoints import shared_synonyms

    syn = Synonyms(shared_synonyms())  # tiny.en writes "queers" for queries in two of our three voices
    assert match_phrase("thousands of queries", hear("about a thousand queers per call", syn), syn)[0] > 0


def test_a_plural_of_capitals_is_one_word():
    assert spoken_words("SELECTs and URLs") == ("selects", "and", "urls")
    terms = term_joins(["SELECTs", "goroutines", "deadline"])
    assert match_phrase("SELECTs", hear("a thousand select statements", SYN), SYN, terms=terms)[0] > 0
    # one sound off in a word Whisper made up counts; a real word missing a sound does not
    assert match_phrase("goroutines", hear("gorgines keep piling up", SYN), SYN, terms=terms)[0] > 0
    assert match_phrase("deadline", hear("I'm not totally sure", SYN), SYN, terms=terms)[0] == 0



def test_zero_before_a_remedy_negates_it():
    said = "an empty client struct, which means zero timeout"
    assert match_phrase("timeout", hear(said, SYN), SYN, positive=True)[0] == 0
    assert match_phrase("timeout", hear("give the client a timeout", SYN), SYN, positive=True)[0] > 0
    assert match_phrase("zero based", hear("the client sends zero based pages", SYN), SYN, positive=True)[0] > 0


def test_a_negation_reaches_to_the_end_of_its_clause():
    syn = Synonyms([["idempotency key", "dedup key"]])
    assert match_phrase("idempotency key", hear("there's no idempotency key", syn), syn, positive=True)[0] == 0
    # "isn't idempotent" ends at the comma: what follows proposes the key
    assert match_phrase("idempotency key", hear("the retry isn't idempotent, idempotency key from the order", syn),
                        syn, positive=True)[0] > 0
    assert spoken_words("600,000 rounds") == ("600000", "rounds")
    assert match_phrase("lock", hear("without a lock, 600,000 requests race", SYN), SYN, positive=True)[0] == 0


def test_a_dot_whisper_wrote_as_not_is_put_back_only_inside_a_member_access():
    pairs = dotted_pairs(("sync.Mutex", "crypto.pbkdf2Sync(password)", "if order.status == 'paid':"))
    assert pairs == {("sync", "mutex"), ("crypto", "pbkdf"), ("order", "status")}
    assert restore_dots("put a sync, not mutex on the store", pairs) == "put a sync dot mutex on the store"
    assert restore_dots("use crypto not pbkdf2 instead", pairs) == "use crypto dot pbkdf2 instead"
    assert restore_dots("if order not status is paid", pairs) == "if order dot status is paid"
    for said in ("use the client, not the server", "sync, not really", "not mutex at all", "the order, not this"):
        assert restore_dots(said, pairs) == said
    assert restore_dots("sync, not mutex", frozenset()) == "sync, not mutex"
    # a one-letter receiver said aloud ("r" as "are"), unless "are" follows its subject
    pairs = dotted_pairs(("ctx := r.Context()",))
    assert restore_dots("checkout passes are not context through", pairs) == "checkout passes are dot context through"
    assert restore_dots("we are not context aware", pairs) == "we are not context aware"
    assert restore_dots("_ not context", pairs) == "_ not context"


def test_any_run_of_number_words_reads_as_a_number_without_error():
    # a blind set found "oh" inside a run with a scale word crashing the reader (ValueError)
    import itertools
    vocab = ["oh", "o", "and", "a", "four", "twenty", "hundred", "thousand", "7", "zero"]
    for n in (2, 3, 4):
        for run in itertools.product(vocab, repeat=n):
            spoken_words(" ".join(run))
    assert spoken_words("one oh one thousand") == ("11000",)


def test_letters_spelled_out_are_one_name():
    # (twelfth pass, dev21) "P B K D F two" is PBKDF2 as one word, so "async pbkdf2" is heard in
    # "the asynchronous crypto dot P B K D F two"; a lone "I" or "A" before one more letter is a word
    assert spoken_words("the P B K D F two sync call") == ("the", "pbkdf", "2", "sync", "call")
    assert spoken_words("P. B. K. D. F. 2") == spoken_words("PBKDF2") == ("pbkdf", "2")
    assert spoken_words("a J W T token") == ("a", "jwt", "token")
    assert spoken_words("I O bound, an A B test") == ("i", "o", "bound", "an", "a", "b", "test")
    from voicecoach.coach.keypoints import hear, match_phrase, synonyms_for
    from voicecoach.coach.scenarios import get_scenario
    syn = synonyms_for(get_scenario("js-blocking-event-loop"))
    assert match_phrase("async pbkdf2", hear("Moving to the asynchronous crypto dot P B K D F two.", syn), syn)[0] == 1.0


@pytest.mark.parametrize("said,kept", [
    # (thirteenth pass, dev23) brackets around arithmetic, whatever tiny.en made of "paren"
    ("offset equals open the end page minus one close the end times page size",
     ("offset", "equals", "open", "page", "minus", "1", "close", "times", "page", "size")),
    ("open bracket a plus b close bracket", ("open", "a", "plus", "b", "close")),
])
def test_brackets_said_aloud_around_arithmetic_are_dropped(said, kept):
    assert spoken_words(said) == kept


@pytest.mark.parametrize("said", [
    "open the connection run the query close the connection",   # no operator between: real words
    "open the file and close the file",
    "open the end page minus size and never close",              # no matching close
])
def test_open_and_close_without_arithmetic_keep_their_words(said):
    assert spoken_words(said) == tuple(said.split())
