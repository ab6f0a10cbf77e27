#!/usr/bin/env python3
"""The Python conformance runner: every scenario of tests/conformance/scenarios through the
`renderiq` package's generic call entry (`Client.call` / `Client.start`), one line each, then
`N passed, N failed`. See tests/conformance/README.md.

    python tests/conformance/python/run.py [STEM ...]

Needs the `renderiq` package importable (a wheel or `maturin develop` of bindings/python) and
the RENDERIQ_CONFORMANCE_* environment that scripts/test-conformance.sh sets. Exits 1 when a
scenario failed, 2 when the setup is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import renderiq
from renderiq import webhooks

#: Longest a single call or operation may take before the step fails.
STEP_LIMIT = 120.0
#: How often a `start` step looks at the operation's progress.
POLL = 0.005
ROOT = Path(os.environ.get("RENDERIQ_CONFORMANCE_ROOT") or Path(__file__).resolve().parents[3])
ERROR_KEYS = {"kind", "class", "code", "status", "fields", "hintCalls", "hintExcludes", "messageContains"}


class Failure(Exception):
    """A step did not meet its expectation."""


# ---- outcomes, matching, variables ----------------------------------------------------------


class Outcome:
    """A result or the exception a step raised."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: Optional[BaseException] = None) -> None:
        self.value = value
        self.error = error

    @classmethod
    def of(cls, fn: Any, *args: Any) -> "Outcome":
        try:
            return cls(fn(*args))
        except Exception as e:  # every exception is an outcome the expectation judges
            return cls(error=e)


def short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:300] + "…"


def subset(want: Any, have: Any, path: str = "$") -> None:
    """README *Expectations*: objects by the keys of `want`, arrays element-wise with the same
    length, scalars equal (numbers by value); the `$any`, `$range`, `$contains` matchers."""
    if isinstance(want, dict) and len(want) == 1:
        name, arg = next(iter(want.items()))
        if name == "$any":
            if have is None:
                raise Failure(f"{path} is null, expected a value")
            return
        if name == "$range":
            lo, hi = arg
            if not _number(have) or not lo <= have <= hi:
                raise Failure(f"{path} is {short(have)}, expected a number from {lo} to {hi}")
            return
        if name == "$contains":
            if not isinstance(have, str) or arg not in have:
                raise Failure(f"{path} is {short(have)}, expected a string containing {arg!r}")
            return
    if isinstance(want, dict) and isinstance(have, dict):
        for key, w in want.items():
            if key in have:
                subset(w, have[key], f"{path}.{key}")
            elif w is not None:
                raise Failure(f"{path}.{key} is missing (expected {short(w)})")
    elif isinstance(want, list) and isinstance(have, list):
        if len(want) != len(have):
            raise Failure(f"{path} has {len(have)} elements, expected {len(want)}: {short(have)}")
        for i, (w, h) in enumerate(zip(want, have)):
            subset(w, h, f"{path}[{i}]")
    elif _number(want) and _number(have):
        if float(want) != float(have):
            raise Failure(f"{path} is {have}, expected {want}")
    elif type(want) is not type(have) or want != have:
        raise Failure(f"{path} is {short(have)}, expected {short(want)}")


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


VAR = re.compile(r"\$\{([^}]*)\}")


def substitute(value: Any, vars: Mapping[str, Any]) -> Any:
    """`${name}` replaced; a string that is exactly `"${name}"` becomes the value itself."""
    if isinstance(value, str):
        whole = VAR.fullmatch(value)
        if whole:
            return lookup(whole.group(1), vars)
        return VAR.sub(lambda m: _text(lookup(m.group(1), vars)), value)
    if isinstance(value, list):
        return [substitute(v, vars) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, vars) for k, v in value.items()}
    return value


def lookup(name: str, vars: Mapping[str, Any]) -> Any:
    if name not in vars:
        raise Failure(f"variable ${{{name}}} is not set (no setup value or saved variable)")
    return vars[name]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def at_path(value: Any, path: str) -> Any:
    if path == "":
        return value
    cur = value
    for seg in path.split("."):
        if isinstance(cur, dict) and seg in cur:
            cur = cur[seg]
        elif isinstance(cur, list) and seg.isdigit() and int(seg) < len(cur):
            cur = cur[int(seg)]
        else:
            raise Failure(f"the result has no {seg!r} at path {path!r}")
    return cur


