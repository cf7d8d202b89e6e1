"""Prometheus metrics of one worker (each app has its own registry).

With several workers a scrape reaches one of them; sum over the ``instance`` you
scrape them as, or run one worker per port.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from immuno.core.pipeline import Immune
from immuno.core.verdict import Verdict

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_CHECK_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0)


class _Autoimmunity(Collector):
    """Per layer, read at scrape time: signals stopped, confirmed false positives."""

    def __init__(self, immune: Immune) -> None:
        self.immune = immune

    def collect(self) -> Iterator[Metric]:
        stopped = GaugeMetricFamily(
            "immuno_autoimmunity_stopped", "Signals a layer stopped or held", labels=["layer"]
        )
        false = GaugeMetricFamily(
            "immuno_autoimmunity_false_positives",
            "Stopped signals operators confirmed benign",
            labels=["layer"],
        )
        rate = GaugeMetricFamily(
            "immuno_autoimmunity_rate", "False positives over signals stopped", labels=["layer"]
        )
        try:
            rates = self.immune.autoimmunity()
        except Exception:  # no ledger configured, or the store is down: report nothing
            rates = {}
        for layer, value in sorted(rates.items()):
            stopped.add_metric([layer], value.stopped)
            false.add_metric([layer], value.false_positives)
            rate.add_metric([layer], value.rate)
        yield stopped
        yield false
        yield rate


class Metrics:
    def __init__(self, immune: Immune) -> None:
        self.registry = CollectorRegistry()
        self.verdicts = Counter(
            "immuno_verdicts",
            "Verdicts by signal kind and action",
            ["kind", "action"],
            registry=self.registry,
        )
        self.findings = Counter(
            "immuno_findings",
            "Findings by layer and code, with the action of their verdict",
            ["layer", "code", "action"],
            registry=self.registry,
        )
        self.check_seconds = Histogram(
            "immuno_check_seconds",
            "Time the pipeline took to decide one signal",
            ["kind"],
            buckets=_CHECK_BUCKETS,
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "immuno_http_request_seconds",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.registry.register(_Autoimmunity(immune))

    def verdict(self, kind: str, verdict: Verdict) -> None:
        action = verdict.action.value
        self.verdicts.labels(kind, action).inc()
        self.check_seconds.labels(kind).observe(verdict.latency_us / 1e6)
        for finding in verdict.findings:
            self.findings.labels(finding.layer, finding.code, action).inc()

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.request_seconds.labels(route, method, str(status)).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
