"""The one error tree of immuno.

    ImmunoError                    every error immuno raises on purpose
    ├── ConfigError                a configuration or data file is wrong (names file, key)
    ├── InputError                 a signal or request is malformed (names the field)
    ├── StoreError                 persistence failed or the store is newer than the code
    │   └── NoStore                a store that must already exist does not (yet)
    ├── LayerError                 a layer failed internally (the pipeline turns it into block)
    └── Refused                    a guarded action must not run; carries the Verdict
        ├── Blocked                the verdict is block or quarantine
        └── HeldForApproval        the verdict is hold: it waits for an operator

Every error says what was wrong and where. The CLI catches only ``ImmunoError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from immuno.core.verdict import Verdict


class ImmunoError(Exception):
    """Base of every error immuno raises on purpose."""


class ConfigError(ImmunoError):
    """A configuration or data file is invalid.

    ``where`` names the file and key (for example ``immuno.yaml: detect.threshold``).
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class InputError(ImmunoError):
    """A signal or request is malformed; ``field`` names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class StoreError(ImmunoError):
    """The store could not be opened, migrated, read or written."""


class NoStore(StoreError):
    """A store opened only to read does not exist: nothing has been recorded there.
    ``where`` is the path or (redacted) URL that was looked at."""

    def __init__(self, where: str, problem: str = "nothing has been recorded here") -> None:
        self.where = where
        super().__init__(f"no store yet at {where}: {problem}")


class LayerError(ImmunoError):
    """A layer failed internally."""


class Refused(ImmunoError):
    """A guarded action must not run. ``verdict`` explains why."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(verdict.explain())


class Blocked(Refused):
    """The verdict is ``block`` or ``quarantine``: the action must not run."""


class Excised(Blocked):
    """The verdict is ``excise``: the original must not reach the model, but
    ``sanitized`` (the rest, with the injected sentences cut out and marked) may.
    Code that treats it as any other block stays safe."""

    @property
    def sanitized(self) -> str:
        return self.verdict.sanitized or ""


class HeldForApproval(Refused):
    """The verdict is ``hold``: the action waits for an operator's approval."""
