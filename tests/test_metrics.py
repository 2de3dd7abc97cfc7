import pytest

from voicecoach.speech.lexicon import Lexicon
from voicecoach.speech.metrics import DeliveryOptions, analyze, find_pauses, mark_fillers, speech_span_s, wpm
from voicecoach.types import Word
from wordlists import words


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.default()


def test_wpm_counts_every_word_over_the_speech_span(lexicon):
    ws = words("the handler leaks um a connection", word_s=0.5)  # 6 words in 3.0 s
    d = analyze(ws, lexicon)
    assert d.word_count == 6
    assert d.speech_span_s == pytest.approx(3.0)
    assert d.wpm == pytest.approx(120.0)


def test_speech_span_starts_at_first_word_not_at_zero(lexicon):
    ws = words("one two three four", start_s=5.0, word_s=0.5)
    assert speech_span_s(ws) == pytest.approx(2.0)
    assert analyze(ws, lexicon).wpm == pytest.approx(120.0)


def test_articulation_rate_excludes_pauses(lexicon):
    ws = words("a b c d", word_s=0.5, gaps={2: 2.0})  # 2 s of words + 2 s pause
    d = analyze(ws, lexicon)
    assert d.wpm == pytest.approx(60.0)
    assert d.articulation_wpm == pytest.approx(120.0)


def test_pauses_threshold_long_and_boundary():
    ws = words("The bug is here. So we fix it", gaps={1: 0.2, 4: 1.2, 6: 0.4})
    pauses = find_pauses(ws, DeliveryOptions(pause_min_s=0.25, long_pause_s=1.0))
    assert [(p.duration_s, p.long, p.at_boundary) for p in pauses] == [(1.2, True, True), (0.4, False, False)]
    assert pauses[0].start_s == ws[3].end_s and pauses[0].end_s == ws[4].start_s


def test_empty_input_gives_zero_metrics(lexicon):
    d = analyze([], lexicon)
    assert (d.word_count, d.wpm, d.articulation_wpm, d.fillers_per_100_words) == (0, 0.0, 0.0, 0.0)
    assert wpm(3, 0.0) == 0.0


@pytest.mark.parametrize("text, fillers", [
    ("I like this design", []),
    ("we would like a retry", []),
    ("it looks like a race", []),
    ("it was like, really slow", ["like"]),
    ("Like, the cache is stale", ["like"]),
    ("um the uh handler hmm", ["um", "uh", "hmm"]),
    ("ummm the handler", ["ummm"]),
    ("what kind of lock is it", []),
    ("it sort of blocks the loop", ["sort of"]),
    ("you know, the pool is empty", ["you know"]),
    ("do you know what it returns", []),
    ("I mean, the index is off", ["i mean"]),
    ("what I mean is the index", []),
    ("So basically, it leaks", ["basically"]),
    ("what actually happens is a leak", []),
    # "err" is the error variable in code talk; a hesitation otherwise, and "er" always
    ("the catch sends err .message to the client", []),
    ("call next of err in the catch", []),
    ("if err is nil we return", []),
    ("err, the handler leaks", ["err"]),
    ("one of err the handlers", ["err"]),
    ("the er handler", ["er"]),
])
def test_filler_context_rules(lexicon, text, fillers):
    d = analyze(words(text), lexicon)
    assert [f.text for f in d.fillers] == fillers


def test_fillers_per_100_words_and_flags(lexicon):
    ws = words("um so the uh pool is empty and we leak one connection")
    d = analyze(ws, lexicon)
    assert d.fillers_per_100_words == pytest.approx(100 * 2 / 12, abs=0.01)
    marked = mark_fillers(ws, lexicon)
    assert [w.text for w in marked if w.filler] == ["um", "uh"]


def test_recovered_fillers_keep_their_source_and_confidence(lexicon):
    ws = words("the handler") + [Word("uh", 0.7, 0.9, 0.42, True, "recovered")]
    d = analyze(ws, lexicon)
    assert [(f.source, f.confidence) for f in d.fillers] == [("recovered", 0.42)]


def test_hedges_are_reported_apart_from_fillers(lexicon):
    d = analyze(words("I think maybe the pool is probably empty, it depends"), lexicon)
    assert [h.text for h in d.hedges] == ["i think", "maybe", "probably", "it depends"]
    assert d.fillers == ()


def test_user_config_edits_the_filler_list(voicecoach_home):
    voicecoach_home.mkdir(parents=True, exist_ok=True)
    (voicecoach_home / "config.toml").write_text('[fillers]\nvocal = ["um"]\nlexical = ["right"]\n')
    lex = Lexicon.default()
    d = analyze(words("uh the index is off right"), lex)
    assert [f.text for f in d.fillers] == ["right"]  # "uh" is no longer listed, "right" is
