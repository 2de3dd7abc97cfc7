"""Optional LLM judge through the `openai` client, for any OpenAI-compatible server.

Never crashes and never loses the take: every failure (down, refused, timeouts, 429/5xx after
bounded retries, garbage, refusal) returns {"status": "fallback", "note": ...} and the caller
keeps the offline result. The key comes only from OPENAI_API_KEY or the keyring; it is never put
in the returned dict, a log line or a file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..config import Config, data_path
from ..errors import MissingDependency
from .scenarios import Scenario

log = logging.getLogger("voicecoach")

PROMPTS_DIR = data_path("prompts")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["content_score", "identified_root_cause", "fix_correct", "verdict", "feedback",
                 "injection_detected"],
    "properties": {
        "content_score": {"type": "integer", "minimum": 0, "maximum": 100},
        "identified_root_cause": {"type": "boolean"},
        "fix_correct": {"type": "boolean"},
        "verdict": {"type": "string"},
        "feedback": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "injection_detected": {"type": "boolean"},
    },
}
# For local servers that need no key the client still wants one: a placeholder, not a secret.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class LLMOptions:
    base_url: str | None
    model: str
    timeout_s: float = 60.0
    max_retries: int = 2
    backoff_s: float = 0.5
    temperature: float = 0.0

    @classmethod
    def from_config(cls, cfg: Config) -> "LLMOptions":
        s = cfg.section("llm")
        base_url = os.environ.get("OPENAI_BASE_URL") or str(s.get("base_url", "")) or None
        return cls(base_url=base_url, model=str(s.get("model", "llama3.1:8b")),
                   timeout_s=float(s.get("timeout_s", 60.0)), max_retries=max(0, int(s.get("max_retries", 2))),
                   backoff_s=float(s.get("backoff_s", 0.5)), temperature=float(s.get("temperature", 0.0)))


def api_key() -> str | None:
    """OPENAI_API_KEY, else the system keyring (service "voicecoach", user "openai") if installed."""
    key = os.environ.get("OPENAI_API_KEY")
    if key:
        return key
    try:
        import keyring  # optional

        return keyring.get_password("voicecoach", "openai")
    except Exception:  # no keyring package or no backend: the environment is the way
        return None


class InvalidReply(ValueError):
    pass


def validate(obj: Any) -> dict[str, Any]:
    """Check a decoded reply against SCHEMA (the subset it uses); return a clean copy."""
    if not isinstance(obj, dict):
        raise InvalidReply("reply is not a JSON object")
    missing = [k for k in SCHEMA["required"] if k not in obj]
    if missing:
        raise InvalidReply(f"reply lacks {', '.join(missing)}")
    score = obj["content_score"]
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
        raise InvalidReply("content_score is not a number from 0 to 100")
    for key in ("identified_root_cause", "fix_correct", "injection_detected"):
        if not isinstance(obj[key], bool):
            raise InvalidReply(f"{key} is not true/false")
    if not isinstance(obj["verdict"], str):
        raise InvalidReply("verdict is not a string")
    if not isinstance(obj["feedback"], list) or not all(isinstance(x, str) for x in obj["feedback"]):
        raise InvalidReply("feedback is not a list of strings")
    return {"content_score": int(round(score)), "identified_root_cause": obj["identified_root_cause"],
            "fix_correct": obj["fix_correct"], "verdict": obj["verdict"][:500],
            "feedback": [x[:300] for x in obj["feedback"][:3]], "injection_detected": obj["injection_detected"]}


def parse_reply(content: str | None) -> dict[str, Any]:
    """JSON from a reply, tolerating code fences or prose around one object."""
    if not content or not content.strip():
        raise InvalidReply("empty reply")
    text = content.strip()
    try:
        return validate(json.loads(text))
    except json.JSONDecodeError:
        pass
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        raise InvalidReply("reply holds no JSON object")
    try:
        return validate(json.loads(match.group(0)))
    except json.JSONDecodeError as exc:
        raise InvalidReply(f"reply is not valid JSON ({exc.msg})") from exc


def build_messages(result: Mapping[str, Any], scenario: Scenario | None, structure: Mapping[str, Any],
                   prompts_dir: Path = PROMPTS_DIR) -> list[dict[str, str]]:
    system = (prompts_dir / "judge_system.txt").read_text(encoding="utf-8")
    template = (prompts_dir / "judge_user.txt").read_text(encoding="utf-8")
    # A fresh marker per call: the answer cannot close a delimiter it cannot predict.
    nonce = secrets.token_hex(6)
    open_marker, close_marker = f"<<<ANSWER {nonce}>>>", f"<<<END ANSWER {nonce}>>>"
    answer = str((result.get("transcript") or {}).get("text", "")).replace("<<<", "« ").replace(">>>", " »")
    offline = {"fix_matches": structure.get("fix_matches"), "coverage": structure.get("coverage"),
               "parts_present": {p: (structure.get(p) or {}).get("present") for p in ("problem", "solution", "impact")}}
    fields = {
        "title": scenario.title if scenario else "free answer (no scenario)",
        "language": scenario.language if scenario else "unknown",
        "bug_class": scenario.bug_class if scenario else "unknown",
        "prompt": scenario.prompt if scenario else "Explain a bug you found and how you would fix it.",
        "snippet": scenario.snippet if scenario else "(none)",
        "reference": (scenario.reference_answer + "\nKey points: " + "; ".join(
            f"{p.name}: {' / '.join(p.phrases[:3])}" for p in scenario.key_points)) if scenario else "(none)",
        "offline": json.dumps(offline), "open_marker": open_marker, "close_marker": close_marker,
        "answer": answer,
    }
    user = template
    for name, value in fields.items():  # plain replace: code snippets are full of braces
        user = user.replace("{" + name + "}", str(value))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _fallback(note: str, attempts: int, opts: LLMOptions, key: str | None) -> dict[str, Any]:
    if key and key != NO_KEY:
        note = note.replace(key, "***")
    log.warning("LLM judge unavailable, keeping the offline score: %s", note)
    return {"status": "fallback", "note": f"LLM judge skipped, offline score kept: {note}", "model": opts.model,
            "attempts": attempts}


def judge_take(result: Mapping[str, Any], scenario: Scenario | None, structure: Mapping[str, Any], cfg: Config,
               *, sleep=time.sleep) -> dict[str, Any]:
    """Ask the model for a content judgement; the outcome or a fallback note, never an exception."""
    opts = LLMOptions.from_config(cfg)
    try:
        import openai
    except ImportError:
        err = MissingDependency("the LLM judge needs the openai package: pip install 'openai>=1.40'")
        return _fallback(str(err), 0, opts, None)
    key = api_key()
    if not key and not opts.base_url:
        return _fallback("no OPENAI_API_KEY set and no base_url for a local server", 0, opts, None)
    try:
        messages = build_messages(result, scenario, structure)
    except OSError as exc:
        return _fallback(f"prompt files missing in {PROMPTS_DIR} ({exc.strerror})", 0, opts, key)

    client = openai.OpenAI(api_key=key or NO_KEY, base_url=opts.base_url, timeout=opts.timeout_s, max_retries=0)
    structured = True
    attempts = 0
    retries_left = opts.max_retries
    while True:
        attempts += 1
        kwargs: dict[str, Any] = {"model": opts.model, "messages": messages, "temperature": opts.temperature}
        if structured:
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": "verdict", "strict": True, "schema": SCHEMA}}
        try:
            reply = client.chat.completions.create(**kwargs)
        except openai.BadRequestError as exc:
            if structured:  # server without structured output: ask again, validate the plain reply
                log.info("server refused response_format (%s); retrying without it", exc.status_code)
                structured = False
                continue
            return _fallback(f"server rejected the request (HTTP {exc.status_code})", attempts, opts, key)
        except (openai.APITimeoutError, openai.RateLimitError, openai.InternalServerError) as exc:
            why = "timed out" if isinstance(exc, openai.APITimeoutError) else f"HTTP {exc.status_code}"
            if retries_left <= 0:
                return _fallback(f"{why} after {attempts} attempt(s)", attempts, opts, key)
            retries_left -= 1
            sleep(opts.backoff_s * 2 ** (attempts - 1))
            continue
        except openai.APIConnectionError:
            return _fallback(f"cannot reach {opts.base_url or 'the OpenAI API'} (connection failed)", attempts,
                             opts, key)
        except openai.APIStatusError as exc:
            return _fallback(f"server answered HTTP {exc.status_code}", attempts, opts, key)
        except Exception as exc:  # a judge is optional: nothing it does may lose the take
            return _fallback(f"unexpected client error {type(exc).__name__}", attempts, opts, key)
        break

    choice = reply.choices[0] if reply.choices else None
    message = choice.message if choice else None
    if message is not None and getattr(message, "refusal", None):
        return _fallback("the model refused to grade", attempts, opts, key)
    try:
        verdict = parse_reply(message.content if message else None)
    except InvalidReply as exc:
        return _fallback(f"unusable reply ({exc})", attempts, opts, key)
    return {"status": "ok", "model": opts.model, "attempts": attempts, "structured": structured, **verdict}
