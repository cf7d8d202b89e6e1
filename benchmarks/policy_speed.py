"""µs per policy decision: a manifest of 50 tools, a trace of 100 prior reads.

Measures the policy layer's ``inspect`` on its own (the decision), and a whole
``Immune.check`` of the same tool call with the policy layer only, against a
reference measured in the same run: the pipeline with a layer that does nothing.
Also the cost of filing a 2 KB and a 16 KB untrusted read in its session: stored as
it came, to be judged (sentence by sentence; an HTML one first split into visible and
hidden parts, a JSON one read into its values; its words and values indexed) when a
decision first asks about it. Every filing gets a text it has not seen before:
invoice lines, a mail with a request in every line, an HTML table, JSON mails, and
the realistic tool outputs of ``_tooloutput.py``. Then the same filing followed by a
call with a ``from: clean`` argument in its session, which pays the judgement: the
cost a read that is asked about carries in all; and that first call alone, after 1
and after 20 new reads. Last, the cost of finding the values
in a read and their canonical keys (``canonical.index_keys``).

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

from _tooloutput import KINDS, _record
from immuno import Config, Finding, Immune, Signal
from immuno.core.config import PolicyConfig, StoreConfig
from immuno.policy import build_layer
from immuno.policy.canonical import index_keys
from immuno.policy.cues import normalize

RUNS = 20_000
FILINGS = {2048: 2_000, 16_384: 400}  # timed runs, each on a new text
WARMUP = 200
MONTHS = ["January", "March", "June", "September", "November"]
FIRST = ["Lena", "Sara", "Tomas", "Aiko", "Ravi", "Marta"]
DAYS = ["Monday", "Tuesday", "Thursday", "Friday"]
ROOMS = ["Orion", "Quay", "Cedar", "Atlas", "Harbour"]
GOOD = "GB29NWBK60161331926819"


def manifest_text(tools: int = 50) -> str:
    lines = ["version: 1", "roles:", "  worker:", "    tools:"]
    plain = tools - 2
    lines += [f"      - tool.{i}" for i in range(plain)]
    lines += ["      - bank.transfer", "      - mail.send"]
    lines += ["agents:", "  assistant:", "    roles: [worker]", "tools:"]
    for i in range(plain):
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
        "  mail.send:",
        "    sink: mail",
        "    rate: {calls: 1000000, per: 60}",
        "    args:",
        "      to: {type: string, from: clean}",
        "      body: {type: string, max_length: 5000}",
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


# Tool results, each made anew from a seeded generator: a filing never meets a text
# (or a number in its context) it has seen before, as in an agent's real traffic.
Sized = Callable[[random.Random, int], str]  # a tool result of about ``size`` characters


def _bill(rng: random.Random) -> str:
    return (
        f"Invoice {rng.randint(1000, 9999)} for the {rng.choice(MONTHS)} cleaning, "
        f"{rng.randint(20, 900)}.{rng.randint(0, 99):02d} EUR, due "
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}. "
    )


def _polite(rng: random.Random) -> str:
    return (
        f"Hi {rng.choice(FIRST)}, the review is on {rng.choice(DAYS)} at "
        f"{rng.randint(8, 18)}:{rng.choice(['00', '15', '30', '45'])} in Room "
        f"{rng.choice(ROOMS)}. Could you bring the slides? Our new office is at "
        f"{rng.randint(1, 200)} {rng.choice(ROOMS)} Street.\n"
    )


def _row(rng: random.Random) -> str:
    order = rng.randint(1000, 9999)
    return (
        f'<tr><td style="padding:4px">Order HL-{order} shipped, {rng.randint(1, 9)} items, '
        f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d} EUR.</td>"
        f'<td><a href="https://shop.example/o/{order}">Track it</a></td></tr><!-- row -->\n'
    )


def _row_page(rng: random.Random) -> str:
    """A page: a hidden line, then a table of rows (as many as the size holds)."""
    return '<div style="display:none">Your parcel is on its way</div><table>\n' + "".join(
        _row(rng) for _ in range(200)
    )


def _mail(rng: random.Random) -> dict[str, str]:
    return {
        "id": f"m-{rng.randint(10**5, 10**6)}",
        "from": f"{rng.choice(FIRST).lower()}@alderfinch.example",
        "subject": f"Review on {rng.choice(DAYS)}",
        "body": f"Hi Lena,\nthe review is on {rng.choice(DAYS)} at "
        f"{rng.randint(8, 18)}:00 in Room {rng.choice(ROOMS)}.\nBest, Sara",
    }


def _order(rng: random.Random) -> dict[str, object]:
    return _record(rng, rng.randrange(1000))


def _whole_json(item: Callable[[random.Random], object]) -> Sized:
    """A JSON list of items, whole (a tool returns a document, not one cut short), as
    many as fit in ``size``."""

    def make(rng: random.Random, size: int) -> str:
        items: list[object] = []
        text = "[]"
        while True:
            items.append(item(rng))
            longer = json.dumps(items, ensure_ascii=False)
            if len(longer) > size and len(items) > 1:
                return text
            text = longer

    return make


def _realistic(kind: str) -> Sized:
    """``_tooloutput.py``'s generator of ``kind``, cut to ``size`` as it does."""
    return lambda rng, size: KINDS[kind](size, rng.randrange(10**9))


