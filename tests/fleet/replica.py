"""A second replica for the fleet tests: its own process, store and Redis shared.

It judges an agent's harmless output (``mallory``'s unless AGENT is given) every few
milliseconds on a clock frozen at its start (so it never polls the store: only a Redis
event can change its mind) and prints the wall-clock time at which its verdict changes:
first to stopped, then, after an operator's release or lift elsewhere, back to allowed.

Usage: python replica.py STORE LOCATION REDIS_URL [AGENT]
(LOCATION: the store to open, STORE's SQLite file or a PostgreSQL URL)
"""

from __future__ import annotations

import sys
import time

from immuno import Config, Immune
from immuno.core.config import StoreConfig
from immuno.core.signal import Signal, SignalKind

FROZEN = time.time()  # now, and never later: this replica never polls the store
DEADLINE = 30.0  # seconds; the test is over long before


def judged(immune: Immune, agent: str) -> bool:
    signal = Signal(kind=SignalKind.OUTPUT, agent=agent, content="The weather is mild today.")
    return immune.check(signal).action.stops


def main(store: str, location: str, redis_url: str, agent: str = "mallory") -> None:
    where = StoreConfig(path=store, url=None if location == store else location, redis=redis_url)
    immune = Immune(Config(store=where), clock=lambda: FROZEN)
    assert not judged(immune, agent)  # opens the engine, which subscribes
    assert immune.layer("response").wait_listening(10.0)
    print("ready", flush=True)
    started = time.monotonic()
    for wanted in (True, False):
        while judged(immune, agent) != wanted:
            if time.monotonic() - started > DEADLINE:
                print("timeout", flush=True)
                return
            time.sleep(0.002)
        print(f"{'stopped' if wanted else 'allowed'} {time.time():.6f}", flush=True)
    immune.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
