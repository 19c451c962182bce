"""Ticket hooks: how the ticket core tells the rest of Sigap what happened to a ticket,
without knowing who listens.

The ticket services publish typed events (frozen dataclasses below). Every other app
subscribes in its ``AppConfig.ready()``::

    hooks.subscribe(hooks.TicketCreated, on_created, phase=hooks.AFTER, name="triage",
                    when=lambda event: settings.SIGAP_TRIAGE)

Two phases:

* ``INSIDE``: the handler runs at once, inside the transaction of the change, so what it
  writes commits or rolls back with it (automation rules, triage's corrections). It may
  refuse the change by raising a domain error (a channel's reply window), or answer
  (``publish`` returns the handlers' answers: the intake's advice, the cards a chat's end
  shows the visitor).
* ``AFTER``: the handler runs once the transaction commits (the chatbot, surveys,
  delivery). A failing handler is logged and does not disturb the others; what must not
  be lost keeps its own state (a delivery row, an invitation) and a sweep for it.
* ``BACKGROUND``: the handler runs in the worker (a Huey job) after the commit: work that
  nobody waits for (triage's classification, linking to an open incident). All of an
  event's background handlers ride one job, so the request that made the change only
  enqueues it (one Redis round trip) and answers. Failures as for ``AFTER``; a job lost
  with the worker is what the handler's own sweep is for (triage's ``catch_up``).

``when`` is asked inside the transaction and decides whether the handler wants the event at
all: a consumer's switches (``SIGAP_TRIAGE``, which channels get the chatbot) are read by
the consumer, never by the ticket core. Handlers run in the order they subscribed.

The ticket core imports none of its consumers; ``docs/architecture.md`` lists who subscribes
to what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.db import transaction

if TYPE_CHECKING:
    from sigap.tickets.models import Ticket

log = logging.getLogger(__name__)

Phase = Literal["inside", "after", "background"]
INSIDE: Phase = "inside"
AFTER: Phase = "after"
BACKGROUND: Phase = "background"


# --- the events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketIntake:
    """A ticket is about to be opened (INSIDE, before its row exists). Handlers may answer
    with an ``IntakeAdvice``: the safety detector, the priority matrix."""

    subject: str
    description: str
    kind: str
    channel: str
    severity: str
    priority: int | None
    loyalty_tier: str
    customer_kind: str


@dataclass(frozen=True)
class IntakeAdvice:
    """What an intake handler concluded. ``severity``/``priority`` replace what was given
    when ``overrides`` (danger to people); otherwise ``priority`` fills an empty one.
    ``note`` is recorded on the timeline as the automation that decided it."""

    severity: str | None = None
    priority: int | None = None
    overrides: bool = False
    tags: tuple[str, ...] = ()
    note: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TicketCreated:
    """A ticket was opened (INSIDE and AFTER). ``by_customer``: the customer wrote in
    (not staff logging it); ``text`` is its description; ``assignee_id`` and ``author_id``
    as it was opened (a rule that assigns it later goes through ``ticket_update``);
    ``external_id`` its first message's id on its channel ("" for none)."""

    ticket_id: int
    kind: str
    channel: str
    by_customer: bool
    text: str
    assignee_id: int | None = None
    author_id: int | None = None
    external_id: str = ""


@dataclass(frozen=True)
class TicketUpdated:
    """Fields changed (INSIDE). ``changes``: field name -> new value, as a string (an id for
    a team or an assignee); ``actor_id`` None for the system."""

    ticket_id: int
    actor_id: int | None
    changes: Mapping[str, str]
    by_system: bool


@dataclass(frozen=True)
class MessageAdded:
    """A message was stored on a ticket (INSIDE): inbound, reply or note."""

    ticket_id: int
    message_id: int
    kind: str
    channel: str
    text: str


@dataclass(frozen=True)
class CustomerWrote:
    """The customer wrote something an automatic responder may answer (AFTER): a new ticket
    or an inbound message. ``text`` is what to answer: the message, or the quick-reply
    choice it came from."""

    ticket_id: int
    channel: str
    text: str


@dataclass(frozen=True)
class ReplyPosting:
    """A public reply is about to be stored (INSIDE): a channel may refuse it by raising a
    domain error (WhatsApp's 24-hour window, Meta's 7 days). ``ticket`` is the locked row."""

    ticket: Ticket
    channel: str
    attachments: int


@dataclass(frozen=True)
class ReplyPosted:
    """A public reply was stored (AFTER): it leaves on its channel."""

    message_id: int
    ticket_id: int
    channel: str


@dataclass(frozen=True)
class StatusChanged:
    """The ticket moved in the procedure (AFTER)."""

    ticket_id: int
    old: str
    new: str


@dataclass(frozen=True)
class ProposalDecided:
    """A proposal was decided (AFTER). ``decision``: by a supervisor ``approved``,
    ``declined`` or ``changes_requested`` (with their ``note``); by the customer
    ``accepted`` or ``rejected`` (``note``: the reason); ``withdrawn``. ``actor_id``: who
    decided (None for the system); the proposer is the proposal's ``created_by``."""

    proposal_id: int
    ticket_id: int
    decision: str
    note: str = ""
    actor_id: int | None = None


@dataclass(frozen=True)
class ApprovalRequested:
    """A proposal waits for a supervisor's decision (AFTER): just proposed, or resubmitted
    after the supervisor asked for changes. ``reason``: why it needs approval."""

    proposal_id: int
    ticket_id: int
    team_id: int | None
    reason: str
    resubmitted: bool = False


