"""The API keeps the contract its OpenAPI document states (schemathesis).

Schemathesis reads ``/api/v1/openapi.json`` from the Django app in-process (WSGI, no
network) and sends every operation requests generated from the document, valid and
invalid, against the shared test world: each request twice, with a staff token (a
supervisor: every staff operation is open to them) and with a customer's token, each in a
savepoint rolled back after it, so both answer the same world. Each response must be:

* no server error (``not_a_server_error``);
* a documented status code (``status_code_conformance``), every error included;
* a body that fits the documented schema of that status (``response_schema_conformance``),
  the one error shape included.

Bounded and reproducible: a fixed number of examples per operation, ``derandomize``, no
deadline (the first request of a worker warms up). Nothing leaves the process: the test
runs in a transaction that is never committed, so the replies' on-commit delivery never
starts.
"""

from __future__ import annotations

import functools
import logging
import unittest
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
import werkzeug
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.core.control import SkipTest
from schemathesis.core.errors import InvalidHeadersExample
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.hypothesis.builder import (
    InvalidHeadersExampleMark,
    MissingPathParameters,
)
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from sigap.accounts import business
from sigap.accounts.models import User
from sigap.accounts.services import token_create
from sigap.core.handlers import wsgi_application
from sigap.tickets import services
from sigap.tickets.attachments import Upload
from tests import world as parts

