"""The demo: a simulated agent network attacked with and without immuno."""

from immuno.demo.attacks import ATTACKS, Attack, Outcome
from immuno.demo.report import NOT_DEFENDED, Row, run_all, run_attack
from immuno.demo.world import Network, World

__all__ = [
    "ATTACKS",
    "NOT_DEFENDED",
    "Attack",
    "Network",
    "Outcome",
    "Row",
    "World",
    "run_all",
    "run_attack",
]
