"""The kronologi is append-only, written in the same transaction as the change it records,
and read-only in the admin."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.tickets import events, services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import (
    Apology,
    Confirmation,
    Message,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)
from sigap.tickets.tests.steps import APOLOGY, drive_to, event_ids


class Boom(Exception):
    """Raised by a patched step late inside a service's transaction."""


def boom(*args: Any, **kwargs: Any) -> None:
    raise Boom


def fail_after(original: Callable[..., Any], passes: int) -> Callable[..., Any]:
    """``original`` for the first ``passes`` calls, then ``Boom``."""
    calls = 0

    def patched(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > passes:
            raise Boom
        return original(*args, **kwargs)

    return patched


# --- append-only in the database ---------------------------------------------------------------


def test_a_queryset_update_of_an_event_is_refused_by_the_database(ticket: Ticket) -> None:
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TimelineEvent.objects.filter(pk=event.pk).update(data={"forged": True})

    assert TimelineEvent.objects.get(pk=event.pk).data == event.data


def test_saving_a_modified_event_is_refused_by_the_database(ticket: Ticket, agent: User) -> None:
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")
    original = (event.kind, event.public, event.actor_id)
    event.kind = "status_changed"
    event.public = False
    event.actor = None

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()

    fresh = TimelineEvent.objects.get(pk=event.pk)
    assert (fresh.kind, fresh.public, fresh.actor_id) == original


def test_a_bulk_update_of_all_events_is_refused_and_changes_none(ticket: Ticket) -> None:
    before = list(TimelineEvent.objects.order_by("id").values_list("id", "public"))

    with pytest.raises(DatabaseError), transaction.atomic():
        TimelineEvent.objects.all().update(public=True)

    assert list(TimelineEvent.objects.order_by("id").values_list("id", "public")) == before


def _update(**changes: Any) -> Callable[[int], int]:
    return lambda pk: TimelineEvent.objects.filter(pk=pk).update(**changes)


def test_only_a_redaction_gets_past_the_trigger(ticket: Ticket, agent: User) -> None:
    """The one sanctioned UPDATE (a customer's erasure, UU PDP) sets ``redacted_at`` and
    may change only ``old_value``, ``new_value`` and ``data``; the ticket, actor, kind,
    field, visibility and time stay, and an ordinary update is still refused."""
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")
    later = event.created_at + timedelta(days=1)
    refused = [
        _update(data={}),
        _update(redacted_at=later, kind="status_changed"),
        _update(redacted_at=later, public=not event.public),
        _update(redacted_at=later, actor=None if event.actor_id else agent),
        _update(redacted_at=later, created_at=later),
        _update(redacted_at=later, field="status"),
    ]
    for attempt in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt(event.pk)
    assert TimelineEvent.objects.get(pk=event.pk).redacted_at is None

    assert _update(redacted_at=later, data={"subject": "[x]"})(event.pk) == 1
    fresh = TimelineEvent.objects.get(pk=event.pk)
    assert (fresh.data, fresh.redacted_at, fresh.kind) == ({"subject": "[x]"}, later, event.kind)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _update(data={"subject": "forged"})(event.pk)  # a redacted event is no freer
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _update(redacted_at=event.created_at, data={"subject": "forged"})(event.pk)  # older mark
    assert TimelineEvent.objects.get(pk=event.pk).data == {"subject": "[x]"}


# --- one transaction per service -----------------------------------------------------------


def snapshot(ticket: Ticket) -> dict[str, Any]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "facts": fresh.facts,
        "first_responded_at": fresh.first_responded_at,
        "events": event_ids(ticket),
        "messages": list(fresh.messages.values_list("pk", flat=True)),
        "proposals": list(fresh.proposals.values_list("pk", "status")),
        "confirmations": Confirmation.objects.filter(ticket=ticket).count(),
        "apologies": Apology.objects.filter(ticket=ticket).count(),
        "tags": sorted(fresh.tags.values_list("name", flat=True)),
        "priority": fresh.priority,
    }


