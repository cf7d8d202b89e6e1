"""``immuno init``: write a commented ``immuno.yaml`` to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from immuno.core.config import DEFAULT_CONFIG_FILE, parse_config
from immuno.core.errors import InputError

TEMPLATE = """\
# immuno configuration. Every key is optional: an empty file is the strict default.
# Unknown keys are errors, so a typo never silently weakens protection.

store:
  # The embedded SQLite store; every command uses this file unless told otherwise.
  path: .immuno/immuno.db
  # A shared store for many hosts instead (pip install 'immuno[postgres]'):
  # url: postgresql://immuno@db.internal:5432/immuno
  # Redis shared by replicas: ladder fan-out, rate caps, token buckets (immuno[fleet]):
  # redis: redis://127.0.0.1:6379/0
  # Seconds to wait for a server store's connection before a check fails closed.
  timeout: 5.0

thresholds:
  # Scores are in [0, 1]. At or above `flag` a signal is delivered but recorded;
  # at or above `block` it is refused.
  flag: 0.5
  block: 0.8

detect:
  enabled: true
  # Signature packs: `builtin`, or paths to your own YAML packs.
  packs: [builtin]
  # The shipped classifier (`builtin`, or a file built by training/train_classifier.py).
  classifier: true
  model: builtin
  # Per-agent anomaly statistics; they count after `anomaly_warmup` texts.
  anomaly: true
  anomaly_warmup: 20
  # Share of a vaccine's shingles a text must contain to count as a variant of it.
  vaccine_threshold: 0.6
  # Keep flagged and stopped content in the store (`immuno quarantine list`).
  quarantine: true
  # Tool outputs (globs of tool names) that, when stopped, are delivered with the
  # injected sentences cut out and marked, if the rest scans clean (the original
  # stays in quarantine). [] stops such outputs whole.
  excise: ["*"]
  # WEAKER DETECTION when true (warns at start): raise the classifier's bar for text
  # written mostly outside ASCII (Cyrillic, CJK, Latin with many diacritics), where
  # the shipped model stops much benign text, leaving injections in those scripts
  # to the signatures and the barrier.
  unsafe_script_thresholds: false

policy:
  enabled: true
  # Agent manifests (YAML): agents, roles, tools, argument constraints, data-flow
  # rules, approvals. With none listed every tool call is refused (default deny);
  # text scanning works without one. Check a manifest: `immuno policy check FILE`.
  manifests: []
  # What each agent has read is kept per session (one user task) for the
  # data-flow rules, in the store, so every worker sees it.
  session_ttl: 3600      # seconds a quiet session lives, then it ends
  session_reads: 512     # reads kept per agent and session
  sessions_cached: 10000 # sessions a worker keeps in memory

response:
  # The health ladder: decayed incident points at which an agent moves up.
  # Quarantined and locked agents stay there until an operator releases them.
  ladder: {watched: 1.0, throttled: 2.0, quarantined: 3.0, locked: 6.0}
  half_life: 3600          # seconds for an agent's points to halve
  throttle_rate: 10        # signals per minute a throttled agent may emit
  exposure_hops: 2         # how far exposure spreads from a quarantined agent
  hold_when_exposed: ["bank.*", "pay*", "shell.*", "email.send", "memory.*"]
  lockdown_after: 5        # locked agents that lock the whole network (0: never)
  not_evidence: ["policy.*"]  # finding codes stored but never charged to an agent

memory:
  # Writes with these provenances wait in quarantine until an operator commits them.
  quarantine: [untrusted]
identity:
  enabled: true
  # Refuse messages whose peer claims to be one of our agents but is not registered.
  require_signed: true
  skew_seconds: 30            # clock skew tolerated on envelope times
  max_lifetime_seconds: 300   # longest validity an envelope may claim
  replay_cache: store         # store (shared by processes, durable) or memory
  token_ttl_seconds: 900
  # passphrase_file: .immuno/passphrase   # unlocks HMAC secrets kept in the store
  drift:
    enabled: true
    warmup: 150     # allowed signals learned before an agent's drift is scored
    window: 24      # recent signals compared with the baseline
    threshold: 14.0 # window divergence, in sd above the agent's usual, that alarms
    novel: 5        # never-seen actions in the window that raise the alarm
    cusum_scale: 1.0  # > 1: fewer false alarms, later detection of a change of habit
                      # (scales the surprise CUSUM levels and the habit test's bits)
audit:
  # Every decision is sealed into a Merkle log before the caller acts on it.
  enabled: true
  # Keep signal content in clear (default: only its SHA-256 is logged).
  store_content: false
  # Sign a tree head every N entries or T seconds, whichever comes first.
  head_every: 1000
  head_interval: 60
  # normal: survives a process crash; full: fsync per commit, survives power loss.
  durability: normal
gateway:
  # `immuno serve`: the HTTP gateway. Loopback only unless you change host.
  host: 127.0.0.1
  port: 8470
  workers: 1                # processes sharing the store
  audience: immuno-gateway  # the `aud` a bearer token must name
  max_body_bytes: 1048576   # larger request bodies are refused (413)
  rate: 50.0                # requests per second an agent may sustain, per worker ...
  burst: 100                # ... and how many it may send at once (then 429)
  tls:
    cert: null   # the server's certificate and key (PEM): serve HTTPS
    key: null
    ca: null     # the local CA folder (`immuno ca init`): require client certificates
  tracing: false  # OpenTelemetry spans by OTLP (pip install 'immuno[otel]'; OTEL_* variables)

sandbox:
  # Sandboxed tools run under bubblewrap (`immuno sandbox check`). The binary; null
  # finds /usr/bin/bwrap or the one on PATH.
  bwrap: null
  # Without bubblewrap a sandboxed tool is refused. true runs it WITHOUT a sandbox
  # (only a clean environment and rlimits), with a warning at every start.
  unsafe_run_unsandboxed: false
"""


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        path: Annotated[Path, typer.Argument(help="Where to write.")] = Path(DEFAULT_CONFIG_FILE),
        force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented immuno.yaml with the strict defaults."""
        if path.exists() and not force:
            raise InputError(str(path), "exists; pass --force to overwrite it")
        parse_config(TEMPLATE, str(path))  # the template must always be valid
        try:
            path.write_text(TEMPLATE, encoding="utf-8")
        except OSError as exc:
            raise InputError(str(path), f"cannot write: {exc.strerror}") from None
        typer.echo(f"wrote {path}")
