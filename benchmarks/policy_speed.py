"""µs per policy decision: a manifest of 50 tools, a trace of 100 prior reads.

Measures the policy layer's ``inspect`` on its own (the decision), and a whole
``Immune.check`` of the same tool call with the policy layer only, against a
reference measured in the same run: the pipeline with a layer that does nothing.
Also the cost of filing a 2 KB untrusted read (judged sentence by sentence; an HTML
one first split into visible and hidden parts, a JSON one read into its values),
which is paid when the read arrives, not at the decision, and within it the cost of
finding the values in the read and their canonical keys (``canonical.index_keys``).

    .venv/bin/python benchmarks/policy_speed.py
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from immuno import Config, Finding, Immune, Signal
from immuno.core.config import PolicyConfig, StoreConfig
from immuno.policy import build_layer
from immuno.policy.canonical import index_keys
from immuno.policy.cues import normalize

RUNS = 20_000
GOOD = "GB29NWBK60161331926819"


def manifest_text(tools: int = 50) -> str:
    lines = ["version: 1", "roles:", "  worker:", "    tools:"]
    lines += [f"      - tool.{i}" for i in range(tools - 1)] + ["      - bank.transfer"]
    lines += ["agents:", "  assistant:", "    roles: [worker]", "tools:"]
    for i in range(tools - 1):
        lines += [
            f"  tool.{i}:",
            "    rate: {calls: 1000000, per: 60}",
            "    args:",
            "      query: {type: string, max_length: 500}",
            "      limit: {type: integer, min: 1, max: 100, required: false}",
            "      mode: {type: string, enum: [fast, full, raw]}",
        ]
    lines += [
        "  bank.transfer:",
        "    sink: money",
        "    rate: {calls: 1000000, per: 60}",
        "    args:",
        '      recipient: {type: string, pattern: "[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", '
        "from: trusted}",
        "      amount: {type: number, min: 0.01, max: 5000}",
        "      subject: {type: string, max_length: 140}",
    ]
    return "\n".join(lines) + "\n"


def reads(immune: Immune, count: int = 100) -> None:
    rng = random.Random(7)
    vocabulary = "invoice meeting report budget launch quarter supplier account review"
    words = vocabulary.split()
    for i in range(count):
        text = " ".join(rng.choice(words) for _ in range(60)) + f" ref-{i}"
        trusted = i % 10 == 0
        if i == 50:
            text += f" pay the landlord at {GOOD}"
        immune.check(
            Signal(
                kind="message" if trusted else "tool_result",
                agent="assistant",
                tool=None if trusted else "web.fetch",
                content=text,
                provenance="trusted" if trusted else "untrusted",
                trace="bench",
            )
        )


class Nothing:
    name = "nothing"

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        return []


def measure(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float, float]:
    """Median, p99 and best of ``runs`` calls, in µs (the best is the steadiest figure
    on a machine other jobs share)."""
    for _ in range(1000):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        start = clock()
        fn()
        samples.append(clock() - start)
    samples.sort()
    p99 = samples[int(len(samples) * 0.99)]
    return statistics.median(samples) / 1000, p99 / 1000, samples[0] / 1000


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "manifest.yaml"
    path.write_text(manifest_text(), encoding="utf-8")
    config = Config(
        store=StoreConfig(path=str(folder / "b.db")),
        policy=PolicyConfig(manifests=[str(path)]),
    )
    base = Immune(config)  # builds the registered layers; we take the policy one
    layer = build_layer(base)
    assert layer is not None
    immune = Immune(config, layers=[layer])
    reference = Immune(config, layers=[Nothing()])
    reads(immune)
    allowed = Signal(
        kind="tool_call",
        agent="assistant",
        tool="bank.transfer",
        args={"recipient": GOOD, "amount": 1200, "subject": "Rent"},
        trace="bench",
        at=1.0,
    )
    refused = Signal(
        kind="tool_call",
        agent="assistant",
        tool="bank.transfer",
        args={"recipient": "XK051212012345678906", "amount": 1200, "subject": "Rent"},
        trace="bench",
        at=1.0,
    )
    plain = Signal(
        kind="tool_call",
        agent="assistant",
        tool="tool.17",
        args={"query": "quarterly report", "limit": 10, "mode": "fast"},
        trace="bench",
        at=1.0,
    )
    assert not layer.inspect(allowed, ()), "the trusted recipient must be allowed"
    assert layer.inspect(refused, ()), "the unseen recipient must be refused"
    bill = "Invoice 2231 for the November cleaning, 120.00 EUR, due 2026-12-01. " * 30
    polite = (
        "Hi Lena, the review is on Friday at 15:00 in Room Orion. Could you bring the "
        "slides? Our new office is at 21 Quay Street.\n"
    ) * 16

    page = (
        '<div style="display:none">Your parcel is on its way</div><table>\n'
        + (
            '<tr><td style="padding:4px">Order HL-2045 shipped, 2 items, 64.20 EUR.</td>'
            '<td><a href="https://shop.example/o/2045">Track it</a></td></tr><!-- row -->\n'
        )
        * 20
    )

    mails = json.dumps(
        [
            {
                "id": f"m-{i}",
                "from": "sara@alderfinch.example",
                "subject": "Review on Friday",
                "body": "Hi Lena,\nthe review is on Friday at 15:00 in Room Orion.\nBest, Sara",
            }
            for i in range(20)
        ]
    )[:2048]

    def filing(text: str, size: int = 2048) -> Callable[[], object]:
        # a fresh session per run, so the session's read limit never comes into it
        sessions = iter(range(10**9))
        content = (text * (1 + size // len(text)))[:size]
        return lambda: immune.check(
            Signal(
                kind="tool_result",
                agent="assistant",
                tool="web.fetch",
                content=content,
                trace=f"read-{next(sessions)}",
            )
        )

    def values_of(text: str) -> Callable[[], object]:
        norm = normalize(text[:2048])
        return lambda: index_keys(norm)

    rows = [
        ("decision: sink call, value in trusted reads", lambda: layer.inspect(allowed, ())),
        ("decision: sink call, value refused", lambda: layer.inspect(refused, ())),
        ("decision: plain tool, 3 constrained args", lambda: layer.inspect(plain, ())),
        ("Immune.check, policy layer only", lambda: immune.check(allowed)),
        ("Immune.check, a do-nothing layer (reference)", lambda: reference.check(allowed)),
        ("file a 2 KB read, no cue (policy only)", filing(bill)),
        ("file a 2 KB read, cues in every line", filing(polite)),
        ("file a 2 KB HTML read (hidden parts split off)", filing(page)),
        ("file a 2 KB JSON read (judged by its values)", filing(mails)),
        ("file a 16 KB read, no cue (policy only)", filing(bill, 16_384)),
        ("file a 16 KB read, cues in every line", filing(polite, 16_384)),
        ("file a 16 KB HTML read", filing(page, 16_384)),
        ("values in a 2 KB read: invoice lines (90 values)", values_of(bill)),
        ("values in a 2 KB read: a polite mail (16 values)", values_of(polite)),
        ("values in a 2 KB read: HTML (39 values)", values_of(page)),
        ("values in a 2 KB read: prose, no digit", values_of("The plan is fine. " * 120)),
    ]
    print(f"policy decision, 50-tool manifest, trace of 100 prior reads, {RUNS} runs each")
    results = {}
    for label, fn in rows:
        median, p99, best = measure(fn, RUNS if label.startswith(("decision", "Immune")) else 2_000)
        results[label] = median
        print(f"  {label:48s} median {median:7.2f} µs   p99 {p99:7.2f} µs   best {best:7.2f} µs")
    ref = results["Immune.check, a do-nothing layer (reference)"]
    whole = results["Immune.check, policy layer only"]
    print(f"  policy adds {whole - ref:.2f} µs to a check ({whole / ref:.2f}x the reference)")


if __name__ == "__main__":
    main()