@dataclass(frozen=True)
class ProposalOffered:
    """A proposal is now offered to the customer (INSIDE and AFTER): created on a ticket
    that needs no approval, or approved by a supervisor. The channels deliver it (with
    buttons or answer links) in the offer's own transaction."""

    proposal_id: int
    ticket_id: int
    channel: str


@dataclass(frozen=True)
class SlaAlert:
    """The SLA sweep warned about or recorded a breach of a ticket's deadline (INSIDE).
    ``kind``: ``warning`` or ``breach``."""

    ticket_id: int
    kind: str


@dataclass(frozen=True)
class ConversationEnded:
    """A live conversation on a ticket ended (INSIDE). Handlers may answer with a card for
    the visitor's window (the satisfaction survey)."""

    ticket_id: int
    channel: str


@dataclass(frozen=True)
class TicketMerging:
    """``source`` is about to be merged into ``target`` (INSIDE, both rows locked, before
    anything moves). A handler may refuse it with a domain error: live chat refuses while
    a conversation on the source is still running."""

    source_id: int
    target_id: int


@dataclass(frozen=True)
class ChannelWrites:
    """Does a reply on ``channel`` reach the customer in writing? INSIDE handlers answer
    False for a channel that writes to nobody (phone, walk-in: the connectors' registry);
    no answer means it does (the portal shows it, a connector sends it)."""

    channel: str


@dataclass(frozen=True)
class TagRenamed:
    """Tag ``old`` is now ``new`` (an admin renamed it, or merged it into ``new``; INSIDE).
    A handler that keeps tag names (automation rules, saved views) rewrites them, so they
    go on working, and answers with a ``Rewritten``."""

    old: str
    new: str


@dataclass(frozen=True)
class Rewritten:
    """What a ``TagRenamed`` handler rewrote: ``count`` rows of ``key`` (the audit's
    name), ``label`` for the admin's confirmation."""

    key: str
    label: str
    count: int


# --- the registry -----------------------------------------------------------------------------

E = TypeVar("E")


@dataclass(frozen=True)
class Subscription:
    event: type[Any]
    handler: Callable[[Any], Any]
    phase: Phase
    name: str
    when: Callable[[Any], bool] | None = field(default=None)


_registry: dict[type[Any], list[Subscription]] = {}


def subscribe(
    event: type[E],
    handler: Callable[[E], Any],
    *,
    phase: Phase,
    name: str,
    when: Callable[[E], bool] | None = None,
) -> None:
    """Register ``handler`` for ``event``. A second subscription under the same ``name``
    replaces the first (``ready()`` may run twice in tests)."""
    if phase not in (INSIDE, AFTER, BACKGROUND):
        raise ValueError(f"unknown phase {phase!r}")
    subs = [s for s in _registry.get(event, []) if s.name != name]
    subs.append(Subscription(event, handler, phase, name, when))
    _registry[event] = subs


def unsubscribe(event: type[Any], name: str) -> None:
    _registry[event] = [s for s in _registry.get(event, []) if s.name != name]


def subscriptions(event: type[Any]) -> list[Subscription]:
    return list(_registry.get(event, []))


def publish(event: object) -> list[Any]:
    """Run the INSIDE handlers that want ``event`` now and schedule the AFTER and
    BACKGROUND ones for the commit. Returns the INSIDE handlers' answers that are not
    None, in order."""
    answers: list[Any] = []
    background: list[str] = []
    for sub in _registry.get(type(event), ()):
        if sub.when is not None and not sub.when(event):
            continue
        if sub.phase == INSIDE:
            answer = sub.handler(event)
            if answer is not None:
                answers.append(answer)
        elif sub.phase == AFTER:
            transaction.on_commit(_later(sub, event))
        else:
            background.append(sub.name)
    if background:
        transaction.on_commit(lambda: _enqueue(event, background))
    return answers


def react_now(event: object) -> None:
    """Run the AFTER handlers of ``event`` at once, outside any transaction (and enqueue
    its BACKGROUND ones): for a caller that deliberately holds an event back (live chat
    answers the visitor first and lets the chatbot speak afterwards)."""
    background: list[str] = []
    for sub in _registry.get(type(event), ()):
        if sub.when is not None and not sub.when(event):
            continue
        if sub.phase == AFTER:
            _later(sub, event)()
        elif sub.phase == BACKGROUND:
            background.append(sub.name)
    if background:
        _enqueue(event, background)


def run_background(event: object, names: list[str]) -> None:
    """The worker's side of ``BACKGROUND``: run the handlers ``names`` of ``event`` (those
    that wanted it when it was published), each on its own."""
    for sub in _registry.get(type(event), ()):
        if sub.phase == BACKGROUND and sub.name in names:
            _later(sub, event)()


def _enqueue(event: object, names: list[str]) -> None:
    from sigap.tickets import tasks  # the jobs module imports the services, which import us

    try:
        tasks.run_hooks(event, names)
    except Exception:  # committed already: the request must not fail for it
        # the event's type and ticket, not the event: it may hold a customer's words
        ticket = getattr(event, "ticket_id", None)
        log.exception(
            "ticket hooks %s not enqueued for %s of ticket %s", names, type(event).__name__, ticket
        )


def _later(sub: Subscription, event: object) -> Callable[[], None]:
    def run() -> None:
        try:
            sub.handler(event)
        except Exception:  # the change is committed; one consumer must not stop the others
            log.exception("ticket hook %s failed on %r", sub.name, event)

    return run
