"""Property-based fuzzing of the running server from its own /openapi.json: whatever a
stranger sends to any route, the answer is never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

EXAMPLES = 20  # per operation and generation mode: bounded, the file stays well under 20 s


def _fuzz(operation, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case):
        case.call_and_validate(checks=[not_a_server_error])

    run()


def test_no_route_answers_a_server_error_to_valid_or_invalid_requests(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /predict",
        "POST /v2/models/{name}/infer",
        "GET /metadata",
    }
    for operation in operations:
        _fuzz(operation, GenerationMode.POSITIVE)
        if len(operation.body):  # a body can be wrong in ways a string path parameter cannot
            _fuzz(operation, GenerationMode.NEGATIVE)