Case = tuple[str, str, Callable[[User, User, Ticket, Proposal | None], object]]

# (starting status, attribute of ``services`` to break, the call). The broken step runs
# after the service has already written its first rows. "_touch#2" lets the first call of
# ``_touch`` through and breaks the second.
CASES: dict[str, Case] = {
    "record": (
        "new",
        "index_ticket",
        lambda a, c, t, p: services.ticket_record(actor=a, ticket=t, facts="Resi 0123."),
    ),
    "confirm": (
        "recorded",
        "_set_status",
        lambda a, c, t, p: services.ticket_confirm(
            actor=a, ticket=t, restatement="Paket belum sampai.", customer_confirmed=True
        ),
    ),
    "apology": (
        "confirmed",
        "index_ticket",
        lambda a, c, t, p: services.apology_create(actor=a, ticket=t, parts=APOLOGY),
    ),
    "message with attachment": (
        "in_progress",
        "attachment_store",
        lambda a, c, t, p: services.message_add(
            actor=a,
            ticket=t,
            kind="reply",
            body="Berikut resinya.",
            uploads=[Upload("resi.txt", b"JNE 0123")],
        ),
    ),
    "inbound resumes": (
        "waiting_customer",
        "_set_status",
        lambda a, c, t, p: services.message_add(actor=c, ticket=t, kind="inbound", body="Halo."),
    ),
    "propose": (
        "confirmed",
        "_offer",
        lambda a, c, t, p: services.proposal_create(actor=a, ticket=t, summary="Kirim ulang."),
    ),
    "accept": (
        "offered",
        "_resume",
        lambda a, c, t, p: services.proposal_accept(actor=c, proposal=p),  # type: ignore[arg-type]
    ),
    "reject": (
        "offered",
        "_resume",
        lambda a, c, t, p: services.proposal_reject(
            actor=c,
            proposal=p,  # type: ignore[arg-type]
            reason="Tidak cocok.",
        ),
    ),
    "withdraw": (
        "offered",
        "_set_status",
        lambda a, c, t, p: services.proposal_withdraw(actor=a, proposal=p),  # type: ignore[arg-type]
    ),
    "resolve with reason": (
        "in_progress",
        "_touch#2",
        lambda a, c, t, p: services.ticket_resolve(actor=a, ticket=t, reason="Selesai."),
    ),
    "close with thanks": (
        "resolved",
        "_set_status",
        lambda a, c, t, p: services.ticket_close(actor=a, ticket=t, thanks="Terima kasih!"),
    ),
    "update": (
        "in_progress",
        "_touch",
        lambda a, c, t, p: services.ticket_update(
            actor=a, ticket=t, version=Ticket.objects.get(pk=t.pk).version, changes={"priority": 1}
        ),
    ),
    "update tags": (
        "in_progress",
        "_touch",
        lambda a, c, t, p: services.ticket_update(
            actor=a,
            ticket=t,
            version=Ticket.objects.get(pk=t.pk).version,
            changes={"tags": ["kurir", "refund"]},
        ),
    ),
}


SERVICE_MODULES = [
    importlib.import_module(f"sigap.tickets.services.{m.name}")
    for m in pkgutil.iter_modules(services.__path__)
]


def _service_attribute(name: str) -> Any:
    return next(getattr(m, name) for m in SERVICE_MODULES if hasattr(m, name))


def _patch_services(monkeypatch: pytest.MonkeyPatch, name: str, value: Any) -> None:
    """Replace ``name`` in every module of the services package that uses it."""
    for module in SERVICE_MODULES:
        if hasattr(module, name):
            monkeypatch.setattr(module, name, value)


