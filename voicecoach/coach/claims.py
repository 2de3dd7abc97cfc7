"""What one sentence of an answer does, read by its words (coach/cues.py): proposes a change,
claims something is wrong, turns to a test, describes what the code already does, or waves a
remedy away. Pure predicates over lower-cased sentence text, used by coach/keypoints.py."""

from __future__ import annotations

from .cues import (ALREADY, CLAUSE_BREAK, CONCESSION, CONDITION, CONTRAST, DEFECT_CUE, HEARSAY, IMPERATIVE_LEAD, JUST,
                   MIN_CLAIM_WORDS, OWN_PROPOSAL, PROPOSAL, PROPOSAL_LEAD, PURPOSE, REASON, RESULT_LEAD, SETTING, TEST_CUE,
                   TEST_OPENING_CHARS)

POSITIVE_POINTS = ("fix", "edge_case", "test")  # said after "no"/"without" they describe the problem


def lowered(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def proposes(text: str) -> bool:
    """A sentence led by a proposal or an instruction, maybe after clauses that set its scene
    ("In pay, if the order is paid already, return the stored charge id instead of charging")."""
    for clause in CLAUSE_BREAK.split(text):
        if PROPOSAL_LEAD.search(clause) or IMPERATIVE_LEAD.search(clause):
            return True
        if not SETTING.search(clause):
            return False
    return False


def states_a_defect(text: str, at: int | None = None) -> bool:
    """Not a proposal, or a proposal that also says what is wrong ("I'd lock it, because ..."),
    before it turns to its purpose ("..., so nothing can wait forever" is what the remedy prevents).
    With `at` (the clause naming the cause), the claim is in the clauses from the proposal's to
    that one, or gives a reason: in "Replace pbkdf2Sync, wrapped with you will not promisify ..."
    (tiny.en for "util dot promisify") the "not" after the cause named is no claim."""
    # a proposal opens the sentence, or a clause after a fragment Whisper ran on from the last one
    # ("NewRequestWithContext, second, give the client a timeout"); after a claim it is a new step
    clauses = CLAUSE_BREAK.split(text)
    lead = next((k for k, c in enumerate(clauses) if PROPOSAL_LEAD.search(c) or IMPERATIVE_LEAD.search(c)), None)
    if lead is None or len(" ".join(clauses[:lead]).split()) >= MIN_CLAIM_WORDS:
        return True
    purpose = PURPOSE.search(text)
    # (what the instruction leaves out, "not four hundreds", and a condition after it, "if that
    # still isn't enough, ...", which is the next step, not a diagnosis)
    said = ", ".join(c for k, c in enumerate(CLAUSE_BREAK.split(text[:purpose.start()] if purpose else text))
                     if not CONTRAST.match(c) and not (k > lead and CONDITION.match(c))
                     and (at is None or k <= max(at, lead) or REASON.match(c)))
    return bool(DEFECT_CUE.search(said))


def follows_the_remedy(text: str, k: int, first_fix: int) -> bool:
    return k > first_fix and bool(RESULT_LEAD.match(text)) and not DEFECT_CUE.search(text)


def describes(text: str) -> bool:
    return bool(ALREADY.search(text)) and not PROPOSAL.search(text) and not JUST.search(text)


def waved_away(texts: list[str], k: int) -> bool:
    """A remedy others recommend and the speaker dismisses ("people say you should use
    parameters, though in practice ...", the "though" often in Whisper's next sentence) is not
    proposed; the speaker's own "I'd" in the sentence still is."""
    said = HEARSAY.search(texts[k])
    if not said or OWN_PROPOSAL.search(texts[k]):
        return False
    after = k + 1 < len(texts) and CONCESSION.match(texts[k + 1].lstrip(" ,"))
    return bool(CONCESSION.search(texts[k], said.end()) or after)


def about_a_test(text: str) -> bool:
    return bool(TEST_CUE.search(text[:TEST_OPENING_CHARS]))


def where_a_test_starts(text: str) -> int | None:
    """Where a run-on sentence turns to a test: the first clause after a comma that opens on one."""
    for m in CLAUSE_BREAK.finditer(text):
        if TEST_CUE.search(lowered(text[m.end():m.end() + TEST_OPENING_CHARS])):
            return m.end()
    return None


def fits(point: str, texts: list[str], k: int) -> bool:
    """What the meaning model may credit a sentence with: a diagnosis (symptom, root cause) only
    in the opening sentence or one that says something is wrong (as `other_defect` reads them),
    never in a bare proposal; a fix, edge case or test only where something is proposed. The
    model scores topic, so "that keeps the pages consistent" is near the root cause too. In a
    proposal the claim must come by its lead clause or as a reason: tiny.en heard "Replace
    pbkdf2Sync with util dot promisify ..." as "..., wrapped with you will not remissify", whose
    "not" is no claim."""
    text = texts[k]
    if point in ("root_cause", "symptom"):
        return (k == 0 or bool(DEFECT_CUE.search(text))) and states_a_defect(text, 0)
    if point in POSITIVE_POINTS:
        return bool(PROPOSAL.search(text)) and not waved_away(texts, k)
    return True
