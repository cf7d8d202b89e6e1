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

from immuno.identity import MemoryReplayCache, Registry, Signer, StoreReplayCache
from immuno.identity.drift import DriftSettings
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
        bare = measure(
            "bare Ed25519 verify (cryptography)", lambda i: public.verify(signature, message)
        )
        measure("bare Ed25519 sign (cryptography)", lambda i: key.sign(message))
        measure("seal (sign) envelope", lambda i: signer.seal("receiver", BODY, now=now))
        memory = EnvelopeVerifier(registry, MemoryReplayCache())
        mem = measure(
            "verify_envelope, memory replay cache",
            lambda i: memory.verify(envelopes[i], recipient="receiver", now=now),
        )
        durable = EnvelopeVerifier(registry, StoreReplayCache(store))
        envelopes = [signer.seal("receiver", BODY, now=now) for _ in range(N)]
        sto = measure(
            "verify_envelope, store replay cache (SQLite)",
            lambda i: durable.verify(envelopes[i], recipient="receiver", now=now),
        )
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
        print(f"ratio verify (memory cache) / bare verify:       {mem / bare:.2f}x")
        print(f"ratio (verify - replay check) / bare, memory:    {(mem - mreplay) / bare:.2f}x")
        print(f"ratio (verify - replay check) / bare, store:     {(sto - replay) / bare:.2f}x")
        store.close()


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
