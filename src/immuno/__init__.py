"""immuno: an immune system for AI agents.

    from immuno import Immune, Signal
    immune = Immune()
    verdict = immune.scan(web_page, source="tool")
    if not verdict.allowed: ...

Everything public is re-exported here; anything else carries no stability promise.
"""

# Importing a layer package registers it with the pipeline.
from immuno import audit, detect, identity, policy  # noqa: F401  (register their layers)
from immuno._version import __version__
from immuno.core import (
    Action,
    Blocked,
    Channel,
    Config,
    ConfigError,
    Excised,
    Finding,
    HeldForApproval,
    Immune,
    ImmunoError,
    InputError,
    Layer,
    LayerError,
    LayerRate,
    Observer,
    Outcome,
    Provenance,
    Refused,
    Sealer,
    Session,
    Severity,
    Signal,
    SignalKind,
    Span,
    StoreError,
    Verdict,
    load_config,
    parse_config,
)
from immuno.memory import GuardedMemory, MemoryTampered  # registers the memory gate
from immuno.response import Health, ResponseEngine  # registers the response engine

__all__ = [
    "Action",
    "Blocked",
    "Channel",
    "Config",
    "ConfigError",
    "Excised",
    "Finding",
    "GuardedMemory",
    "Health",
    "HeldForApproval",
    "Immune",
    "ImmunoError",
    "InputError",
    "Layer",
    "LayerError",
    "LayerRate",
    "MemoryTampered",
    "Observer",
    "Outcome",
    "Provenance",
    "Refused",
    "ResponseEngine",
    "Sealer",
    "Session",
    "Severity",
    "Signal",
    "SignalKind",
    "Span",
    "StoreError",
    "Verdict",
    "__version__",
    "load_config",
    "parse_config",
]