@pytest.mark.parametrize("name", list(CASES))
def test_a_service_that_fails_late_leaves_no_event_and_no_change(
    monkeypatch: pytest.MonkeyPatch,
    agent: User,
    customer_user: User,
    ticket: Ticket,
    name: str,
) -> None:
    # given a ticket at the right step
    start, target, call = CASES[name]
    proposal = None
    if start == "offered":
        ticket = drive_to(agent, ticket, Status.CONFIRMED)
        proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    else:
        ticket = drive_to(agent, ticket, start)
    before = snapshot(ticket)
    events_before = TimelineEvent.objects.count()

    # when a later step inside the service's transaction fails
    attribute, _, passes = target.partition("#")
    broken = fail_after(_service_attribute(attribute), int(passes or 1) - 1)
    _patch_services(monkeypatch, attribute, broken)
    with pytest.raises(Boom):
        call(agent, customer_user, ticket, proposal)

    # then nothing of the service's work remains: no event, no row, no version bump
    assert snapshot(ticket) == before
    assert TimelineEvent.objects.count() == events_before


def test_a_ticket_that_fails_to_be_indexed_is_not_created_at_all(
    monkeypatch: pytest.MonkeyPatch, agent: User, team: Team, customer: Customer
) -> None:
    _patch_services(monkeypatch, "new_ticket_document", boom)

    with pytest.raises(Boom):
        services.ticket_create(
            actor=agent,
            customer=customer,
            kind="complaint",
            channel="email",
            subject="Refund",
            description="Refund belum masuk.",
            team=team,
            tags=["refund"],
        )

    assert not Ticket.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert not Message.objects.exists()


def test_an_event_writer_that_fails_undoes_the_change_it_records(
    monkeypatch: pytest.MonkeyPatch, agent: User, customer_user: User, ticket: Ticket
) -> None:
    ticket = drive_to(agent, ticket, Status.CONFIRMED)
    proposal = services.proposal_create(actor=agent, ticket=ticket, summary="Kirim ulang.")
    before = snapshot(ticket)
    monkeypatch.setattr(events, "status_changed_event", boom)

    with pytest.raises(Boom):
        services.proposal_accept(actor=customer_user, proposal=proposal)

    assert snapshot(ticket) == before
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OFFERED


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_the_admin_shows_an_event_read_only(admin_client: Client, ticket: Ticket) -> None:
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")

    response = admin_client.get(f"/admin/tickets/timelineevent/{event.pk}/change/")

    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert b'name="kind"' not in response.content


def test_the_admin_refuses_to_change_an_event(admin_client: Client, ticket: Ticket) -> None:
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")

    response = admin_client.post(
        f"/admin/tickets/timelineevent/{event.pk}/change/",
        {"kind": "status_changed", "public": "", "data": "{}", "created_at_0": "2020-01-01"},
    )

    assert response.status_code == 403
    assert TimelineEvent.objects.get(pk=event.pk).kind == event.kind


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_admin_refuses_to_delete_an_event(
    admin_client: Client, ticket: Ticket, method: str
) -> None:
    event = TimelineEvent.objects.filter(ticket=ticket).earliest("id")

    response = getattr(admin_client, method)(
        f"/admin/tickets/timelineevent/{event.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert TimelineEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_refuses_to_add_an_event(admin_client: Client, ticket: Ticket) -> None:
    response = admin_client.get("/admin/tickets/timelineevent/add/")

    assert response.status_code == 403


def test_the_admin_refuses_bulk_deletion_of_events(admin_client: Client, ticket: Ticket) -> None:
    ids = event_ids(ticket)

    response = admin_client.post(
        "/admin/tickets/timelineevent/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )

    assert response.status_code in (200, 302)
    assert event_ids(ticket) == ids


def test_the_admin_refuses_to_change_or_delete_a_ticket(
    admin_client: Client, ticket: Ticket
) -> None:
    base = f"/admin/tickets/ticket/{ticket.pk}"

    page = admin_client.get(f"{base}/change/")
    change = admin_client.post(f"{base}/change/", {"subject": "Diubah lewat admin"})
    delete = admin_client.post(f"{base}/delete/", {"post": "yes"})
    add = admin_client.get("/admin/tickets/ticket/add/")

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.subject, fresh.version) == (ticket.subject, ticket.version)
