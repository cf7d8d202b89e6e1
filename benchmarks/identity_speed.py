"""Identity layer speed: sign and verify a 2 KB envelope next to bare Ed25519 verify
(cryptography) in the same run; then the drift figures on reporting seeds.

    python benchmarks/identity_speed.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from immuno.core.pipeline import Immune
from immuno.core.signal import Provenance, Signal, SignalKind
from immuno.identity import (
    IdentityLayer,
    MemoryReplayCache,
    Registry,
    Signer,
    StoreReplayCache,
)
from immuno.identity.drift import DriftMonitor, DriftSettings
from immuno.identity.envelope import unb64
from immuno.identity.sealing import load_private_pem
from immuno.identity.simulate import SWITCHES, report, trace_scores
from immuno.identity.verify import EnvelopeVerifier
from immuno.store import SQLiteStore

N = 3000
BODY = ("Quarterly figures attached; please review the supplier list. " * 40)[:2048]


def measure(label: str, fn: Callable[[int], object], n: int = N) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter_ns()
        fn(i)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return _print(label, samples)


def _print(label: str, samples: list[float]) -> float:
    samples.sort()
    median, p99 = statistics.median(samples), samples[int(len(samples) * 0.99)]
    print(f"{label:<46} median {median:8.1f} µs   p99 {p99:8.1f} µs")
    return median


def speed() -> None:
    now = 1_800_000_000.0
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "immuno.db")
        registry = Registry(store, lambda: now)
        enrolled = registry.register("sender")
        assert enrolled.private_pem is not None
        key = load_private_pem(enrolled.private_pem, None)
        signer = Signer("sender", private_key=key)
        public = key.public_key()
        envelopes = [signer.seal("receiver", BODY, now=now) for _ in range(N)]
        message, signature = envelopes[0].canonical(), unb64(envelopes[0].sig)
        print(f"envelope: {len(BODY)} B body, {len(message)} B canonical")
        measure("bare Ed25519 sign (cryptography)", lambda i: key.sign(message))
        measure("seal (sign) envelope", lambda i: signer.seal("receiver", BODY, now=now))
        # The three verifications interleaved, so machine noise hits them alike.
        memory = EnvelopeVerifier(registry, MemoryReplayCache())
        durable = EnvelopeVerifier(registry, StoreReplayCache(store))
        again = [signer.seal("receiver", BODY, now=now) for _ in range(N)]
        timings: dict[str, list[float]] = {"bare": [], "memory": [], "store": []}
        for i in range(N):
            for label, run in (
                ("bare", lambda: public.verify(signature, message)),
                ("memory", lambda e=envelopes[i]: memory.verify(e, recipient="receiver", now=now)),
                ("store", lambda e=again[i]: durable.verify(e, recipient="receiver", now=now)),
            ):
                start = time.perf_counter_ns()
                run()
                timings[label].append((time.perf_counter_ns() - start) / 1000)
        bare = _print("bare Ed25519 verify (cryptography)", timings["bare"])
        mem = _print("verify_envelope, memory replay cache", timings["memory"])
        sto = _print("verify_envelope, store replay cache (SQLite)", timings["store"])
        cache = StoreReplayCache(store)
        replay = measure(
            "  the store replay check alone",
            lambda i: cache.remember("x", f"nonce-{i:012d}", now + 60, now),
        )
        mcache = MemoryReplayCache()
        mreplay = measure(
            "  the memory replay check alone",
            lambda i: mcache.remember("x", f"nonce-{i:012d}", now + 60, now),
        )
        layer_costs(registry, signer, store, now)
        print(f"ratio verify (memory cache) / bare verify:       {mem / bare:.2f}x")
        print(f"ratio (verify - replay check) / bare, memory:    {(mem - mreplay) / bare:.2f}x")
        print(f"ratio (verify - replay check) / bare, store:     {(sto - replay) / bare:.2f}x")
        store.close()


def layer_costs(registry: Registry, signer: Signer, store: SQLiteStore, now: float) -> None:
    """Whole-pipeline checks with the identity layer alone (store replay cache, drift on)."""
    clock = [now]
    layer = IdentityLayer(
        registry,
        EnvelopeVerifier(registry, StoreReplayCache(store)),
        DriftMonitor(DriftSettings(), store, lambda: clock[0]),
        clock=lambda: clock[0],
    )
    immune = Immune(layers=[layer], clock=lambda: clock[0])
    messages = [
        Signal(
            kind=SignalKind.MESSAGE,
            agent="receiver",
            peer="sender",
            content=BODY,
            provenance=Provenance.INTERNAL,
            envelope=signer.seal("receiver", BODY, now=now).to_dict(),
            at=now,
        )
        for _ in range(N)
    ]
    measure("Immune.check: signed 2 KB message", lambda i: immune.check(messages[i]))
    tools = ("web.search", "web.fetch", "docs.read")

    def call(i: int) -> None:
        clock[0] += 1.0
        immune.check(
            Signal(kind=SignalKind.TOOL_CALL, agent="worker", tool=tools[i % 3], args={"q": BODY})
        )

    for i in range(300):  # past the warm-up, so drift is scored
        call(i)
    measure("Immune.check: 2 KB tool call, drift scored", call)


def drift() -> None:
    """Reporting seeds 100000+ (tuning used seeds 0-199)."""
    settings = DriftSettings()
    seeds = range(100_000, 100_200)
    normal = [trace_scores(settings, s, None, normal=400, after=0) for s in seeds]
    switched = {
        how: [trace_scores(settings, s * 7919 + k, how, normal=100, after=50) for s in seeds]
        for k, how in enumerate(SWITCHES)
    }
    result = report(normal, switched)
    print(
        f"drift, {len(seeds)} normal traces x 400 actions: false alarms on "
        f"{result.false_alarm_traces} traces ({result.false_alarm_rate:.1%}), "
        f"{result.false_alarm_actions}/{result.normal_actions} actions "
        f"({result.false_alarm_actions / result.normal_actions:.3%})"
    )
    for how, (hit, total) in result.switches.items():
        print(f"  switch {how:<10}: detected within 50 actions {hit}/{total} ({hit / total:.0%})")
    print(
        f"  all switches: {result.detection_rate:.1%}; median delay "
        f"{statistics.median(result.delays):.0f} actions"
    )
    # How much evidence a rewire gives: detection by the size of the change of habit.
    for low, high in ((0.0, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 99.0)):
        group = [t for t in switched["rewire"] if low <= t.change_bits < high]
        part = report([], {"rewire": group})
        hit, total = part.switches["rewire"]
        print(f"  rewire changing {low:.1f}-{high:.1f} bits/step: {hit}/{total} detected")


if __name__ == "__main__":
    speed()
    drift()
