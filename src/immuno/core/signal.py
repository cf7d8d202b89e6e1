"""Signal: everything that crosses an agent boundary."""

from __future__ import annotations

import enum
import re
import uuid
from typing import Any, TypeVar

import msgspec

from immuno.core.errors import InputError
from immuno.core.known import explain_validation
from immuno.core.parts import Parts, signal_parts


class SignalKind(enum.StrEnum):
    MESSAGE = "message"  # user/agent -> agent
    TOOL_CALL = "tool_call"  # an agent's intent, checked before it executes
    TOOL_RESULT = "tool_result"  # a tool's output, checked before the model reads it
    MEMORY_WRITE = "memory_write"
    MEMORY_READ = "memory_read"
    OUTPUT = "output"  # what leaves the agent


class Provenance(enum.StrEnum):
    """Where content came from. Unknown content is untrusted (fail closed)."""

    TRUSTED = "trusted"  # the operator or the user
    INTERNAL = "internal"  # another agent of the network
    UNTRUSTED = "untrusted"  # web, email, documents, third-party tools


class Channel(enum.StrEnum):
    """Who wrote the text, as detectors see it."""

    USER = "user"  # typed by a user, agent or developer
    TOOL = "tool"  # came back from a tool, page, email, document or memory


E = TypeVar("E", bound=enum.StrEnum)

_TOOL_KINDS = frozenset({SignalKind.TOOL_RESULT, SignalKind.MEMORY_READ})


def _coerce(enum_type: type[E], field: str, value: object) -> E:
    try:
        return enum_type(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise InputError(field, f"must be one of {allowed}, got {value!r}") from None


def _new_id() -> str:
    return uuid.uuid4().hex


class Signal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One thing crossing a boundary: who, what, from where, in which session.

    ``trace`` names the session (one user task, ``immune.session()``) the signal
    belongs to; inside ``with immune.session()`` the pipeline fills it in. What an
    agent read vouches for its calls in the same session only; a signal with no
    session is judged alone.

    ``at`` is seconds since the epoch; ``0.0`` means "stamp me" and the pipeline fills
    it from its clock. It is the caller's claim: rate caps never read it.
    """

    kind: SignalKind
    agent: str
    content: str = ""
    peer: str | None = None
    tool: str | None = None
    args: dict[str, Any] = msgspec.field(default_factory=dict)
    provenance: Provenance = Provenance.UNTRUSTED
    trace: str | None = None
    id: str = msgspec.field(default_factory=_new_id)
    at: float = 0.0
    envelope: dict[str, Any] | None = None
    approval_id: str | None = None  # an operator approval a held tool call now presents

    def __post_init__(self) -> None:
        # Plain strings are accepted for the enum fields ("tool_call"), so every layer
        # can rely on real enums; an unknown value is an InputError naming the field.
        if not isinstance(self.kind, SignalKind):
            msgspec.structs.force_setattr(self, "kind", _coerce(SignalKind, "kind", self.kind))
        if not isinstance(self.provenance, Provenance):
            value = _coerce(Provenance, "provenance", self.provenance)
            msgspec.structs.force_setattr(self, "provenance", value)

    @property
    def channel(self) -> Channel:
        return Channel.TOOL if self.kind in _TOOL_KINDS else Channel.USER

    def text(self) -> str:
        """The whole signal as one text: the content, then the call's arguments as JSON.

        For what looks at a signal as a whole (baselines, fingerprints, the quarantine
        record). Detectors read :meth:`parts` one by one instead.
        """
        if not self.args:
            return self.content
        # An object no encoder knows is shown by repr: the readers of the whole text
        # must not crash on it (detection refuses such arguments, see parts()).
        encoded = msgspec.json.encode(self.args, enc_hook=repr).decode()
        return f"{self.content}\n{encoded}" if self.content else encoded

    def parts(self) -> Parts:
        """The content and every string leaf of the arguments, each named (``args.body``)."""
        return signal_parts(self.content, self.args)


_SOURCES: dict[str, tuple[SignalKind, Provenance]] = {
    "user": (SignalKind.MESSAGE, Provenance.TRUSTED),
    "agent": (SignalKind.MESSAGE, Provenance.INTERNAL),
    "tool": (SignalKind.TOOL_RESULT, Provenance.UNTRUSTED),
    "memory": (SignalKind.MEMORY_READ, Provenance.INTERNAL),
}
SOURCES = tuple(_SOURCES)


def signal_for_source(text: str, source: str, *, agent: str = "scan") -> Signal:
    """The signal a bare text from ``source`` (user, tool, agent, memory) stands for."""
    try:
        kind, provenance = _SOURCES[source]
    except KeyError:
        raise InputError("source", f"must be one of {', '.join(SOURCES)}, got {source!r}") from None
    return Signal(kind=kind, agent=agent, content=text, provenance=provenance)


def parse_signal(data: object) -> Signal:
    """Build a Signal from decoded JSON, naming the field that is wrong."""
    if not isinstance(data, dict):
        raise InputError("", "a signal must be a JSON object")
    try:
        return msgspec.convert(data, Signal)
    except msgspec.ValidationError as exc:
        raise InputError(*_field_and_problem(str(exc))) from None


def _field_and_problem(message: str) -> tuple[str, str]:
    named = explain_validation(message, Signal, "a signal")
    if named is not None:
        return named
    located = re.search(r"(.*?) - at `\$\.?([^`]*)`", message)
    if located:
        return located.group(2), located.group(1)
    return "", message
