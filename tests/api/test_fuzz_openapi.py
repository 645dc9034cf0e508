"""schemathesis against the HTTP API's own OpenAPI document, over real HTTP.

Every operation gets 50 generated requests, valid and invalid (seeded, so CI runs are
reproducible): no answer may be a 5xx, every status must be one the operation documents,
every body must match its documented media type. ``positive_data_acceptance`` is left out on
purpose: physical bounds live in the models, not in the schema, so a schema-valid −1e6 °C is
a documented 400. (schemathesis's own pytest loader does not run under pytest 9, so the
operations are parametrized here from the same schema.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    status_code_conformance,
)

from evtwin.api import ApiServer, create_app, start_api_server

EXAMPLES = 50
SPEC = create_app().openapi()
SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


def _takes_input(label: str) -> bool:
    method, path = label.split(" ", 1)
    return bool(SPEC["paths"][path][method.lower()].get("parameters"))


@pytest.fixture(scope="module")
def server() -> Iterator[ApiServer]:
    with start_api_server(port=0) as s:
        yield s


def test_every_endpoint_is_fuzzed() -> None:
    assert len(OPERATIONS) >= 7


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_without_5xx(server: ApiServer, label: str) -> None:
    op = OPERATIONS[label]
    strategy = st.one_of(
        op.as_strategy(generation_mode=GenerationMode.POSITIVE),
        op.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    seen: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=server.url, timeout=120)
        seen.append(response.status_code)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        case.validate_response(
            response,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance],
        )

    check()
    # An endpoint without parameters has one request to make; the others get EXAMPLES.
    assert len(seen) >= (EXAMPLES if _takes_input(label) else 1)
