"""How an answer's sentences sound, read by their words: a claim that something is wrong, a
proposal, an outcome, a test, a guess. Regular expressions over lower-cased sentence text, used by
coach/keypoints.py to tell a diagnosis from a remedy from an impact."""

from __future__ import annotations

import re

# What a claim that something is wrong sounds like (a defect term alone may be small talk; "leak
# detection" is a tool).
DEFECT_CUE = re.compile(r"\b(bug|wrong|broken|fails?|never|missing|no(?! matter)|not|nothing|nobody|doesn't|isn't|aren't|can't|without|"
                        r"different|inconsistent|incorrect|unbounded|arbitrary|trusts?|crash\w*|hangs?|"
                        r"because|leaks?(?! detection)|lets?|allows?|anyone|unsafe|insecure|exposes?|forgot|lacks?|ignores?|"
                        r"the (real )?(trouble|issue|culprit|cause)|comes? from|due to)\b")
# A sentence that proposes a change, by how it opens; and a word that proposes, anywhere.
PROPOSAL_LEAD = re.compile(r"^(so,? |and |then,? |also,? |first,? |second,? |third,? |next,? |finally,? |plus,? )*(i'd|i've|i would|i'll|we'd|we would|"
                           r"we should|we need to|you'd|you should|let's|instead|i'd also|make sure|"
                           r"(it|that|this) should (be|say|read)|(it|that|this) needs to be)\b")
# A remedy said as an instruction ("Wrap the handler in a try catch ..., so rejections reach the
# error middleware"): its purpose clause names the defect's topic without saying anything is wrong.
IMPERATIVE_LEAD = re.compile(r"^(so,? |and |or |then,? |also,? |first,? |second,? |third,? |next,? |finally,? |just |only |"
                             r"better (still|yet),? |even better,? )*"
                             r"(plus,? an? |"  # one more remedy, with no verb: "plus a listener for unhandled rejections"
                             r"(i |we )?"  # Whisper drops the 'd: "I drop the handler in try-catch" for "I'd wrap"
                             r"(don't |do not |never )?"  # "don't keep the lock held while calling the warehouse"
                             r"(wrap|add|use|replace|change|push|move|switch|put|hold|pass|validate|whitelist|"
                             r"allowlist|clamp|cap|give|build|swap|catch|close|guard|lock|reject|refuse|send|derive|"
                             r"compute|bind|parameteri[sz]e|set|make|return|drop|rewrite|generate|store|parse|call|load|keep|cache|read|"
                             r"retry)\b)")
PROPOSAL = re.compile(r"\b(i'd|i would|i'll|we'd|we would|we'll|should|need to|needs to|let's|instead|make sure|"
                      r"have to|has to|would|could|want to|the way to|better to|add|adding|use|using|wrap|move|"
                      r"replace|switch|write|cover|assert|check that|test)\b")
# Where a proposal turns to its purpose ("give the client a timeout, so nothing waits forever"):
# what is wrong must be said before it, or the sentence only says what the remedy prevents.
PURPOSE = re.compile(r"(?<=\S)(,\s*|\s+)(so that|so|that way|which means)\b")
# A sentence that opens on what follows from the one before ("So any rejection reaches ...")
RESULT_LEAD = re.compile(r"(so|that way|this way|with that)\b")
# What a remedy ends ("that ends the double charges"; "ends with the pod being killed" is where a
# fault leads): an outcome, and what stops after the remedy.
_ENDS = r"ends(?! (with|up|in)\b)|puts? an end to|eliminates?|"
# What an outcome sounds like: a sentence that also states the symptom needs one for its impact.
IMPACT_CUE = re.compile(r"\b(prevents?|stops?|" + _ENDS + r"avoids?|keeps?|means?|no longer|"
                        r"never again|saves?|reduces?|improves?|protects?|drops?|falls?|bounds?|caps?|cuts?|instead of|so that|which means|"
                        r"goes away|go away|becomes?|fails? fast)\b")

