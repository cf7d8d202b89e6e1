"""Pipeline overhead, and normalise + signature cost per text at 256 B, 2 KB and 16 KB.

Run: .venv/bin/python benchmarks/pipeline_speed.py
Reports medians and p99 in µs, beside a bare google-re2 Set scan over the same
patterns measured in the same run (the floor any signature engine is held to).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import re2

sys.path.insert(0, str(Path(__file__).parent))
from _timing import measure, prose, row
from immuno import Channel, Config, Finding, Immune, Signal, SignalKind
from immuno.core.config import StoreConfig
from immuno.detect import DetectLayer, SignatureSet, load_pack, normalize


class Nothing:
    name = "nothing"

    def inspect(self, signal: Signal, earlier: Sequence[Finding]) -> list[Finding]:
        return []


def main() -> None:
    config = Config(store=StoreConfig(path=":memory:"))
    signatures = SignatureSet.from_sources(["builtin"])
    options = re2.Options()
    options.case_sensitive = False
    bare = re2.Set.SearchSet(options)
    for sig in load_pack("core").signatures:
        bare.Add(sig.pattern)
    bare.Compile()

    empty = Immune(config, layers=[Nothing()])
    detect = Immune(config, layers=[DetectLayer(signatures)])
    signal = Signal(kind=SignalKind.TOOL_RESULT, agent="a", content=prose(2048), at=1.0)
    print(f"signature patterns: {len(signatures.signatures)}")
    print(
        row(
            "pipeline overhead (one no-op layer), 2 KB",
            *measure(lambda: empty.check(signal), repeat=20_000),
        )
    )

    for size in (256, 2048, 16384):
        repeat = 20_000 if size <= 2048 else 4_000
        for kind in ("ASCII", "accented", "zero-width"):
            text = prose(size, non_ascii=kind != "ASCII", hidden=kind == "zero-width")
            bare_m, bare_p = measure(lambda t=text: bare.Match(t), repeat=repeat)
            print(row(f"{size:>5} B {kind:<10} bare re2 Set scan", bare_m, bare_p))
            m, p = measure(
                lambda t=text: signatures.match(normalize(t).text, Channel.TOOL), repeat=repeat
            )
            print(
                row(
                    f"{size:>5} B {kind:<10} normalise + signatures",
                    m,
                    p,
                    f"({m / bare_m:.2f}x bare)",
                )
            )
            sig = Signal(kind=SignalKind.TOOL_RESULT, agent="a", content=text, at=1.0)
            print(
                row(
                    f"{size:>5} B {kind:<10} full check (detect layer)",
                    *measure(lambda s=sig: detect.check(s), repeat=repeat),
                )
            )


def full_pipeline() -> None:
    """Every default layer (identity, policy, detect, memory, response, audit sealing),
    on a real SQLite file: the hot-path budget is for this, without the classifier.
    Beside the English prose of ``_timing.prose`` (one text again and again: words and
    nothing else), the realistic tool outputs of ``_tooloutput.py`` (JSON records, an
    e-mail thread, markdown), each check a text the pipeline has not seen before."""
    import random
    import tempfile

    import msgspec

    from _tooloutput import KINDS

    for classifier in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            config = Config(store=StoreConfig(path=f"{folder}/immuno.db"))
            config = msgspec.structs.replace(
                config, detect=msgspec.structs.replace(config.detect, classifier=classifier)
            )
            immune = Immune(config)
            label = "with classifier" if classifier else "all layers but classifier"
            runs = 3_000 if not classifier else 1_500
            rng = random.Random(5)
            texts = {"English prose, one text": [prose(2048)]}
            for kind, make in KINDS.items():
                texts[kind] = [make(2048, rng.randrange(10**9)) for _ in range(runs + 200)]
            for kind, pool in texts.items():
                turn = iter(range(10**9))

                def check(
                    immune: Immune = immune, pool: list[str] = pool, turn: Iterator[int] = turn
                ) -> None:
                    immune.check(
                        Signal(
                            kind=SignalKind.TOOL_RESULT,
                            agent="researcher",
                            tool="web.fetch",
                            content=pool[next(turn) % len(pool)],
                            trace="bench",
                        )
                    )

                name = f"full default pipeline, 2 KB {kind}, {label}"
                print(row(name, *measure(check, repeat=runs, warmup=200)))
            immune.close()


if __name__ == "__main__":
    main()
    full_pipeline()
