"""One request's checks: its messages on the way in, the model's calls and text on
the way out, each a signal through the ``Immune`` pipeline in the request's session.

On the way in (:meth:`Turn.messages`), each message not judged before in the session:

* ``user``, ``system`` and ``developer`` messages are the words of the user and of
  the developer who wrote the agent: checked as trusted messages and filed in the
  session (``Session.trust``), so the values they name vouch for later calls. One the
  pipeline stops refuses the request (403); sent again, it is judged again, since a
  refusal may rest on the agent's state (locked, its session ended), which an
  operator can change.
* ``tool`` (and legacy ``function``) messages are tool results, untrusted, named by
  the tool the assistant called. One whose injected sentences can be cut out is
  forwarded with the rest (``Verdict.sanitized``); one stopped whole is replaced by a
  note saying it was withheld and why (finding codes only, never its words), so the
  model never reads the injection and can still tell the user.
* ``assistant`` messages are the model's own earlier replies: their calls and text
  were checked when they came through the proxy; they are not judged again.

On the way out, a call (:meth:`Turn.call`) is checked against the agent's manifest
with its parsed JSON ``arguments``; arguments that do not parse to an object are
refused (the refusal is still sealed). A held call remembers its approval id, and the
same call asked again in the session presents it, so an operator's approval lets it
through once. Assistant text is checked as ``output`` (:meth:`Turn.output`).

Fail closed: a check that raises, or a verdict a failing component produced
(``layer.error``, ``audit.seal_failed``), is a 503 naming the cause, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from immuno.chat_proxy.errors import ProxyError, check_failed
from immuno.chat_proxy.seen import KEEP, Decision, SeenBook
from immuno.chat_proxy.wire import USER_ROLES, Message
from immuno.core.action import Action
from immuno.core.finding import Finding, Severity
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict

LAYER = "chat_proxy"
_FAILURE_CODES = frozenset({"layer.error", "audit.seal_failed"})
_call_key = msgspec.json.Encoder(order="sorted").encode


@dataclass(frozen=True)
class CallOutcome:
    """A checked call: whether it may reach the client, and the note when not."""

    allowed: bool
    note: str = ""
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Turn:
    immune: Immune
    seen: SeenBook
    agent: str
    session: str

    # -- running a check, failing closed -----------------------------------------

    def run(self, signal: Signal, where: str, evidence: Sequence[Finding] = ()) -> Verdict:
        try:
            verdict = self.immune.check(signal, evidence=evidence)
        except Exception as exc:
            raise check_failed(where, exc) from None
        failed = next((f for f in verdict.findings if f.code in _FAILURE_CODES), None)
        if failed is not None:
            raise ProxyError(
                503,
                "check_failed",
                f"the check of {where} failed: {failed.message}; nothing was passed on",
                field=where,
            )
        return verdict

    # -- the request ---------------------------------------------------------------

    def messages(self, body: dict[str, Any], messages: Sequence[Message]) -> bool:
        """Judge every message new to the session and apply what was decided for each
        (new or not) to ``body``. True when the body changed; raises when refused."""
        changed = False
        for message in messages:
            if message.role == "assistant":
                continue
            digest = message.digest
            decision = self.seen.decided(self.session, digest)
            if decision is None:
                decision = self._judge(message)
                if decision.kind != "refuse":  # a refusal may rest on the agent's state
                    self.seen.decide(self.session, digest, decision)
            if decision.kind == "refuse":
                raise ProxyError(403, "refused", decision.text, field=message.field)
            if decision.kind == "replace":
                body["messages"][message.index]["content"] = decision.text
                changed = True
        return changed

    def _judge(self, message: Message) -> Decision:
        if not message.text:
            return KEEP  # nothing the model reads, nothing to vouch for
        if message.role in USER_ROLES:
            signal = Signal(
                kind=SignalKind.MESSAGE,
                agent=self.agent,
                content=message.text,
                provenance=Provenance.TRUSTED,
                trace=self.session,
            )
            verdict = self.run(signal, message.field)
            if verdict.allowed:
                return KEEP
            return Decision(
                "refuse", f"the {message.role} message was refused: {verdict.explain()}"
            )
        signal = Signal(
            kind=SignalKind.TOOL_RESULT,
            agent=self.agent,
            tool=message.tool,
            content=message.text,
            provenance=Provenance.UNTRUSTED,
            trace=self.session,
        )
        verdict = self.run(signal, message.field)
        if verdict.allowed:
            return KEEP
        if verdict.action is Action.EXCISE and verdict.sanitized is not None:
            return Decision("replace", verdict.sanitized)
        return Decision("replace", withheld(message.tool or "a tool", verdict))

    # -- the response --------------------------------------------------------------

    def call(self, name: object, arguments: object, where: str) -> CallOutcome:
        """Check one complete tool call the model made."""
        tool = name if isinstance(name, str) and name else None
        args, problem = parse_arguments(arguments)
        evidence: list[Finding] = []
        if tool is None:
            problem = f"the call names no function ({name!r})"
        if problem is not None:
            evidence.append(_unreadable(problem))
        key = _call_key((tool, args)).decode()
        approval = self.seen.approval(self.session, key) if not evidence else None
        signal = Signal(
            kind=SignalKind.TOOL_CALL,
            agent=self.agent,
            tool=tool,
            args=args,
            trace=self.session,
            approval_id=approval,
        )
        verdict = self.run(signal, where, evidence)
        shown = tool or "an unnamed function"
        if verdict.action is Action.HOLD and verdict.approval_id is not None:
            self.seen.hold(self.session, key, verdict.approval_id)
            return CallOutcome(False, held(shown, verdict), verdict)
        if approval is not None:
            self.seen.settle(self.session, key)
        if verdict.allowed:
            return CallOutcome(True, verdict=verdict)
        return CallOutcome(False, refused(shown, verdict), verdict)

    def output(self, text: str, where: str) -> Verdict:
        """Check the assistant's text as what leaves the agent."""
        signal = Signal(kind=SignalKind.OUTPUT, agent=self.agent, content=text, trace=self.session)
        return self.run(signal, where)


