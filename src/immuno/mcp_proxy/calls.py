"""Tool calls and their results, checked by the pipeline.

A ``tools/call`` is the signal ``tool_call`` (the agent, the tool, its arguments, the
session): the policy layer judges it against the agent's manifest. A call the
verdict does not allow is answered by the proxy with an error result that says why
(and, for a hold, the approval to wait for); it never reaches the server. A check
that raises refuses the call (fail closed).

A result's text (each text block, each embedded text resource) is checked as
untrusted tool output (``tool_result``) in the same session. An excised text is
replaced by ``verdict.sanitized``; anything else the verdict does not allow replaces
the whole result with an error result. ``structuredContent`` that only repeats the
text blocks follows them; other structured content is checked as its JSON and never
excised (it is stopped whole or delivered as it is).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from immuno.core.action import Action
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.mcp_proxy.messages import APPROVAL_META, error_result


class CallGuard:
    """Checks one agent's tool calls and the results they return."""

    def __init__(self, immune: Immune, agent: str) -> None:
        self.immune = immune
        self.agent = agent

    def refusal(
        self, tool: str, arguments: Mapping[str, Any], trace: str | None, approval: str | None
    ) -> str | None:
        """Why the call must not run (a text for the model), or None when it may."""
        try:
            verdict = self.immune.check(
                Signal(
                    kind=SignalKind.TOOL_CALL,
                    agent=self.agent,
                    tool=tool,
                    args=dict(arguments),
                    trace=trace,
                    approval_id=approval,
                )
            )
        except Exception as exc:  # fail closed: an unchecked call never runs
            return f"immuno could not check this call ({type(exc).__name__}: {exc}); refused"
        if verdict.action is Action.HOLD and verdict.approval_id:
            return (
                f"immuno held this call of {tool!r} for an operator's approval "
                f"{verdict.approval_id} ({verdict.explain()}). Once approved (`immuno "
                f"approvals approve {verdict.approval_id}`), call it again with the same "
                f'arguments and params._meta["{APPROVAL_META}"] = "{verdict.approval_id}".'
            )
        if not verdict.allowed:
            return f"immuno refused this call of {tool!r}: {verdict.explain()}"
        return None

    def result(
        self, tool: str, result: Mapping[str, Any], trace: str | None
    ) -> dict[str, Any] | None:
        """The result to deliver in place of ``result``, or None to deliver it as it is."""
        try:
            return self._result(tool, result, trace)
        except Stopped as stopped:
            return error_result(stopped.text)
        except Exception as exc:  # fail closed: unchecked output never reaches the model
            problem = f"{type(exc).__name__}: {exc}"
            return error_result(
                f"immuno could not check the output of {tool!r} ({problem}); withheld"
            )

    def _result(
        self, tool: str, result: Mapping[str, Any], trace: str | None
    ) -> dict[str, Any] | None:
        content = result.get("content")
        blocks: list[Any] = content if isinstance(content, list) else []
        delivered: list[Any] = []
        texts: dict[str, str] = {}  # each checked text -> the text delivered for it
        for block in blocks:
            text = text_of(block)
            if text is None:
                delivered.append(block)
                continue
            kept = self.check_text(tool, text, trace, excisable=True)
            texts[text] = kept
            delivered.append(block if kept == text else with_text(block, kept))
        structured = result.get("structuredContent")
        new_structured = structured
        if structured is not None:
            leaves = list(_leaves(structured))
            if leaves and all(leaf in texts for leaf in leaves):
                new_structured = _replace_leaves(structured, texts)
            else:
                encoded = msgspec.json.encode(structured).decode()
                self.check_text(tool, encoded, trace, excisable=False)
        if all(kept == text for text, kept in texts.items()):
            return None
        return {**result, "content": delivered, "structuredContent": new_structured}

    def check_text(self, tool: str, text: str, trace: str | None, *, excisable: bool) -> str:
        """The text to deliver (itself, or with its injected sentences cut out);
        raises :class:`Stopped` when it must not be delivered at all."""
        verdict = self.immune.check(
            Signal(
                kind=SignalKind.TOOL_RESULT,
                agent=self.agent,
                tool=tool,
                content=text,
                provenance=Provenance.UNTRUSTED,
                trace=trace,
            )
        )
        if verdict.allowed:
            return text
        if excisable and verdict.action is Action.EXCISE and verdict.sanitized is not None:
            return verdict.sanitized
        raise Stopped(tool, verdict)


class Stopped(Exception):
    """Content that must not be delivered, and the text that says why."""

    def __init__(self, tool: str, verdict: Verdict) -> None:
        self.text = f"immuno stopped the output of {tool!r}: {verdict.explain()}"
        super().__init__(self.text)


def text_of(block: object) -> str | None:
    if not isinstance(block, dict):
        return None
    if block.get("type") == "text" and isinstance(block.get("text"), str):
        return str(block["text"])
    resource = block.get("resource")
    if block.get("type") == "resource" and isinstance(resource, dict):
        text = resource.get("text")
        return text if isinstance(text, str) else None
    return None


def with_text(block: dict[str, Any], text: str) -> dict[str, Any]:
    if block.get("type") == "text":
        return {**block, "text": text}
    return {**block, "resource": {**block["resource"], "text": text}}


def _leaves(value: object) -> Iterator[str]:
    """Every string inside a JSON value (keys excepted)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)


def _replace_leaves(value: object, texts: Mapping[str, str]) -> object:
    if isinstance(value, str):
        return texts.get(value, value)
    if isinstance(value, dict):
        return {key: _replace_leaves(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_leaves(item, texts) for item in value]
    return value
