"""OpenTelemetry traces of the gateway: optional (``pip install 'immuno[otel]'``).

With ``gateway.tracing: true`` every request is a server span, joined to the caller's
trace when it sends a W3C ``traceparent`` header, and every signal the pipeline checks
is a child span that carries its verdict: action, finding codes, the audit log's
sequence number. Spans hold kinds, agents, codes and numbers, never a signal's content.

Spans go to the process's tracer provider when one is set (an application that
configured OpenTelemetry itself); otherwise to one of the gateway's own, which exports
by OTLP over HTTP where the standard variables say (``OTEL_EXPORTER_OTLP_ENDPOINT``,
default ``http://localhost:4318``; ``OTEL_SERVICE_NAME``, default ``immuno``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from immuno.core.errors import ConfigError
from immuno.core.signal import Signal
from immuno.core.verdict import Verdict

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

EXTRA = "pip install 'immuno[otel]'"


class Tracing:
    """Spans of requests and checks, or nothing at all (``Tracing.off()``)."""

    def __init__(self, tracer: Tracer | None, shutdown: contextlib.ExitStack | None = None):
        self.tracer = tracer
        self._shutdown = shutdown or contextlib.ExitStack()

    @classmethod
    def off(cls) -> Tracing:
        return cls(None)

    @staticmethod
    def require() -> None:
        """A ConfigError naming the extra to install when OpenTelemetry is missing."""
        try:
            import opentelemetry.exporter.otlp.proto.http.trace_exporter
            import opentelemetry.sdk.trace  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                "gateway.tracing", f"needs OpenTelemetry ({exc.name} is missing): {EXTRA}"
            ) from None

    @classmethod
    def configured(cls, enabled: bool) -> Tracing:
        """Off, or spans exported as the module docstring says (see :meth:`require`)."""
        if not enabled:
            return cls.off()
        cls.require()
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        current = trace.get_tracer_provider()
        if not isinstance(current, trace.ProxyTracerProvider):  # the application set one
            return cls(current.get_tracer("immuno.gateway"))
        name = os.environ.get("OTEL_SERVICE_NAME") or "immuno"
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        stack = contextlib.ExitStack()
        stack.callback(provider.shutdown)  # exports what is still batched
        return cls(provider.get_tracer("immuno.gateway"), stack)

    @contextlib.contextmanager
    def request(self, name: str, method: str, headers: Mapping[str, str]) -> Iterator[Span | None]:
        """A server span for one request to the route ``name`` ("POST /v1/check"), in
        the trace its ``traceparent`` names."""
        if self.tracer is None:
            yield None
            return
        from opentelemetry.propagate import extract
        from opentelemetry.trace import SpanKind

        route = name.partition(" ")[2] or name
        with (
            self.tracer.start_as_current_span(
                name,
                context=extract(dict(headers)),
                kind=SpanKind.SERVER,
                attributes={"http.request.method": method, "http.route": route},
                record_exception=False,  # an error's message can quote content
                set_status_on_exception=False,
            ) as span,
            _failing(span),
        ):
            yield span

    @contextlib.contextmanager
    def check(self, signal: Signal) -> Iterator[Span | None]:
        """A span for one pipeline check, inside the current request's."""
        if self.tracer is None:
            yield None
            return
        attributes = {"immuno.signal.kind": signal.kind.value, "immuno.agent": signal.agent}
        with (
            self.tracer.start_as_current_span(
                "immuno.check",
                attributes=attributes,
                record_exception=False,
                set_status_on_exception=False,
            ) as span,
            _failing(span),
        ):
            yield span

    @staticmethod
    def verdict(span: Span | None, verdict: Verdict) -> None:
        if span is None:
            return
        span.set_attribute("immuno.action", verdict.action.value)
        span.set_attribute("immuno.codes", sorted({f.code for f in verdict.findings}))
        span.set_attribute("immuno.latency_us", verdict.latency_us)
        if verdict.seq is not None:
            span.set_attribute("immuno.audit.seq", verdict.seq)

    @staticmethod
    def status(span: Span | None, status: int) -> None:
        if span is None:
            return
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR))

    def close(self) -> None:
        self._shutdown.close()


@contextlib.contextmanager
def _failing(span: Span) -> Iterator[None]:
    """An error inside marks the span failed by the error's type alone (its message
    and stack can quote what a signal said)."""
    try:
        yield
    except Exception as exc:
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