log = logging.getLogger(__name__)
CALLERS = ["supervisor", "customer_user"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def _keep_the_test_transaction() -> Iterator[None]:
    """Django closes the connection at a request's end when it is inside a transaction
    (the test's); its test client unhooks that, and so must this WSGI app."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The shared test world (conftest.py's users, teams, customers and tickets) plus a
    message with an attachment, a note and an offered proposal; made once per test process
    in a transaction rolled back after the module, and each test runs in a savepoint inside
    it (rolled back after the test, as ever). Made for each of the module's 148 tests (one
    caller a test then), it took 15 s of the module's CPU under cProfile (2026-12-07),
    besides PostgreSQL's."""
    with parts.made_once(django_db_blocker):
        names = ["supervisor", "agent", "other_supervisor", "outsider_agent"]
        names += ["customer_user", "other_customer_user"]
        users = {name: parts.make_user(name) for name in names}
        agent, outsider = users["agent"], users["outsider_agent"]
        team = parts.make_team(users["supervisor"], agent)
        other_team = parts.make_other_team(users["other_supervisor"], outsider)
        customer = parts.make_customer(users["customer_user"])
        other_customer = parts.make_other_customer(users["other_customer_user"])
        ticket = parts.make_ticket(agent, team, customer)
        parts.make_other_ticket(outsider, other_team, other_customer)
        services.message_add(
            actor=agent,
            ticket=ticket,
            kind="reply",
            body="Kami cek.",
            uploads=[Upload("a.txt", b"x")],
        )
        services.message_add(actor=agent, ticket=ticket, kind="note", body="Catatan internal")
        services.ticket_record(actor=agent, ticket=ticket, facts="Paket tertahan di gudang.")
        services.ticket_confirm(
            actor=agent, ticket=ticket, restatement="Paket belum sampai.", customer_confirmed=True
        )
        services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang barang")
        yield users


@pytest.fixture
def tokens(world: dict[str, User], db: None) -> dict[str, str]:
    return {caller: token_create(user=world[caller]) for caller in CALLERS}


# Loaded when the module is collected: the document is built from the routes alone.
# Schemathesis reads the schema while the tests are collected, when no test may use the
# database; the request passes the business's time-zone middleware, whose memo would load
# the business row: known absent here, as in every test (conftest.py).
business.memo.hold(business.NO_BUSINESS)
application = wsgi_application()  # as the server's: the token API's chain for these calls
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# an operation the document describes wrongly fails the collection (Err has no ok())
OPERATIONS = {
    result.ok().label: result.ok()  # type: ignore[union-attr]
    for result in schema.get_all_operations()
}
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _ReadWhole(werkzeug.Client):
    """Reads each answer whole and closes it: schemathesis reads the body and leaves the
    response open, so a downloaded attachment's file stayed open until collected."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["buffered"] = True
        return super().open(*args, **kwargs)


def _keeps_the_contract(case: Any, tokens: dict[str, str]) -> None:
    """The case sent by each caller in turn, generated once for both. A test per caller
    drew the same cases twice (``derandomize``: Hypothesis seeds from the test function,
    so an edit to this function draws other cases): the module alone, one process, took
    59.3 and 61.7 s of user CPU that way, 56.8 and 49.4 s this way, run alternately
    (2026-12-08)."""
    for caller, token in tokens.items():
        # each answer from the same world: what one caller's request wrote is undone
        # before the other's (a customer's accepting of a proposal is not met by the
        # supervisor's acceptance before it)
        with transaction.atomic():
            response = case.call(
                session=_ReadWhole(application), headers={"Authorization": f"Bearer {token}"}
            )
            transaction.set_rollback(True)
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseException:  # schemathesis's FailureGroup is a BaseExceptionGroup
            # which caller's answer, in the report's captured log (what schemathesis
            # reports is its own failure, however raised)
            log.error("The answer to %s breaks the contract.", caller)
            raise


@functools.cache
def _feedback() -> FeedbackSources:
    return FeedbackSources(constants_value_source=make_constants_value_source(schema))


@functools.cache
def _hypothesis_test(label: str) -> Callable[..., None]:
    """The operation's test as ``schema.parametrize()`` builds it (the same builder,
    phases, settings and seed; the coverage phase makes a few more cases, e.g. 185 against
    179 for PATCH /tickets/{id}, as the document's constants are read when the test is
    built), built by the test process that runs it. What schemathesis's plugin turns
    into failures for its own items, the test below raises itself. Built for every
    operation while the module was collected, in each PostgreSQL test process, the
    coverage phase's cases cost about 5.5 s of CPU a process (pytest --co: 10.5 s with the
    module, 4.9 s without)."""
    load_all_checks()
    return build_operation_test(
        config=schema.config,
        operation=OPERATIONS[label],
        test_func=_keeps_the_contract,
        explicit_settings=SETTINGS,
        given_kwargs={},
        feedback=_feedback(),
    )


@pytest.mark.production_stack  # once per `make test`: in the PostgreSQL run when there is one
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_api_keeps_its_documented_contract(
    operation: str, tokens: dict[str, str], _keep_the_test_transaction: None
) -> None:
    test = _hypothesis_test(operation)
    try:
        test(tokens=tokens)
    except (SkipTest, unittest.SkipTest) as exc:
        # what schemathesis's pytest plugin turns into a failure for its own test items
        # (no case could be made from the document's examples): here too, not a skip
        pytest.fail(f"{operation}: no test case could be generated ({exc})")
    invalid_headers = InvalidHeadersExampleMark.get(test)
    if invalid_headers is not None:
        raise InvalidHeadersExample.from_headers(invalid_headers)
    missing_path_parameters = MissingPathParameters.get(test)
    if missing_path_parameters:
        raise missing_path_parameters


def test_the_document_states_the_limits_and_the_one_error_shape() -> None:
    doc = schema.raw_schema
    paths = doc["paths"]
    for path in ("/api/v1/tickets", "/api/v1/customers"):
        [limit] = [p for p in paths[path]["get"]["parameters"] if p["name"] == "limit"]
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    patch = paths["/api/v1/tickets/{ticket_id}"]["patch"]
    version = doc["components"]["schemas"]["TicketPatch"]["properties"]["version"]
    assert "Wajib" in version["description"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert set(doc["components"]["schemas"]["CustomerPatch"]["required"]) == {"version"}
    product = doc["components"]["schemas"]["TicketIn"]["properties"]["product"]  # staff only
    assert (product["type"], product["maxLength"], product["default"]) == ("string", 100, "")
    assert "product" not in doc["components"]["schemas"]["CustomerTicketIn"]["properties"]
    assert "product" in doc["components"]["schemas"]["TicketOut"]["properties"]
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in paths.values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"] == error
    detail = doc["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "fields"}
