"""A simulated agent network: clearly a simulation, deterministic, no model involved.

Each agent is a ``NaiveAgent``: a scripted stand-in for an LLM that obeys any
instruction it finds in its context, the way an unprotected model too often does.
Every boundary crossing goes through ``Network.cross``; with an ``Immune`` attached,
a signal whose verdict stops it is not delivered and the verdict is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from immuno.core.errors import Blocked
from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.core.verdict import Verdict
from immuno.identity import IdentityLayer, RegistryError, Signer
from immuno.identity.sealing import load_private_pem
from immuno.memory import GuardedMemory

ATTACKER_ACCOUNT = "XX66-ATTK-0000-6666"
DEMO_AGENTS = ("planner", "researcher", "payments")

# What a model "reads through": invisible characters do not hide meaning from it.
_INVISIBLE = dict.fromkeys([*range(0x200B, 0x2010), 0x2060, 0xFEFF])
_TAGS = {cp: chr(cp - 0xE0000) for cp in range(0xE0020, 0xE007F)}

_ACCOUNT = r"(?-i:[A-Z]{2}\d{2}[A-Z0-9-]{4,})"
_PAY = re.compile(
    rf"(?:transfer|pay|send|wire)\s+\$?([\d,]+)(?:\s+\w+)?\s+to\s+(?:[\w']+\s+){{0,4}}?({_ACCOUNT})",
    re.I,
)
FIND_ACCOUNT = re.compile(_ACCOUNT)
_REMEMBER = re.compile(r"(?:remember|note|store)\s+(?:that\s+)?(.+?)(?:\.|$)", re.I)
_FORWARD = re.compile(r"forward\s+this\s+(?:note\s+)?to\s+(?:the\s+)?(\w+)", re.I)
_SHELL = re.compile(r"run\s+`([^`]+)`", re.I)


@dataclass
class World:
    """What the agents can change: the bank ledger, shared memory, a shell log."""

    ledger: list[tuple[str, str, int]] = field(default_factory=list)
    memory: dict[str, str] = field(default_factory=dict)
    shell: list[str] = field(default_factory=list)
    inboxes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Network:
    immune: Immune | None = None
    world: World = field(default_factory=World)
    verdicts: list[Verdict] = field(default_factory=list)
    stopped: list[Verdict] = field(default_factory=list)
    tainted: set[str] = field(default_factory=set)  # agents that read untrusted content
    _memory: GuardedMemory | None = None
    signers: dict[str, Signer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """With an identity layer, each demo agent holds its own key, registered (or
        rotated in, with no overlap) in the registry; the keys stay on the agents' side."""
        if self.immune is None:
            return
        try:
            identity = self.immune.layer("identity")
        except KeyError:
            return
        assert isinstance(identity, IdentityLayer)
        for name in DEMO_AGENTS:
            try:
                enrolled = identity.registry.register(name, roles=[name])
            except RegistryError:
                enrolled = identity.registry.rotate(name, overlap=0.0)
            assert enrolled.private_pem is not None
            key = load_private_pem(enrolled.private_pem, None)
            self.signers[name] = Signer(name, private_key=key, kid=enrolled.kid)

    def cross(self, signal: Signal) -> bool:
        """Run a boundary crossing through the immune system (when there is one)."""
        if self.immune is None:
            return True
        return not self._check(signal).action.stops

    def _check(self, signal: Signal) -> Verdict:
        assert self.immune is not None
        verdict = self.immune.check(signal)
        self.verdicts.append(verdict)
        if not verdict.allowed:  # stopped, or delivered with the injection cut out
            self.stopped.append(verdict)
        return verdict

    @property
    def memory(self) -> GuardedMemory | None:
        """With immuno, the shared memory is guarded memory (checked by the same pipeline)."""
        if self.immune is not None and self._memory is None:
            self._memory = GuardedMemory(self.immune, check=self._check)
        return self._memory

    def agent(self, name: str) -> NaiveAgent:
        return NaiveAgent(name, self)


