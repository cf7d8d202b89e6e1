"""Input and output guardrails for the OpenAI Agents SDK, backed by immuno.

The input guardrail runs before the agent starts (``run_in_parallel=False``), so a
stopped input never reaches the model. It checks each user message of the input as
the user's words (a trusted message): inside ``with immune.session()`` that files
them for the session, as :meth:`Session.trust` does, so they vouch for the run's
calls; outside a session they are judged alone. The output guardrail checks the
agent's final output (an ``output`` signal). Either trips when the verdict would
stop the text (block, quarantine, hold, or an excision: the text may not go out as
it is); ``output_info`` then carries the action, the finding codes and the
explanation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from immuno.adapters._agents_tool import output_text
from immuno.adapters._require import missing
from immuno.core.signal import Provenance, Signal, SignalKind

try:
    from agents import Agent, GuardrailFunctionOutput, InputGuardrail, OutputGuardrail
    from agents.items import TResponseInputItem
    from agents.run_context import RunContextWrapper
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise missing("immuno.adapters.openai_agents", "openai-agents", error) from None

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune
    from immuno.core.verdict import Verdict


def user_texts(items: str | list[TResponseInputItem]) -> list[str]:
    """The user's messages in an agent's input (a text, or a list of input items)."""
    if isinstance(items, str):
        return [items]
    texts = []
    for item in items:
        if not isinstance(item, dict) or item.get("role") != "user":
            continue
        content = item.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(_part_texts(content))
    return texts


def _part_texts(parts: Iterable[Any]) -> list[str]:
    found = []
    for part in parts:
        text = part.get("text") if isinstance(part, dict) else getattr(part, "text", None)
        if isinstance(text, str):
            found.append(text)
    return found


def tripwire(verdicts: list[Verdict]) -> GuardrailFunctionOutput:
    """Tripped when any verdict would not let its text go out as it is."""
    stopped = [v for v in verdicts if not v.allowed]
    info = [{"action": v.action.value, "codes": v.codes, "explain": v.explain()} for v in stopped]
    return GuardrailFunctionOutput(output_info=info, tripwire_triggered=bool(stopped))


def make_input_guardrail(immune: Immune, agent: str, name: str) -> InputGuardrail[Any]:
    def check_input(
        ctx: RunContextWrapper[Any], _agent: Agent[Any], items: str | list[TResponseInputItem]
    ) -> GuardrailFunctionOutput:
        verdicts = [
            immune.check(
                Signal(
                    kind=SignalKind.MESSAGE,
                    agent=agent,
                    content=text,
                    provenance=Provenance.TRUSTED,
                )
            )
            for text in user_texts(items)
            if text
        ]
        return tripwire(verdicts)

    return InputGuardrail(guardrail_function=check_input, name=name, run_in_parallel=False)


def make_output_guardrail(immune: Immune, agent: str, name: str) -> OutputGuardrail[Any]:
    def check_output(
        ctx: RunContextWrapper[Any], _agent: Agent[Any], output: Any
    ) -> GuardrailFunctionOutput:
        text = output_text(output)
        if not text:
            return tripwire([])
        verdict = immune.check(
            Signal(
                kind=SignalKind.OUTPUT, agent=agent, content=text, provenance=Provenance.INTERNAL
            )
        )
        return tripwire([verdict])

    return OutputGuardrail(guardrail_function=check_output, name=name)