def buffer(name: str) -> bytes:
    """README *Buffers*."""
    if name == "raw_bgra_2x2_stride12_bottom_up":
        return bytes([0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, 255, 0, 0, 255, 255, 255, 255, 255])
    if name == "sample_png":
        return (ROOT / "examples/assets/sample-viewport.png").read_bytes()
    raise Failure(f"unknown buffer {name!r} (see the README's Buffers)")


# ---- expectations ---------------------------------------------------------------------------

#: The error table's camelCase field names as Python attributes.
ERROR_FIELDS = {
    "kind": "kind", "code": "code", "message": "message", "hint": "hint", "status": "status",
    "requestId": "request_id", "details": "details", "requiredCredits": "required_credits",
    "availableCredits": "available_credits", "retryAfter": "retry_after",
}


def check(expect: Optional[Mapping[str, Any]], outcome: Outcome) -> None:
    if expect is None:
        expect = {"ok_any": True}
    if not isinstance(expect, dict) or len(expect) != 1:
        raise Failure(f"`expect` needs exactly one of ok, ok_any, error: {short(expect)}")
    if "error" in expect:
        if outcome.error is None:
            raise Failure(f"expected an error, the call succeeded with {short(outcome.value)}")
        check_error(expect["error"], outcome.error)
        return
    if outcome.error is not None:
        e = outcome.error
        raise Failure(
            f"expected success, got {type(e).__name__}: {e} "
            f"(code {getattr(e, 'code', None)!r}, status {getattr(e, 'status', None)!r})"
        )
    if "ok" in expect:
        try:
            subset(expect["ok"], outcome.value)
        except Failure as why:
            raise Failure(f"{why}; the result was {short(outcome.value)}") from None
    elif "ok_any" not in expect:
        raise Failure(f"unknown expectation {short(expect)}")


def check_error(want: Mapping[str, Any], e: BaseException) -> None:
    unknown = set(want) - ERROR_KEYS
    if unknown:
        raise Failure(f"unknown key {sorted(unknown)[0]!r} in an error expectation")
    about = f"the error was {type(e).__name__}: {e}"
    if not isinstance(e, renderiq.RenderiqError):
        raise Failure(f"expected a renderiq.RenderiqError; {about}")
    if "kind" in want and e.kind != want["kind"]:
        raise Failure(f"kind is {e.kind}, expected {want['kind']}; {about}")
    if "class" in want:
        name = f"{want['class']}Error"
        cls = getattr(renderiq, name, None)
        if not (isinstance(cls, type) and issubclass(cls, renderiq.RenderiqError)):
            raise Failure(f"renderiq has no error class {name}")
        if type(e) is not cls:
            raise Failure(f"class is {type(e).__name__}, expected {name}; {about}")
    for key in ("code", "status"):
        if key in want:
            try:
                subset(want[key], getattr(e, key))
            except Failure as why:
                raise Failure(f"{key}: {why}; {about}") from None
    for name, w in (want.get("fields") or {}).items():
        attr = ERROR_FIELDS.get(name)
        if attr is None:
            raise Failure(f"{name!r} is not a field of the error table")
        try:
            subset(w, getattr(e, attr))
        except Failure as why:
            raise Failure(f"field {name} ({attr}): {why}; {about}") from None
    hint = e.hint or ""
    if hint and hint not in str(e):
        raise Failure(f"the hint {hint!r} is not in str(exception); {about}")
    for call in want.get("hintCalls") or []:
        if call not in hint:  # Python's methods are the calls' snake_case names
            raise Failure(f"the hint {hint!r} does not name {call}; {about}")
    for word in want.get("hintExcludes") or []:
        if word in hint:
            raise Failure(f"the hint {hint!r} names {word!r}; {about}")
    for word in want.get("messageContains") or []:
        if word not in (e.message or ""):
            raise Failure(f"the message {e.message!r} lacks {word!r}")


# ---- one scenario ---------------------------------------------------------------------------


def client_keywords(options: Mapping[str, Any]) -> Dict[str, Any]:
    """`renderiq.Client` keywords for client options (the core's ClientConfig names); an option
    Python has no keyword for is passed in snake_case, and refused by Python."""
    keywords: Dict[str, Any] = {}
    for key, value in options.items():
        if key in ("timeoutMs", "connectTimeoutMs"):
            keywords[key[:-2].replace("T", "_t").lower()] = value / 1000 if _number(value) else value
        elif key == "tokenStore" and isinstance(value, dict):
            keywords["token_store"] = renderiq.EncryptedFileStore(value.get("file"), passphrase=value.get("passphrase"))
        else:
            keywords[re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()] = value
    return keywords