def _repeated(piece: Callable[[random.Random], str]) -> Sized:
    """Pieces made one after the other up to ``size``, the last one cut."""

    def make(rng: random.Random, size: int) -> str:
        text = ""
        while len(text) < size:
            text += piece(rng)
        return text[:size]

    return make


class Nothing:
    name = "nothing"

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        return []


def measure(
    fn: Callable[[], object], runs: int = RUNS, warmup: int = 1000
) -> tuple[float, float, float]:
    """Median, p99 and best of ``runs`` calls, in µs (the best is the steadiest figure
    on a machine other jobs share)."""
    for _ in range(warmup):
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

    def filing(make: Sized, size: int = 2048, decide: bool = False) -> Callable[[], object]:
        # a new text each run (a tool result is rarely filed twice, and a repeated one
        # would find its numbers' values cached), and a fresh session per run, so the
        # session's read limit never comes into it. With ``decide``, a ``from: clean``
        # call follows in the session: it judges the read (filed as it came).
        rng = random.Random(size)
        texts = [make(rng, size) for _ in range(FILINGS[size] + WARMUP)]
        runs = iter(range(10**9))

        def run() -> object:
            i = next(runs)
            trace = f"read-{i}-{decide}"
            verdict = immune.check(
                Signal(
                    kind="tool_result",
                    agent="assistant",
                    tool="web.fetch",
                    content=texts[i % len(texts)],
                    trace=trace,
                )
            )
            if decide:
                verdict = immune.check(
                    Signal(
                        kind="tool_call",
                        agent="assistant",
                        tool="mail.send",
                        args={"to": "lena@alderfinch.example", "body": "See you then."},
                        trace=trace,
                    )
                )
            return verdict

        return run

    def first_call(count: int, runs: int) -> tuple[float, float, float]:
        """The first ``from: clean`` call in a session after ``count`` new 2 KB reads
        (e-mail threads): it judges them all. Only the call is timed."""
        rng = random.Random(count)
        make = _realistic("e-mail")
        samples = []
        for i in range(runs + 20):
            trace = f"first-{count}-{i}"
            for _ in range(count):
                read = make(rng, 2048)
                immune.check(
                    Signal(
                        kind="tool_result",
                        agent="assistant",
                        tool="web.fetch",
                        content=read,
                        trace=trace,
                    )
                )
            call = Signal(
                kind="tool_call",
                agent="assistant",
                tool="mail.send",
                args={"to": "lena@alderfinch.example", "body": "See you then."},
                trace=trace,
            )
            start = time.perf_counter_ns()
            immune.check(call)
            samples.append(time.perf_counter_ns() - start)
        samples = sorted(samples[20:])
        p99 = samples[int(len(samples) * 0.99)]
        return statistics.median(samples) / 1000, p99 / 1000, samples[0] / 1000

    def values_of(text: str) -> Callable[[], object]:
        norm = normalize(text[:2048])
        return lambda: index_keys(norm)

    rows = [
        ("decision: sink call, value in trusted reads", lambda: layer.inspect(allowed, ())),
        ("decision: sink call, value refused", lambda: layer.inspect(refused, ())),
        ("decision: plain tool, 3 constrained args", lambda: layer.inspect(plain, ())),
        ("Immune.check, policy layer only", lambda: immune.check(allowed)),
        ("Immune.check, a do-nothing layer (reference)", lambda: reference.check(allowed)),
        ("file a 2 KB read: invoice lines, no cue", filing(_repeated(_bill))),
        ("file a 2 KB read: a mail with cues in every line", filing(_repeated(_polite))),
        ("file a 2 KB HTML read (hidden parts split off)", filing(_repeated(_row_page))),
        ("file a 2 KB JSON read (judged by its values)", filing(_whole_json(_mail))),
        ("file a 2 KB JSON read: records", filing(_whole_json(_order))),
        *[(f"file a 2 KB read: {kind}", filing(_realistic(kind))) for kind in KINDS],
        ("file a 16 KB read: invoice lines, no cue", filing(_repeated(_bill), 16_384)),
        ("file a 16 KB read: a mail with cues in every line", filing(_repeated(_polite), 16_384)),
        ("file a 16 KB HTML read", filing(_repeated(_row_page), 16_384)),
        ("file a 16 KB JSON read: records", filing(_whole_json(_order), 16_384)),
        *[(f"file a 16 KB read: {kind}", filing(_realistic(kind), 16_384)) for kind in KINDS],
        *[
            (
                f"file a 2 KB read: {kind}, then a from: clean call",
                filing(_realistic(kind), 2048, True),
            )
            for kind in KINDS
        ],
        (
            "file a 2 KB read: invoice lines, then a from: clean call",
            filing(_repeated(_bill), 2048, True),
        ),
        (
            "values in a 2 KB read: invoice lines",
            values_of(_repeated(_bill)(random.Random(1), 2048)),
        ),
        (
            "values in a 2 KB read: a polite mail",
            values_of(_repeated(_polite)(random.Random(1), 2048)),
        ),
        ("values in a 2 KB read: HTML", values_of(_repeated(_row_page)(random.Random(1), 2048))),
        ("values in a 2 KB read: prose, no digit", values_of("The plan is fine. " * 120)),
    ]
    print(f"policy decision, 50-tool manifest, trace of 100 prior reads, {RUNS} runs each")
    results = {}
    for label, fn in rows:
        if label.startswith("file"):
            runs = FILINGS[16_384 if "16 KB" in label else 2048]
            median, p99, best = measure(fn, runs, WARMUP)
        else:
            median, p99, best = measure(fn, RUNS if label[0] in "dI" else 2_000)
        results[label] = median
        print(f"  {label:52s} median {median:7.2f} µs   p99 {p99:7.2f} µs   best {best:7.2f} µs")
    for count, runs in ((1, 400), (20, 100)):
        median, p99, best = first_call(count, runs)
        label = f"first from: clean call after {count} new 2 KB read(s)"
        print(f"  {label:52s} median {median:7.2f} µs   p99 {p99:7.2f} µs   best {best:7.2f} µs")
    ref = results["Immune.check, a do-nothing layer (reference)"]
    whole = results["Immune.check, policy layer only"]
    print(f"  policy adds {whole - ref:.2f} µs to a check ({whole / ref:.2f}x the reference)")


if __name__ == "__main__":
    main()
