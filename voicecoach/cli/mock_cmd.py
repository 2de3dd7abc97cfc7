"""`voicecoach resume`, `mock`, `mock-history` and `mock-compare`: the whole screening stage."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import click

from . import main
from .common import console, guarded, print_json


def _esc(text: Any) -> str:
    from rich.markup import escape

    return escape(str(text))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--llm", is_flag=True, help="Add an LLM pass (network call to your configured endpoint).")
@click.option("--json", "as_json", is_flag=True, help="The analysis as one JSON object.")
@guarded
def resume(file, llm, as_json):
    """Analyse a resume (.md, .txt, .pdf, .docx) the way an AI screener reads it.

    Finds the stack and every claim (languages, frameworks, datastores, queues, cloud, numbers)
    with its line; flags vague claims ("worked with backend", "familiar with Kubernetes", a
    technology with no scope or number) with a concrete rewrite; lists the questions an
    interviewer would ask about each claim, the smallest mention included. Offline; --llm adds
    an LLM pass that treats the resume as data, never as instructions.

    Example: voicecoach resume cv.pdf --json
    """
    from ..config import load_config
    from ..coach.questions import load_templates, questions_for_claim
    from ..coach.resume import analyze_resume, read_resume

    text = read_resume(file)
    analysis = analyze_resume(text, source=str(file))
    templates = load_templates()
    data = analysis.to_dict()
    for claim, out in zip(analysis.claims, data["claims"]):
        out["questions"] = [q.text for q in questions_for_claim(claim, analysis, templates)]
    if analysis.stack is None:
        data["note"] = ("no recognisable stack: `voicecoach mock` will use the general question set "
                        "unless you pass --stack")
    if llm:
        from ..coach.resume_llm import llm_pass

        data["llm"] = llm_pass(text, load_config())
    if as_json:
        print_json(data)
        return
    _render_resume(data)


def _render_resume(data: dict) -> None:
    out = console()
    stack = data["stack"] or "none recognised (the mock stage uses the general set unless --stack)"
    out.print(f"[bold]Stack:[/bold] {_esc(stack)}")
    techs = data["technologies"]
    if techs:
        out.print("[bold]Technologies[/bold] (line numbers; * = named with scope or a number)")
        for t in techs:
            out.print(f"  {_esc(t['name'])} ({t['category']}): lines {', '.join(map(str, t['lines']))}"
                      f"{' *' if t['scoped'] else ''}")
    small = data["smallest_mention"]
    if small:
        out.print(f"[bold]Smallest mention:[/bold] {_esc(small['name'])} (line {small['lines'][-1]}): expect a "
                  "question that drills into it")
    for c in data["claims"]:
        mark = "[yellow]vague[/yellow] " if c["vague"] else ""
        out.print(f"\n[bold]line {c['line_no']}[/bold] {mark}{_esc(c['text'])}")
        for why in c["vague"]:
            out.print(f"  why: {_esc(why)}")
        if c["rewrite"]:
            out.print(f"  rewrite: {_esc(c['rewrite'])}")
        for q in c["questions"][:4]:
            out.print(f"  ? {_esc(q)}")
    for line in data["ignored_lines"]:
        out.print(f"[yellow]ignored line {line['line']}[/yellow] (addressed to a reader or an AI): {_esc(line['text'])}")
    llm = data.get("llm")
    if llm:
        out.print(f"\nLLM pass: {_esc(llm.get('note') or llm['status'])}")
        for c in llm.get("claims") or []:
            for q in c["questions"]:
                out.print(f"  line {c['line']} ? {_esc(q)}")


def _plan(cfg, *, resume_path, stack, minutes, seed, use_llm):
    from ..coach.questions import pick_cv_questions
    from ..coach.resume import analyze_resume, read_resume
    from ..sessions.mock_plan import MockOptions, build_plan

    analysis, text = None, ""
    if resume_path:
        text = read_resume(resume_path)
        analysis = analyze_resume(text, source=str(resume_path))
    notes: list[str] = []
    cv, source, llm_info = None, "templates", {}
    if use_llm and analysis is not None:
        from ..coach.resume_llm import llm_pass, llm_questions

        opts = MockOptions.from_config(cfg, minutes=minutes)
        n = opts.cv_questions_long if opts.minutes >= opts.three_questions_min else 2
        verdict = llm_pass(text, cfg)
        llm_info = {k: v for k, v in verdict.items() if k != "claims"}
        if verdict["status"] == "ok":
            fallback = pick_cv_questions(analysis, n, random.Random(seed))
            cv = llm_questions(verdict, analysis, n, fallback)
            source = "llm" if any(q.source == "llm" for q in cv) else "templates"
        else:
            notes.append(f"{verdict['note']}; the questions come from the templates")
    elif use_llm:
        notes.append("--llm writes questions from a resume; without --resume the templates are used")
    return build_plan(cfg, analysis=analysis, stack=stack, minutes=minutes, seed=seed, cv_questions=cv,
                      questions_source=source, llm=llm_info, extra_notes=tuple(notes))


@main.command()
@click.option("--resume", "resume_path", type=click.Path(dir_okay=False), help="Your resume (.md .txt .pdf .docx).")
@click.option("--stack", metavar="LANG", help="Code-review language: python, javascript (node), go, java.")
@click.option("--minutes", type=float, default=None, help="Session length (default [mock] minutes, 25).")
@click.option("--seed", type=int, default=None, help="Pick the passage, questions and scenario from this seed.")
@click.option("--plan", "plan_only", is_flag=True, help="Print the plan (the --json shape) and record nothing.")
@click.option("--answers", "answers_mode", is_flag=True,
              help="Score recordings given after the options, one per planned question, in order.")
@click.argument("answer_files", nargs=-1, type=click.Path())
@click.option("--input", "input_spec", metavar="DEVICE", help="Input device (see `voicecoach devices`).")
@click.option("--new-round", is_flag=True, help="Start a new round of attempts.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one self-contained HTML page of the session.")
@click.option("--llm", is_flag=True, help="Let the configured LLM write the CV questions (templates on failure).")
@click.option("--no-speak", is_flag=True, help="The interviewer writes instead of speaking.")
@click.option("--end-silence", type=float, metavar="S", help="Stop an answer after this much silence (default 2.0).")
@click.option("--json", "as_json", is_flag=True, help="Print the session as one JSON object.")
@guarded
def mock(resume_path, stack, minutes, seed, plan_only, answers_mode, answer_files, input_spec, new_round,
         report_path, llm, no_speak, end_silence, as_json):
    """Rehearse the whole 20-30 minute AI screening stage, end to end.

    \b
    An interviewer (the TTS voice) runs the stage with a session clock and a question clock:
      1. English check: read a passage aloud (accuracy against the text, pace, pauses, fillers)
      2. two or three CV questions tailored to --resume, one on its smallest mention
         (structure: situation-action-result or problem-solution-impact; specificity; delivery)
      3. the code review of a buggy snippet in your stack (Node.js on the CV: JavaScript)
      4. a follow-up probe chosen from what your code-review answer left out
    Each answer has a time limit (an overrun is cut with a spoken notice); the session ends
    with a spoken summary. Three attempts per round: the third warns it is the last, a fourth
    is refused until --new-round. Every answer goes to the history (`mock-compare` compares
    attempts). --answers FILE... scores recordings instead of the microphone.

    \b
    Examples:
      voicecoach mock --resume cv.md
      voicecoach mock --resume cv.pdf --plan --seed 7
      voicecoach mock --resume cv.md --seed 7 --json --answers q1.wav q2.wav q3.wav q4.wav q5.wav q6.wav
    """
    from ..config import load_config
    from ..errors import UnusableInput

    if answer_files and not answers_mode:
        raise UnusableInput(f"unexpected argument {answer_files[0]!r}: recordings go after --answers")
    if answers_mode and not answer_files:
        raise UnusableInput("--answers needs the recordings: one per planned question (see --plan)")
    cfg = load_config()
    seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    plan = _plan(cfg, resume_path=resume_path, stack=stack, minutes=minutes, seed=seed, use_llm=llm)
    if plan_only:
        data = plan.to_dict()
        if as_json:
            print_json(data)
        else:
            _render_plan(data)
        return
    if len(answer_files) > len(plan.sections):
        raise UnusableInput(f"{len(answer_files)} recordings for {len(plan.sections)} planned questions: give at "
                            "most one per question (see --plan)")
    from .mock_run import run_session

    code = run_session(plan, cfg, answer_files=list(answer_files) if answers_mode else None, input_spec=input_spec,
                       new_round=new_round, report_path=report_path, use_llm=llm, speak=not no_speak,
                       end_silence=end_silence, as_json=as_json)
    sys.exit(code)


def _render_plan(data: dict) -> None:
    out = console()
    out.print(f"[bold]Plan[/bold] seed {data['seed']}, {data['minutes']:g} min, stack {data['stack']} "
              f"({data['stack_source']}), questions from {data['questions_source']}")
    for note in data["notes"]:
        out.print(f"note: {_esc(note)}")
    for s in data["sections"]:
        out.print(f"  Q{s['index']} {s['kind']:<11} {s['budget_s']:>5.0f} s  {_esc(s['question'])}")
        if s.get("reason"):
            out.print(f"      why: {_esc(s['reason'])}")
        if s.get("scenario"):
            out.print(f"      scenario: {s['scenario']}")


@main.command(name="mock-history")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of sessions.")
@guarded
def mock_history(as_json):
    """List mock sessions with their round, attempt and overall score.

    Example: voicecoach mock-history
    """
    from ..config import load_config
    from ..store.db import open_store
    from ..store.mocks import list_sessions, round_state

    limit = int(load_config().section("history").get("attempts", 3))
    with open_store() as store:
        sessions = list_sessions(store)
        current, used = round_state(store)
    if as_json:
        print_json([{**s.summary(), "attempts_allowed": limit} for s in sessions])
        return
    out = console()
    if not sessions:
        out.print("No mock sessions yet: `voicecoach mock --resume FILE` starts one.")
        return
    for s in sessions:
        score = "–" if s.overall is None else f"{s.overall:.0f}"
        out.print(f"#{s.id}  {s.created_at[:16].replace('T', ' ')}  round {s.round} attempt {s.attempt}/{limit}  "
                  f"{s.status:<10} {s.stack or '':<10} overall {score}")
    out.print(f"Round {current}: {max(0, limit - used)} attempt(s) left" + ("" if used < limit else
              "; `voicecoach mock --new-round` starts the next round"))


@main.command(name="mock-compare")
@click.argument("first", type=int, required=False)
@click.argument("second", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="The comparison as one JSON object.")
@guarded
def mock_compare(first, second, as_json):
    """Compare two mock sessions (default: the last two), question by question.

    Shows each answer's score change and warns when a retake re-uses the earlier wording (the
    article's advice: rework the structure in fresh words, do not recite).

    Example: voicecoach mock-compare 3 4
    """
    from ..config import load_config
    from ..errors import UnusableInput
    from ..sessions.mock_history import compare_sessions
    from ..store.db import open_store
    from ..store.history import HistoryOptions
    from ..store.mocks import list_sessions

    cfg = load_config()
    options = HistoryOptions.from_config(cfg.section("history"), cfg.section("coaching"))
    with open_store() as store:
        if first is None or second is None:
            done = [s.id for s in list_sessions(store) if s.status != "started"]
            if len(done) < 2:
                raise UnusableInput("fewer than two finished mock sessions to compare; name two: mock-compare A B")
            first, second = done[-2], done[-1]
        result = compare_sessions(store, first, second, options)
    if as_json:
        print_json(result)
        return
    out = console()
    o = result["overall"]
    out.print(f"[bold]Session #{first} → #{second}[/bold]  overall {o['before']} → {o['after']} ({o['delta']:+d})")
    for s in result["sections"]:
        delta = "" if s["delta"] is None else f"({s['delta']:+d})"
        same = "" if s["same_question"] else "  [dim](a different question)[/dim]"
        out.print(f"  Q{s['index']} {s['kind']:<11} {s['before']} → {s['after']} {delta}{same}")
        if s.get("reuse") is not None:
            out.print(f"      wording reuse {s['reuse']:.0%}")
    for warning in result["warnings"]:
        out.print("[bold yellow]warning:[/] ", end="")
        out.print(warning, markup=False)