class Scenario:
    """One scenario in progress: its variables and its current client."""

    def __init__(self, setup: "Setup", doc: Mapping[str, Any], stem: str) -> None:
        self.vars = setup.values(stem, doc.get("server", "default"))
        self.defaults = {"baseUrl": self.vars["base_url"], "tokenStore": "memory",
                         "pluginName": "renderiq-conformance", "pluginVersion": renderiq.__version__}
        built = self.build_client({})
        if built.error is not None:
            raise Failure(f"the default client: {built.error}")
        self.client: Optional[renderiq.Client] = built.value

    def run(self, steps: List[Any]) -> None:
        for i, step in enumerate(steps):
            try:
                self.step(step)
            except Failure as why:
                raise Failure(f"step {i + 1} ({label(step)}): {why}") from None

    def step(self, step: Mapping[str, Any]) -> None:
        expect = substitute(step["expect"], self.vars) if "expect" in step else None
        if "call" in step:
            outcome = self.call(step["call"], step.get("attach"))
            check(expect, outcome)
            self.save(step.get("save"), outcome)
        elif "start" in step:
            self.start(step, expect)
        elif "sleep_ms" in step:
            time.sleep(int(step["sleep_ms"]) / 1000)
        elif "verify_webhook" in step:
            check(expect, verify_webhook(substitute(step["verify_webhook"], self.vars)))
        elif "client" in step:
            options = substitute(step["client"], self.vars)
            if not isinstance(options, dict):
                raise Failure("`client` must be an object")
            built = self.build_client(options)
            self.client = built.value
            if expect is not None:
                check(expect, Outcome(None, built.error))
            elif built.error is not None:
                raise Failure(f"the client was not built: {type(built.error).__name__}: {built.error}")
        else:
            raise Failure(f"unknown step {short(step)}")

    def build_client(self, options: Mapping[str, Any]) -> Outcome:
        keywords = client_keywords({**self.defaults, **options})
        return Outcome.of(lambda: renderiq.Client(keywords.pop("base_url"), **keywords))

    def the_client(self) -> renderiq.Client:
        if self.client is None:
            raise Failure("there is no client: the last `client` step did not build one")
        return self.client

    def prepare(self, call: Any, attach: Optional[str]) -> Tuple[Any, Optional[bytes]]:
        return substitute(call, self.vars), buffer(attach) if attach else None

    def call(self, call: Any, attach: Optional[str]) -> Outcome:
        call, data = self.prepare(call, attach)
        return Outcome.of(self.the_client().call, call, data)

    def start(self, step: Mapping[str, Any], expect: Optional[Mapping[str, Any]]) -> None:
        call, data = self.prepare(step["start"], step.get("attach"))
        started = Outcome.of(self.the_client().start, call, data)
        if started.error is not None:
            check(expect, started)
            return
        op: renderiq.Operation = started.value
        seen = op.progress
        when = step.get("cancel_when")
        if when is None:
            if step.get("expect_progress") is True:
                first = seen.version
                wait_done(op)
                seen = op.progress
                if seen.version <= first:
                    raise Failure(f"the progress version never grew (stayed {first})")
                if seen.percent != 100:
                    raise Failure(f"the last progress was {seen.percent} percent")
        elif when == "at_once":
            op.cancel()
        elif isinstance(when, dict) and isinstance(when.get("stage"), str):
            seen = wait_for_stage(op, when["stage"])
            op.cancel()
        else:
            raise Failure(f'cancel_when must be "at_once" or {{"stage": …}}, got {short(when)}')
        wait_done(op)
        outcome = Outcome.of(op.outcome)
        check(expect, outcome)
        self.save(step.get("save"), outcome)
        self.save(step.get("save_progress"), Outcome(progress_json(seen)))

    def save(self, save: Optional[Mapping[str, str]], outcome: Outcome) -> None:
        if not save:
            return
        if outcome.error is not None:
            raise Failure(f"nothing to save: the call failed ({outcome.error})")
        for name, path in save.items():
            self.vars[name] = at_path(outcome.value, path)


