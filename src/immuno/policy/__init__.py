"""Innate immunity: agent manifests, a default-deny policy engine, data-flow rules
and approvals, decided before a tool call executes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from immuno.core.registry import register_component
from immuno.policy.approvals import Approval, Approvals
from immuno.policy.engine import Policy
from immuno.policy.layer import PolicyLayer
from immuno.policy.manifest import load_manifest, load_manifests, parse_manifest
from immuno.policy.sessions import SessionReads
from immuno.policy.spec import Manifest, Source
from immuno.policy.written import WrittenValue, WrittenValues

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

__all__ = [
    "Approval",
    "Approvals",
    "Manifest",
    "Policy",
    "PolicyLayer",
    "SessionReads",
    "Source",
    "WrittenValue",
    "WrittenValues",
    "build_layer",
    "load_manifest",
    "load_manifests",
    "parse_manifest",
]

log = logging.getLogger("immuno.policy")


def build_layer(immune: Immune) -> PolicyLayer | None:
    config = immune.config.policy
    if not config.enabled:
        log.warning("policy.enabled is false: tool calls are NOT checked against any manifest")
        return None
    policy = Policy(load_manifests(config.manifests)) if config.manifests else None
    endorsing = sorted(n for n, t in policy.manifest.tools.items() if t.endorse) if policy else []
    if endorsing:
        log.warning(
            "endorse is on for %s: an output the user's request names vouches as trusted",
            ", ".join(endorsing),
        )
    flow = SessionReads(
        lambda: immune.store,
        immune.clock,
        ttl=config.session_ttl,
        items=config.session_reads,
        cached=config.sessions_cached,
    )
    return PolicyLayer(
        policy,
        flow=flow,
        approvals=lambda: Approvals(immune.store, immune.clock),
        written=lambda: WrittenValues(immune.store, immune.clock),
        monotonic=immune.monotonic,
        shared=immune.shared,
    )


register_component("policy", 200, build_layer)