# An outcome said plainly after the remedy (`_outcomes`): a change ...
OUTCOME_CUE = re.compile(r"\b(that way|this way|net result|as a result|after that|once that's|with that|then|so|"
                         r"which means|means|stops?|no longer|can't|won't|stays?|keeps?|survives?|anymore|"
                         r"protects?|saves?|instead of|gets? exactly|gets? rid of|goes away|never|shouldn't|otherwise|"
                         r"frees? up)\b")  # ("we free up database capacity for everything else")
# ... for someone or something the business cares about.
STAKE = re.compile(r"\b(users?|customers?|clients?|shoppers?|people|everyone|everybody|support|on-?call|money|revenue|trust|service|"
                   r"server|process|pod|app|pages?|endpoint|checkout|database|pool|inventory|stock|dashboard|"
                   r"alerts?|latency|memory|outages?|downtime|traffic|data|team|finance|accounting|payroll|"
                   r"reports?|sales?|orders?|invoices?|charges?|refunds?|routes?|requests?|responsive|nodes?|system|site|"
                   r"api|prod|production)\b")

# How a test or a measurement is described; and "there are no tests", which is none.
TEST_CUE = re.compile(r"\b((write|add) a check|a check (where|that)|tests?|testing|supertest|pytest|unittest|junit|"
                      r"jest|stub(bed)?|fake|mocks?|mocked|assert(s|ing)?|reproduce|load test|benchmark|"
                      r"pin (that|it) down|cover (it|that) with|"
                      # "To verify, I'd run autocannon ... expecting ...": a check described in its own words
                      r"to (verify|prove|confirm)(?=,| (it|this|that)\b))\b")
# A sentence about a test opens with it ("then a test that...", "test: call it..."); Whisper runs a
# fast answer into one long sentence, whose test at the end says nothing of its opening.
TEST_OPENING_CHARS = 40
# ... or a clause of a run-on sentence opens with it, after a comma (`claims.where_a_test_starts`)
CLAUSE_BREAK = re.compile(r"[,;:]\s+")  # ("Insufficient funds: return a 422" labels a step)
# Clauses that set the scene for an instruction ("Then before slicing, if start is past the end,
# set it to len, so ..."; "In pay, if it's paid already, return the stored charge"): a condition,
# a place or a step label, after which the instruction is still the sentence's lead.
SETTING = re.compile(r"^(then,? |and |also,? |so,? )*(if|when|whenever|before|after|once|while|in|on|for|inside|at|"
                     r"first|second|third|next|finally)\b")
# What a loss to the business sounds like, in the answer's closing words ("Net result is
# overselling, refunds ...", "that's lost revenue", "nobody can pay"): with a stake, the impact.
LOSS = re.compile(r"\b(outages?|downtime|revenue|real money|money|legal|compliance|chargebacks?|refunds?|support load|"
                  r"misled|blind|worst|exposure|breach|denial of service|reputation|lost|lose|losing|"
                  r"nobody can|no one can|can't (pay|buy|check ?out|log ?in)|goes down|go down|takes? (\w+ ){0,3}down|"
                  r"costs? us)\b")  # ("a sick dependency should cost us one feature, not the pod")
# A clause that says what a remedy leaves out ("only retry on timeouts, not four hundreds", "...,
# never on 400s") names no defect.
CONTRAST = re.compile(r"^(not|never|rather than|instead of)\b")
CONDITION = re.compile(r"^(and )?(if|unless|in case)\b")
# A clause that gives a reason ("Replace pbkdf2Sync, because it blocks the event loop")
REASON = re.compile(r"^(and )?(because|since|as|given that|otherwise)\b")
# ... and what goes on describing it in the next sentence ("More times than the pool has
# connections, then checks a normal request still goes through")
CHECKS = re.compile(r"(?<!health )(?<!status )\b(check(s|ing)?|verif(y|ies|ying)|expect(s|ing)?|confirm(s|ing)?|"
                    r"assert(s|ing)?|should (get|see|return))\b")
# An outcome Whisper ran on from a test ("... plus the empty case, so nothing is silently dropped"),
# not the next step of the test ("then assert no duplicates").
AFTER_A_TEST = re.compile(r"\b(so|then|that way|which means)\b"
                          r"(?!,? (\w+ ){0,3}(assert|check|verif|expect|call|run|walk|fire|test|benchmark)\w*)"
                          r"|" + IMPACT_CUE.pattern)