def label(step: Mapping[str, Any]) -> str:
    for key in ("call", "start"):
        if isinstance(step.get(key), dict) and "call" in step[key]:
            return f"{key} {step[key]['call']}"
    return next((k for k in step if k not in ("expect", "save")), "?")


def progress_json(p: renderiq.Progress) -> Dict[str, Any]:
    render = p.render._to_wire() if p.render is not None else None
    return {"percent": p.percent, "stage": p.stage, "render": render, "version": p.version}


def wait_done(op: renderiq.Operation) -> None:
    if not op.wait(STEP_LIMIT):
        raise Failure(f"the operation did not finish within {STEP_LIMIT} s")


def wait_for_stage(op: renderiq.Operation, stage: str) -> renderiq.Progress:
    deadline = time.monotonic() + STEP_LIMIT
    while True:
        p = op.progress
        if p.stage == stage:
            return p
        if op.done():
            o = Outcome.of(op.outcome)
            result = f"{type(o.error).__name__}: {o.error}" if o.error else short(o.value)
            raise Failure(f"the operation finished before reaching stage {stage!r} (last stage {p.stage!r}): {result}")
        if time.monotonic() > deadline:
            raise Failure(f"stage {stage!r} not reached within {STEP_LIMIT} s")
        time.sleep(POLL)


def verify_webhook(spec: Mapping[str, Any]) -> Outcome:
    """The typed verify entry; the verified body, or with `"event": true` the event's payload."""
    for key in ("secret", "body", "now"):
        if key not in spec:
            raise Failure(f"verify_webhook needs `{key}`")
    names = {"id": "webhook-id", "timestamp": "webhook-timestamp", "signature": "webhook-signature"}
    headers = {name: str(spec[key]) for key, name in names.items() if spec.get(key) is not None}
    extra = {"tolerance": spec["tolerance_s"]} if "tolerance_s" in spec else {}
    body = spec["body"]

    def verify() -> Any:
        if spec.get("event") is True:
            return webhooks.verify(spec["secret"], body, headers, now=spec["now"], **extra).payload
        webhooks.verify_signature(spec["secret"], body, headers, now=spec["now"], **extra)
        return body

    return Outcome.of(verify)


# ---- setup and main -------------------------------------------------------------------------


class Setup:
    """What scripts/test-conformance.sh hands every runner."""

    def __init__(self) -> None:
        servers = os.environ.get("RENDERIQ_CONFORMANCE_SERVERS")
        if not servers:
            raise KeyError("RENDERIQ_CONFORMANCE_SERVERS is not set: run scripts/test-conformance.sh, "
                           'or set it to {"default": "http://127.0.0.1:PORT", …}')
        users = os.environ.get("RENDERIQ_CONFORMANCE_USERS")
        if not users:
            raise KeyError("RENDERIQ_CONFORMANCE_USERS is not set: it names the users JSON file "
                           "that scripts/test-conformance.sh writes")
        self.servers: Dict[str, str] = json.loads(servers)
        self.users: Dict[str, Dict[str, str]] = json.loads(Path(users).read_text())

    def values(self, stem: str, server: str) -> Dict[str, Any]:
        user = self.users.get(stem)
        if user is None:
            raise Failure(f"the users file has no account for scenario {stem!r}")
        if server not in self.servers:
            raise Failure(f"no server {server!r} in RENDERIQ_CONFORMANCE_SERVERS")
        return {"email": user["email"], "password": user["password"], "base_url": self.servers[server],
                "assets": str(ROOT / "examples/assets"), "vectors": str(ROOT / "tests/vectors")}


def main(only: List[str]) -> int:
    try:
        setup = Setup()
    except (KeyError, OSError, ValueError) as e:
        print(f"conformance: {e}", file=sys.stderr)
        return 2
    passed = failed = 0
    for path in sorted((ROOT / "tests/conformance/scenarios").glob("*.json")):
        if only and path.stem not in only and path.name not in only:
            continue
        try:
            doc = json.loads(path.read_text())
            steps = doc.get("steps")
            if not isinstance(steps, list):
                raise Failure("the scenario has no `steps` list")
            Scenario(setup, doc, path.stem).run(steps)
        except Failure as why:
            failed += 1
            print(f"FAIL {path.name}: {why}", flush=True)
        except Exception as e:  # a runner bug still counts the scenario as failed
            failed += 1
            print(f"FAIL {path.name}: the runner raised {type(e).__name__}: {e}", flush=True)
        else:
            passed += 1
            print(f"ok   {path.name}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
