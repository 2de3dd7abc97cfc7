from voicecoach.speech.accuracy import align, filler_counts, tokens, wer


def test_tokens_fold_ami_spellings():
    assert tokens("NITE X_M_L_, 'Kay. Mm-hmm") == ["nite", "xml", "okay", "mm-hmm"]


def test_align_and_wer():
    assert wer("the cat sat", "the cat sat") == 0.0
    assert wer("the cat sat", "the bat sat down") == 2 / 3
    assert align(["a", "b"], ["a", "c", "b"]) == [("a", "a"), (None, "c"), ("b", "b")]


def test_filler_counts_need_the_right_place():
    ref = "so um the index uh is off"
    assert filler_counts(ref, "so um the index uh is off").found == 2
    assert filler_counts(ref, "so uh the index um is off").found == 2  # um vs uh still a filler found
    c = filler_counts(ref, "um so the index is off uh")  # both misplaced
    assert (c.found, c.reference, c.hypothesis) == (0, 2, 2)
    assert c.recall == 0.0 and c.precision == 0.0


def test_backchannels_are_not_fillers():
    assert filler_counts("Mm-hmm yeah", "Mm-hmm yeah").reference == 0


def test_hesitation_definition_leaves_mm_out():
    from voicecoach.speech.accuracy import HESITATIONS

    ref, hyp = "so um the mm index", "so um the mm index"
    assert filler_counts(ref, hyp).reference == 2
    assert filler_counts(ref, hyp, HESITATIONS).reference == 1
