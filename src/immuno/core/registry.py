"""Where layer packages announce themselves, so ``core`` never imports a layer.

A component is built from the pipeline by its factory and may be a Layer (it has
``inspect``), an Observer (``observe``), a Sealer (``seal``), or several at once.
``order`` places it in the flow: identity 100, policy 200, detect 300, response 900.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from immuno.core.pipeline import Immune

Factory = Callable[["Immune"], Any]


@dataclass(frozen=True)
class Registration:
    name: str
    order: int
    factory: Factory


_REGISTRY: dict[str, Registration] = {}


def register_component(name: str, order: int, factory: Factory) -> None:
    """Announce a component. Its factory returns the component, or None when disabled."""
    _REGISTRY[name] = Registration(name, order, factory)


def registered() -> list[Registration]:
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.name))