NO_TEST = re.compile(r"\b(no|without|never|nobody|didn't|don't|isn't)\b[^.]{0,20}\b(tests?|tested|testing)\b")

# A guess rather than a claim.
# ("maybe half a second" hedges a number, "the same kind of thing" is no hedge; "selling stuff we
# don't have" names the stuff in a relative clause, "caching stuff" is vague)
HEDGE = re.compile(r"\b(maybe(?! (a |an )?(half|few|couple|around|about|\d|one|two|three|four|five|six|seven|eight|"
                   r"nine|ten|twenty|thirty|fifty|hundred))|perhaps|i guess|could be|might|not sure|don't know|no idea|"
                   r"probably|somehow|(?<!same )(?<!this )(?<!that )(?<!what )kind of|sort of|or something|"
                   r"i feel like|i suppose|not totally|ish|possibly|i wonder|i think|not certain|hard to say|"
                   r"something (to do with|about)|\w+ stuff(?! (we|that|which|you|they|nobody|no one)\b)|i'd have to (check|look|profile|dig|see)|"
                   # Whisper splits "maybe" ("I may be consider") and joins "-ish" ("slowish")
                   r"may be|(slow|fast|big|small|long|short|high|low|large)ish)\b|\w-ish\b|\?\s*$")
# What the code already does ("start to end already gives you ten items"), not a state ("an order
# already paid"); unless the sentence goes on to say what to do ("so I just slice ...").
ALREADY = re.compile(r"\balready (?!(\w+ed|paid|sent|done|gone|set|been|taken|made|spent)\b)\w+")
JUST = re.compile(r"\b(just|simply)\b")
# A remedy others recommend that the speaker waves away ("people say you should use parameters,
# though in practice the term is just a search word") is not proposed; the speaker's own "I'd"
# in the sentence still is.
HEARSAY = re.compile(r"\b(people|they|some|everyone|folks|the docs) (say|said|tell you|recommend)\b")
CONCESSION = re.compile(r"\b(though|but|however)\b")  # after the hearsay, or opening the next sentence
OWN_PROPOSAL = re.compile(r"\b(i'd|i would|i'll|i will|we'd|we should|we need to|let's)\b")
# A status code alone ("5xx", "201") said beside what watches the codes describes the dashboard
# ("monitoring counts five xx"), unless a remedy is proposed; a terse "201 on success" proposes.
BARE_CODE = re.compile(r"\d(\d\d|xx)")
WATCHERS = re.compile(r"\b(monitor\w*|dashboards?|alert\w*|graphs?)\b")
# A sentence that explains how the symptom came about is a diagnosis, not an outcome.
EXPLAINS = re.compile(r"\b(that's why|which is why|that is why|that's how|which is how|hence|explains)\b")
EDGE_FLAW = re.compile(r"\b(is|are) (off|wrong|broken)\b")
MIN_CLAIM_WORDS = 4
STOPS = re.compile(r"\b(never|stops?|" + _ENDS + r"gets? rid of|no longer|can't|cannot|can not|won't|"
                   r"shouldn't|no more|anymore|instead of|rather than|prevents?|keeps? (\w+ ){1,3}from|"
                   r"(goes|go|takes? \w+|brings? \w+) (down )?from)\b")
# The speaker says outright why it matters ("It matters because ...", "Why it matters: ...",
# "It's a big deal, because ...", "the consequence: ..."): the stakes it names are the impact,
# remedy or not.
MATTERS = re.compile(r"\b((it|this|that|which) (really |all |also )?matters|why (it|this|that) matters|"
                     r"(the )?reason (it|this|that) matters|matters because|(it's|this is|that's) a (big|huge|real) deal|"
                     r"(it's|this is|that's) (serious|critical|urgent|dangerous)( because)?|"
                     # "Real consequence: customers believe ...", "a legal and accounting headache"
                     r"(the |one )?(real |big |main |practical )?consequences?|(a|an) (\w+ ){0,3}(headache|nightmare))\b")