@dataclass
class NaiveAgent:
    name: str
    net: Network
    trace: str = "demo"

    def read_tool(self, tool: str, output: str) -> str | None:
        """A tool's output reaches the model only if the tool_result check lets it."""
        signal = Signal(
            kind=SignalKind.TOOL_RESULT,
            agent=self.name,
            tool=tool,
            content=output,
            provenance=Provenance.UNTRUSTED,
            trace=self.trace,
        )
        if self.net.immune is None:
            self.net.tainted.add(self.name)
            return output
        verdict = self.net._check(signal)
        if verdict.action.stops:
            return None
        self.net.tainted.add(self.name)
        return verdict.sanitized if verdict.sanitized is not None else output

    def receive(
        self,
        sender: str,
        body: str,
        envelope: dict[str, Any] | None = None,
        *,
        forged: bool = False,
    ) -> str | None:
        """A message from ``sender``, signed by the sender's own key when it has one.
        ``forged``: someone else wrote the sender's name and holds no key of theirs."""
        signer = self.net.signers.get(sender)
        if envelope is None and signer is not None and not forged:
            assert self.net.immune is not None
            envelope = signer.seal(self.name, body, now=self.net.immune.clock()).to_dict()
        signal = Signal(
            kind=SignalKind.MESSAGE,
            agent=self.name,
            peer=sender,
            content=body,
            provenance=Provenance.INTERNAL,
            trace=self.trace,
            envelope=envelope,
        )
        return body if self.net.cross(signal) else None

    def recall(self, key: str) -> str | None:
        if (memory := self.net.memory) is not None:
            try:
                record = memory.get(self.name, key, namespace="shared", trace=self.trace)
            except Blocked:
                return None
            return record.value if record is not None else None
        value = self.net.world.memory.get(key)
        if value is None:
            return None
        signal = Signal(
            kind=SignalKind.MEMORY_READ,
            agent=self.name,
            content=value,
            provenance=Provenance.INTERNAL,
            trace=self.trace,
        )
        return value if self.net.cross(signal) else None

    def call(self, tool: str, **args: Any) -> bool:
        """Intent first: the tool runs only if the tool_call check allows it."""
        signal = Signal(
            kind=SignalKind.TOOL_CALL, agent=self.name, tool=tool, args=args, trace=self.trace
        )
        if not self.net.cross(signal):
            return False
        world = self.net.world
        if tool == "bank.transfer":
            world.ledger.append((self.name, str(args["account"]), int(args["amount"])))
        elif tool == "memory.write" and (memory := self.net.memory) is not None:
            tainted = self.name in self.net.tainted
            written = memory.put(
                self.name,
                str(args["key"]),
                str(args["value"]),
                provenance=Provenance.UNTRUSTED if tainted else Provenance.INTERNAL,
                trace=self.trace,
                namespace="shared",
            )
            if written.record.status == "committed":
                world.memory[str(args["key"])] = str(args["value"])
        elif tool == "memory.write":
            if self.net.cross(
                Signal(
                    kind=SignalKind.MEMORY_WRITE,
                    agent=self.name,
                    content=str(args["value"]),
                    args={"key": args["key"]},
                    trace=self.trace,
                )
            ):
                world.memory[str(args["key"])] = str(args["value"])
        elif tool == "shell.run":
            world.shell.append(str(args["command"]))
        elif tool == "send_message":
            world.inboxes.setdefault(str(args["to"]), []).append(str(args["body"]))
        return True

    def obey(self, context: str) -> list[str]:
        """Do whatever the context says. This is the vulnerability being simulated."""
        text = context.translate(_INVISIBLE).translate(_TAGS)
        done: list[str] = []
        for amount, account in _PAY.findall(text):
            if self.call("bank.transfer", account=account, amount=int(amount.replace(",", ""))):
                done.append(f"paid {amount} to {account}")
        for target in _FORWARD.findall(text):
            if self.call("send_message", to=target.lower(), body=context):
                done.append(f"forwarded to {target}")
        for command in _SHELL.findall(text):
            if self.call("shell.run", command=command):
                done.append(f"ran {command}")
        return done

    def memorise(self, key: str, context: str) -> None:
        for fact in _REMEMBER.findall(context):
            self.call("memory.write", key=key, value=fact)
