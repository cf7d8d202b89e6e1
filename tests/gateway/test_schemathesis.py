"""Property-based run of the whole API from its own OpenAPI document: schemathesis
generates requests for every operation (bodies, parameters and paths, valid ones and
ones the schema forbids) and sends them in process to the ASGI app with an operator's
token. No request may ever get a 5xx, and no request the document allows a 422."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from immuno.core.config import GatewayConfig, StoreConfig
from immuno.gateway.routes import API

from .conftest import Fleet

MAX_EXAMPLES = 25  # per operation and mode: a few seconds for the whole API
# Where a request the document allows may still be invalid against the store's state
# (a proof for an entry the log does not hold yet).
STATEFUL = {"/v1/audit/proof/inclusion", "/v1/audit/proof/consistency"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, Any]]:
    # A generous bucket: the run is about answers, not about 429s. One SQLite file for
    # the module (a test's PostgreSQL schema is dropped when that test ends).
    folder = tmp_path_factory.mktemp("api")
    store = StoreConfig(path=str(folder / "immuno.db"))
    fleet = Fleet(folder, GatewayConfig(rate=1e6, burst=1_000_000), store)
    try:
        yield fleet, schemathesis.openapi.from_asgi("/openapi.json", fleet.client.app)
    finally:
        fleet.close()


def _has_inputs(route: Any) -> bool:
    return route.body is not None or bool(route.params) or "{" in route.path


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("route", API, ids=lambda a: a.name)
def test_no_request_gets_a_server_error(
    api: tuple[Fleet, Any], route: Any, mode: GenerationMode
) -> None:
    if mode is GenerationMode.NEGATIVE and not _has_inputs(route):
        pytest.skip("nothing to get wrong: no body, no parameters")
    fleet, schema = api
    operation = schema[route.path][route.method]
    headers = fleet.operator

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same cases every run
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        if mode is GenerationMode.POSITIVE and route.path not in STATEFUL:
            # What the document allows, the gateway accepts: its bounds are the real ones.
            assert response.status_code != 422, response.text

    run()
