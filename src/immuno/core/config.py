"""Configuration: ``immuno.yaml`` decoded once, at the edge, into typed objects.

Every section is a frozen struct with defaults, so an empty file is the strict
configuration. Unknown keys and wrong types are errors that name the key and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from immuno.core.errors import ConfigError, StoreError
from immuno.core.known import explain_validation
from immuno.store.location import parse_location

DEFAULT_CONFIG_FILE = "immuno.yaml"
DEFAULT_STORE_PATH = ".immuno/immuno.db"
DEFAULT_FLAG_THRESHOLD = 0.5
DEFAULT_BLOCK_THRESHOLD = 0.8


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class StoreConfig(_Section, frozen=True):
    """Where state lives. ``url`` (a SQLite path or ``sqlite:///path``, or
    ``postgresql://user@host:port/db``) wins over ``path``; ``path``'s folder keeps the
    local files either way (the authority key, the CA)."""

    path: str = DEFAULT_STORE_PATH
    url: str | None = None
    # Redis (redis://host:port/db) shared by replicas: health-ladder fan-out, the replay
    # cache, rate caps. Without it, replicas agree through the store (about a second).
    redis: str | None = None
    # Seconds to wait for a server store's connection; then the check fails closed.
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ConfigError("store.timeout", f"must be positive, got {self.timeout}")
        if self.redis is not None and not self.redis.startswith(("redis://", "rediss://")):
            raise ConfigError("store.redis", "must be a redis:// or rediss:// URL")
        if self.url is not None:
            try:
                parse_location(self.url)
            except StoreError as exc:
                raise ConfigError("store.url", str(exc)) from None

    @property
    def location(self) -> str:
        """What :func:`immuno.store.open_store` opens."""
        return self.url if self.url is not None else self.path

    @property
    def file(self) -> Path | None:
        """The SQLite file, or None for ``:memory:`` and server stores."""
        kind, target = parse_location(self.location)
        return Path(target) if kind == "sqlite" and target != ":memory:" else None

    @property
    def folder(self) -> Path:
        """Where local files beside the store go."""
        if self.file is not None:
            return self.file.parent
        return Path(self.path).parent if self.path != ":memory:" else Path(".immuno")


class Thresholds(_Section, frozen=True):
    flag: float = DEFAULT_FLAG_THRESHOLD
    block: float = DEFAULT_BLOCK_THRESHOLD


class DetectConfig(_Section, frozen=True):
    enabled: bool = True
    packs: list[str] = msgspec.field(default_factory=lambda: ["builtin"])
    classifier: bool = True
    model: str = "builtin"  # or a path to a classifier file built by training/
    anomaly: bool = True
    anomaly_warmup: int = 20  # texts per agent and channel before anomalies count
    vaccine_threshold: float = 0.6  # share of a vaccine's shingles that makes a match
    quarantine: bool = True  # keep flagged and stopped content in the store
    # Tools (globs) whose stopped outputs are delivered with the injected sentences cut
    # out when the rest scans clean; [] stops them whole. Bare scanned text never is.
    excise: list[str] = msgspec.field(default_factory=lambda: ["*"])
    # WEAKER DETECTION, off by default: the classifier's bar for text written mostly
    # outside ASCII (Cyrillic, CJK, Latin with many diacritics) is raised to the one
    # dev chose for that script, where the shipped model stops most benign text. It
    # gives up attacks in those scripts to the signatures and the barrier.
    unsafe_script_thresholds: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.vaccine_threshold <= 1.0:
            raise ConfigError("detect.vaccine_threshold", "must be in (0, 1]")
        if self.anomaly_warmup < 1:
            raise ConfigError("detect.anomaly_warmup", "must be at least 1")


class PolicyConfig(_Section, frozen=True):
    """The runtime barrier. With no manifest, every tool call is refused (default deny)."""

    enabled: bool = True
    manifests: list[str] = msgspec.field(default_factory=list)
    session_ttl: float = 3600.0  # seconds a quiet session lives (then it ends)
    session_reads: int = 512  # reads kept per agent and session (oldest forgotten first)
    sessions_cached: int = 10_000  # sessions a worker keeps in memory (the store has all)

    def __post_init__(self) -> None:
        for key, value in (
            ("policy.session_ttl", self.session_ttl),
            ("policy.session_reads", self.session_reads),
            ("policy.sessions_cached", self.sessions_cached),
        ):
            if value <= 0:
                raise ConfigError(key, f"must be positive, got {value}")


class LadderThresholds(_Section, frozen=True):
    """Decayed incident points at which an agent moves up the health ladder."""

    watched: float = 1.0
    throttled: float = 2.0
    quarantined: float = 3.0
    locked: float = 6.0


class ReplicationConfig(_Section, frozen=True):
    """Content relayed from agent to agent (``immuno.response.replication``)."""

    enabled: bool = True
    # share of the shorter text's word 3-shingles the other holds: one text, forwarded
    # (set between development forwards, 0.875 and up, and different agents' notes
    # from one template, up to 0.84; see docs/troubleshooting.md#responsereplication)
    overlap: float = 0.85
    fanout: int = 3  # a forward of content that reached this many peers is replication
    relayers: int = 2  # agents caught relaying one text that make it a worm
    window: float = 3600.0  # seconds a text's travels are remembered

    def __post_init__(self) -> None:
        if not 0.0 < self.overlap <= 1.0:
            raise ConfigError("response.replication.overlap", "must be in (0, 1]")
        for key, value in (("fanout", self.fanout), ("relayers", self.relayers)):
            if value < 1:
                raise ConfigError(f"response.replication.{key}", "must be at least 1")
        if not self.window > 0:
            raise ConfigError("response.replication.window", "must be positive")


class ResponseConfig(_Section, frozen=True):
    enabled: bool = True
    ladder: LadderThresholds = msgspec.field(default_factory=LadderThresholds)
    half_life: float = 3600.0  # seconds for an agent's points to halve
    throttle_rate: int = 10  # signals a throttled agent may emit per minute
    burst: int = 5  # findings from one agent within burst_window make a burst incident
    burst_window: float = 60.0
    exposure_window: float = 900.0  # consumers of the last N seconds become exposed
    exposure_hops: int = 2
    hold_when_exposed: list[str] = msgspec.field(
        default_factory=lambda: ["bank.*", "pay*", "shell.*", "email.send", "memory.*"]
    )
    lockdown_after: int = 5  # locked agents that trigger a network-wide lockdown; 0 = never
    # Finding codes (globs) kept in the threat store but never charged to an agent:
    # a policy denial means the barrier held (or the manifest is tight), not that the
    # agent is infected; charging it would quarantine agents for a config mistake.
    not_evidence: list[str] = msgspec.field(default_factory=lambda: ["policy.*"])
    flush_every: int = 128  # signals with findings buffered before one write
    replication: ReplicationConfig = msgspec.field(default_factory=ReplicationConfig)


class MemoryConfig(_Section, frozen=True):
    # Writes whose provenance is listed wait in quarantine for an operator.
    quarantine: list[str] = msgspec.field(default_factory=lambda: ["untrusted"])


class DriftConfig(_Section, frozen=True):
    enabled: bool = True
    warmup: int = 150
    window: int = 24
    threshold: float = 14.0
    novel: int = 5
    cusum_scale: float = 1.0


class IdentityConfig(_Section, frozen=True):
    enabled: bool = True
    # A message whose peer claims to be an agent of the network (provenance internal)
    # but is not registered is refused when true, flagged when false.
    require_signed: bool = True
    skew_seconds: float = 30.0
    max_lifetime_seconds: float = 300.0
    # store (shared, durable) | redis (shared, fast; needs store.redis) | memory (one process)
    replay_cache: str = "store"
    replay_capacity: int = 1_000_000
    token_ttl_seconds: float = 900.0
    passphrase_file: str | None = None  # unlocks HMAC secrets kept in the store
    drift: DriftConfig = msgspec.field(default_factory=DriftConfig)


class AuditConfig(_Section, frozen=True):
    """The sealed decision log. ``durability: normal`` survives a process crash
    (SQLite WAL, synchronous=NORMAL); ``full`` also survives power loss (fsync)."""

    enabled: bool = True
    store_content: bool = False  # keep signal content in clear, not only its SHA-256
    head_every: int = 1000  # sign a tree head at least every N entries ...
    head_interval: float = 60.0  # ... and every T seconds while entries arrive
    durability: Literal["normal", "full"] = "normal"

    def __post_init__(self) -> None:
        if self.head_every < 1:
            raise ConfigError("audit.head_every", f"must be at least 1, got {self.head_every}")
        if not self.head_interval > 0:
            raise ConfigError("audit.head_interval", f"must be > 0, got {self.head_interval}")


class TLSConfig(_Section, frozen=True):
    """HTTPS for ``immuno serve``. ``cert`` and ``key`` are the server's; ``ca`` is the
    folder of the local CA (``immuno ca init``): when set, every client must present a
    certificate of that CA, not revoked (mTLS), and is named by it."""

    cert: str | None = None
    key: str | None = None
    ca: str | None = None


class GatewayConfig(_Section, frozen=True):
    """``immuno serve``: the HTTP gateway. Binds to loopback unless told otherwise."""

    host: str = "127.0.0.1"
    port: int = 8470
    workers: int = 1
    audience: str = "immuno-gateway"  # the ``aud`` a bearer token must name
    max_body_bytes: int = 1_048_576  # larger request bodies are refused (413)
    rate: float = 50.0  # requests per second an agent may sustain (token bucket) ...
    burst: int = 100  # ... and how many it may send at once
    tls: TLSConfig = msgspec.field(default_factory=TLSConfig)
    tracing: bool = False  # OpenTelemetry spans per request and check (the otel extra)

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError("gateway.port", f"must be in 1..65535, got {self.port}")
        if self.workers < 1:
            raise ConfigError("gateway.workers", f"must be at least 1, got {self.workers}")
        if self.max_body_bytes < 1024:
            raise ConfigError(
                "gateway.max_body_bytes", f"must be >= 1024, got {self.max_body_bytes}"
            )
        if not self.rate > 0:
            raise ConfigError("gateway.rate", f"must be > 0, got {self.rate}")
        if self.burst < 1:
            raise ConfigError("gateway.burst", f"must be at least 1, got {self.burst}")
        if not self.audience.strip():
            raise ConfigError("gateway.audience", "must not be empty")
        if (self.tls.cert is None) != (self.tls.key is None):
            raise ConfigError("gateway.tls", "give both cert and key, or neither")
        if self.tls.ca is not None and self.tls.cert is None:
            raise ConfigError("gateway.tls.ca", "mTLS needs the server's cert and key too")


class SandboxConfig(_Section, frozen=True):
    """Sandboxed tools (``immuno.sandbox``). Without bubblewrap they are refused, unless
    ``unsafe_run_unsandboxed``: then they run with only a clean environment and rlimits,
    and a warning says so at every start."""

    bwrap: str | None = None  # the bubblewrap binary; default /usr/bin/bwrap, else PATH
    unsafe_run_unsandboxed: bool = False


class Config(_Section, frozen=True):
    store: StoreConfig = msgspec.field(default_factory=StoreConfig)
    thresholds: Thresholds = msgspec.field(default_factory=Thresholds)
    detect: DetectConfig = msgspec.field(default_factory=DetectConfig)
    policy: PolicyConfig = msgspec.field(default_factory=PolicyConfig)
    response: ResponseConfig = msgspec.field(default_factory=ResponseConfig)
    memory: MemoryConfig = msgspec.field(default_factory=MemoryConfig)
    identity: IdentityConfig = msgspec.field(default_factory=IdentityConfig)
    audit: AuditConfig = msgspec.field(default_factory=AuditConfig)
    gateway: GatewayConfig = msgspec.field(default_factory=GatewayConfig)
    sandbox: SandboxConfig = msgspec.field(default_factory=SandboxConfig)

    def __post_init__(self) -> None:
        ident = self.identity
        if ident.replay_cache not in ("store", "redis", "memory"):
            raise ConfigError("identity.replay_cache", "must be store, redis or memory")
        if ident.replay_cache == "redis" and self.store.redis is None:
            raise ConfigError("identity.replay_cache", "redis needs store.redis set")
        for key, number in (
            ("identity.skew_seconds", ident.skew_seconds),
            ("identity.max_lifetime_seconds", ident.max_lifetime_seconds),
            ("identity.token_ttl_seconds", ident.token_ttl_seconds),
            ("identity.drift.threshold", ident.drift.threshold),
            ("identity.drift.cusum_scale", ident.drift.cusum_scale),
        ):
            if not number > 0:
                raise ConfigError(key, f"must be > 0, got {number}")
        for key, count in (
            ("identity.drift.warmup", ident.drift.warmup),
            ("identity.drift.window", ident.drift.window),
            ("identity.drift.novel", ident.drift.novel),
            ("identity.replay_capacity", ident.replay_capacity),
        ):
            if count < 1:
                raise ConfigError(key, f"must be >= 1, got {count}")
        t = self.thresholds
        for key, value in (("thresholds.flag", t.flag), ("thresholds.block", t.block)):
            if not 0.0 < value <= 1.0:
                raise ConfigError(key, f"must be in (0, 1], got {value}")
        if t.flag > t.block:
            raise ConfigError("thresholds", f"flag ({t.flag}) must not exceed block ({t.block})")
        _check_response(self.response)
        for name in self.memory.quarantine:
            if name not in _PROVENANCES:
                known = ", ".join(_PROVENANCES)
                raise ConfigError(
                    "memory.quarantine", f"unknown provenance {name!r}; one of {known}"
                )


_PROVENANCES = ("trusted", "internal", "untrusted")


def _check_response(r: ResponseConfig) -> None:
    steps = (r.ladder.watched, r.ladder.throttled, r.ladder.quarantined, r.ladder.locked)
    if not 0.0 < steps[0] <= steps[1] <= steps[2] <= steps[3]:
        raise ConfigError(
            "response.ladder", "thresholds must be positive and rise: watched <= ... <= locked"
        )
    for key, value in (
        ("response.half_life", r.half_life),
        ("response.burst_window", r.burst_window),
        ("response.exposure_window", r.exposure_window),
    ):
        if value <= 0:
            raise ConfigError(key, f"must be positive, got {value}")
    for key, count in (
        ("response.throttle_rate", r.throttle_rate),
        ("response.burst", r.burst),
        ("response.flush_every", r.flush_every),
    ):
        if count < 1:
            raise ConfigError(key, f"must be at least 1, got {count}")
    if r.exposure_hops < 0 or r.lockdown_after < 0:
        raise ConfigError("response", "exposure_hops and lockdown_after must not be negative")


_PATH_RE = re.compile(r"(?: - at )?`\$((?:\.[A-Za-z_][\w-]*|\[\d+\])*)`")


def _line_of(document: str, path: list[str | int]) -> int | None:
    """1-based line of the YAML node at ``path``, for error messages."""
    try:
        node: Any = yaml.compose(document)
    except yaml.YAMLError:
        return None
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _split_path(dotted: str) -> list[str | int]:
    parts: list[str | int] = []
    for token in re.findall(r"\.([\w-]+)|\[(\d+)\]", dotted):
        parts.append(token[0] if token[0] else int(token[1]))
    return parts


def parse_config(document: str, source: str = DEFAULT_CONFIG_FILE) -> Config:
    """Decode a YAML document into a :class:`Config`, naming file, line and key on error."""
    try:
        raw = yaml.safe_load(document)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark is not None else source
        raise ConfigError(where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, "the top level must be a mapping of sections")
    try:
        return msgspec.convert(raw, Config)
    except ConfigError as exc:
        line = _line_of(document, _split_path("." + exc.where))
        where = f"{source}, line {line}: {exc.where}" if line else f"{source}: {exc.where}"
        raise ConfigError(where, exc.problem) from None
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _PATH_RE.search(message)
        dotted = match.group(1) if match else ""
        problem = _PATH_RE.sub("", message).strip() or message
        named = explain_validation(message, Config, "the configuration", "key")
        if named is not None and problem.startswith(("Object contains unknown", "Invalid enum")):
            dotted, problem = "." + named[0], named[1]
        key_name = dotted.lstrip(".") or "(top level)"
        line = _line_of(document, _split_path(dotted))
        where = f"{source}, line {line}: {key_name}" if line else f"{source}: {key_name}"
        raise ConfigError(where, problem) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load ``path``, or ``./immuno.yaml`` when it exists, or the defaults."""
    if path is None:
        candidate = Path(DEFAULT_CONFIG_FILE)
        if not candidate.exists():
            return Config()
        path = candidate
    path = Path(path)
    try:
        document = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "not UTF-8 text") from None
    return parse_config(document, str(path))
