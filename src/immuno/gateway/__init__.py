"""``immuno serve``: the HTTP gateway (Starlette + uvicorn) over one ``Immune``.

Install with ``pip install 'immuno[serve]'``. ``build_app(immune)`` for an app of
your own; ``immuno serve`` to run it.
"""

from immuno.gateway.app import build_app, create_app

__all__ = ["build_app", "create_app"]