def parse_arguments(arguments: object) -> tuple[dict[str, Any], str | None]:
    """The call's arguments as an object, or ({}, what is wrong with them)."""
    if not isinstance(arguments, str):
        return {}, f"the arguments are not a JSON string ({type(arguments).__name__})"
    try:
        parsed = msgspec.json.decode(arguments or "{}")
    except msgspec.DecodeError as exc:
        return {}, f"the arguments are not valid JSON ({exc})"
    if not isinstance(parsed, dict):
        return {}, f"the arguments are not a JSON object ({type(parsed).__name__})"
    return parsed, None


def _unreadable(problem: str) -> Finding:
    return Finding(
        layer=LAYER,
        code="chat_proxy.call_unreadable",
        severity=Severity.HIGH,
        score=1.0,
        message=f"{problem}; refused unread",
        action=Action.BLOCK,
    )


def _codes(verdict: Verdict) -> str:
    codes = sorted({f"{f.layer}/{f.code}" for f in verdict.findings if f.action or f.score})
    return ", ".join(codes) or "no finding"


def withheld(tool: str, verdict: Verdict) -> str:
    """What the model reads in place of a tool result stopped whole: why, never what."""
    seq = f"; audit entry {verdict.seq}" if verdict.seq is not None else ""
    return (
        f"[immuno withheld this result of {tool}: {verdict.action.value} ({_codes(verdict)}"
        f"{seq}). It may carry instructions planted by a third party and was not shown.]"
    )


def refused(tool: str, verdict: Verdict) -> str:
    return f"[immuno refused the call {tool}: {verdict.explain()}]"


def held(tool: str, verdict: Verdict) -> str:
    return (
        f"[immuno held the call {tool} for an operator's approval (approval id "
        f"{verdict.approval_id}): {verdict.explain()}. Once approved "
        f"(immuno approvals approve {verdict.approval_id}), the same call with the "
        "same arguments goes through.]"
    )
