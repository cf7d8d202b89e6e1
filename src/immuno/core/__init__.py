"""Core types and the pipeline. Imports no layer: layers import core."""

from immuno.core.action import Action
from immuno.core.config import Config, load_config, parse_config
from immuno.core.errors import (
    Blocked,
    ConfigError,
    Excised,
    HeldForApproval,
    ImmunoError,
    InputError,
    LayerError,
    Refused,
    StoreError,
)
from immuno.core.finding import Finding, Severity, Span
from immuno.core.layer import Layer, Observer, Sealer
from immuno.core.outcome import LayerRate, Outcome
from immuno.core.pipeline import Immune, failure_finding
from immuno.core.registry import register_component
from immuno.core.session import Session, current_session
from immuno.core.signal import Channel, Provenance, Signal, SignalKind, parse_signal
from immuno.core.verdict import Verdict

__all__ = [
    "Action",
    "Blocked",
    "Channel",
    "Config",
    "ConfigError",
    "Excised",
    "Finding",
    "HeldForApproval",
    "Immune",
    "ImmunoError",
    "InputError",
    "Layer",
    "LayerError",
    "LayerRate",
    "Observer",
    "Outcome",
    "Provenance",
    "Refused",
    "Sealer",
    "Session",
    "Severity",
    "Signal",
    "SignalKind",
    "Span",
    "StoreError",
    "Verdict",
    "current_session",
    "failure_finding",
    "load_config",
    "parse_config",
    "parse_signal",
    "register_component",
]
