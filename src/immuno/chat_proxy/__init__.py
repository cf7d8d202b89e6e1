"""``immuno proxy``: an OpenAI-compatible chat-completions proxy that checks what
crosses it. Point an agent's base URL at it; ``build_proxy_app(immune, settings)``
for an app of your own. Install with ``pip install 'immuno[proxy]'``.
"""

from immuno.chat_proxy.app import ChatProxy, ProxySettings, build_proxy_app

__all__ = ["ChatProxy", "ProxySettings", "build_proxy_app"]
