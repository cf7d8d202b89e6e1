"""A process that checks signals until it is killed: the kill -9 test's victim.

Two threads run ``Immune.check`` in a loop (so some commits hold several entries) and
print ``SEQ SIGNAL_ID`` for each verdict, flushed, only after ``check`` has returned.
A line on stdout is therefore a promise the log must keep, whenever the kill lands.

Usage: python sealer.py STORE ROUND
"""

from __future__ import annotations

import sys
import threading

from immuno import Config, Immune
from immuno.core.config import DetectConfig, StoreConfig
from immuno.core.signal import Signal, SignalKind

THREADS = 2


def main(store: str, round_no: int) -> None:
    config = Config(store=StoreConfig(path=store), detect=DetectConfig(classifier=False))
    immune = Immune(config)
    out = sys.stdout
    printing = threading.Lock()

    def work(thread: int) -> None:
        i = 0
        while True:  # until SIGKILL
            signal = Signal(
                kind=SignalKind.TOOL_RESULT,
                agent="reader",
                tool="web.fetch",
                content=f"Forecast {i}: sunny, 21 C, light wind from the west.",
                id=f"r{round_no}-t{thread}-{i}",
            )
            verdict = immune.check(signal)
            seq = "-" if verdict.seq is None else str(verdict.seq)
            with printing:
                out.write(f"{seq} {signal.id}\n")
                out.flush()
            i += 1

    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
