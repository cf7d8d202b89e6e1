"""The last red-team scorecard: a JSON file the dashboard shows when it is present.

Where: ``$IMMUNO_SCORECARD`` if set, else ``redteam/scorecard.json`` beside the
store (``store.path``'s folder, ``.immuno/`` by default). The shape (version 1)::

    {
      "version": 1,
      "generated_at": "2026-12-07T01:00:00Z",
      "target": "immuno 0.1.0, default config",
      "attacks": 120,
      "stopped": 110,
      "families": [{"name": "tool injection", "attacks": 40, "stopped": 39}],
      "notes": "free text"
    }

``stopped`` may not exceed ``attacks`` (overall and per family); ``families`` and
``notes`` are optional. Unknown keys are refused, so a typo is an error, not a
silently missing figure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import msgspec

ENV = "IMMUNO_SCORECARD"
MAX_BYTES = 1_000_000
Count = Annotated[int, msgspec.Meta(ge=0)]


class Family(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    attacks: Count
    stopped: Count


class Scorecard(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: int
    generated_at: str
    attacks: Count
    stopped: Count
    target: str = ""
    families: list[Family] = msgspec.field(default_factory=list)
    notes: str = ""

    @property
    def rate(self) -> float:
        return self.stopped / self.attacks if self.attacks else 0.0


def location(store_folder: Path) -> Path:
    configured = os.environ.get(ENV)
    return Path(configured) if configured else store_folder / "redteam" / "scorecard.json"


def load(path: Path) -> Scorecard | None:
    """The scorecard, None when there is no file, or ValueError naming what is wrong."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror})") from None
    if size > MAX_BYTES:
        raise ValueError(f"{path}: {size} bytes, more than the {MAX_BYTES} a scorecard may have")
    try:
        card = msgspec.json.decode(path.read_bytes(), type=Scorecard)
    except (OSError, msgspec.DecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if card.version != 1:
        raise ValueError(f"{path}: version must be 1, got {card.version}")
    if card.stopped > card.attacks:
        raise ValueError(f"{path}: stopped ({card.stopped}) exceeds attacks ({card.attacks})")
    for i, family in enumerate(card.families):
        if family.stopped > family.attacks:
            raise ValueError(f"{path}: families[{i}].stopped exceeds its attacks")
    return card
