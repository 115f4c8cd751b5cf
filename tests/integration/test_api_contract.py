"""The partner API against its own OpenAPI document, as schemathesis fuzzes it over HTTP: for
every operation, generated bodies, queries and paths — well-formed and not — get no server error,
only status codes the document names, and bodies of the documented shape."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration import factories
from tests.integration.live import web_server
from tests.integration.test_api_returns import filed

EXAMPLES = 15  # per operation: about twenty operations, a few hundred calls in all
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


def _runner(operation: object, url: str, key: str, calls: dict[str, int]) -> object:
    label = operation.label  # type: ignore[attr-defined]

    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        calls[label] += 1
        case.call_and_validate(base_url=url, headers={"Authorization": f"Bearer {key}"},
                               checks=CHECKS)  # fmt: skip

    return run


def _fuzz(url: str, key: str) -> tuple[list[str], dict[str, int]]:
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    failures: list[str] = []
    calls: dict[str, int] = {}
    for found in schema.get_all_operations():
        operation = found.ok()
        calls[operation.label] = 0
        try:
            _runner(operation, url, key, calls)()  # type: ignore[operator]
        except (Exception, BaseExceptionGroup) as failure:  # every operation's, all reported
            failures.append(f"{operation.label}: {str(failure)[:1500]}")
    return failures, calls


async def test_every_operation_keeps_to_its_documented_contract(
    client: object, tmp_path: Path, now: datetime
) -> None:
    _id, key = await factories.api_client(
        rate_limit=6000, scopes=("returns:read", "returns:write", "sync")
    )
    merchant_id = await factories.merchant()
    assert (await filed(client, key, merchant_id, now)).status_code == 201  # type: ignore[arg-type]
    with web_server(tmp_path) as (url, _pid):
        failures, calls = await asyncio.to_thread(_fuzz, url, key)
    assert not failures, "\n\n".join(failures)
    assert len(calls) >= 20 and min(calls.values()) >= 5, calls  # every operation was tried
