"""Open tickets follow the SLA setup: a saved or deleted policy, target, calendar, working
period or holiday forgets the cached policy book and, once committed, lets the worker
recompute the due times of the open tickets concerned (``tickets.recompute``). The work is
an outbox row written with the change (``core.outbox``): a crash after the commit does not
leave the open tickets on the old targets."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from sigap.core import outbox
from sigap.core.locale import said_in_default_language
from sigap.core.models import OutboxItem
from sigap.sla import book
from sigap.sla.models import (
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    SlaTarget,
    SpecialHours,
    SpecialPeriod,
    WorkingPeriod,
)
from sigap.tickets.recompute import recompute_open_tickets

RECOMPUTE = "tickets.recompute_due_times"


def connect() -> None:
    outbox.handler(RECOMPUTE)(recompute_open_tickets)
    for model in (
        BusinessCalendar,
        WorkingPeriod,
        SpecialPeriod,
        SpecialHours,
        Holiday,
        SlaPolicy,
        SlaTarget,
    ):
        post_save.connect(changed, sender=model, dispatch_uid=f"sla-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"sla-del-{model.__name__}")


def changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """Forget the cached policy book, and once the change is committed let the worker
    bring the open tickets concerned in line with it."""
    book.invalidate()
    if kwargs.get("raw"):  # loading fixtures
        return
    policy_ids, reason = _scope(instance)
    pending = _pending()
    if policy_ids is None or pending.everything:
        pending.everything = True
    else:
        pending.policies.update(policy_ids)
    if reason not in pending.reasons:
        pending.reasons.append(reason)
    scope = None if pending.everything else sorted(pending.policies)
    said = " ".join(pending.reasons[:3]) + (" …" if len(pending.reasons) > 3 else "")
    if pending.item is None:  # the transaction's one recompute, whatever else it changes
        pending.item = outbox.later(RECOMPUTE, policy_ids=scope, reason=said)
    else:
        outbox.change(pending.item, policy_ids=scope, reason=said)
    transaction.on_commit(_flush)


class _Pending(threading.local):
    """Changes made in the current transaction: an admin saving a policy with six targets,
    or a command adding a year of holidays, enqueues one recompute, not thirty."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.everything = False
        self.policies: set[int] = set()
        self.reasons: list[str] = []
        self.item: OutboxItem | None = None


_state = _Pending()


def _pending() -> _Pending:
    """The current transaction's changes. What a rolled-back transaction left behind (its
    ``_flush`` callbacks are gone) is dropped."""
    queued = getattr(connection, "run_on_commit", [])
    if _state.reasons and not any(entry[1] is _flush for entry in queued):
        _state.reset()
    return _state


def _said(text: Promise, instance: object) -> str:
    return said_in_default_language(text, name=str(instance))


def _scope(instance: Model) -> tuple[list[int] | None, str]:
    if isinstance(instance, SlaTarget):
        return [instance.policy_id], _said(
            gettext_lazy("Target kebijakan SLA %(name)s diubah."), instance.policy
        )
    if isinstance(instance, SlaPolicy):
        return None, _said(gettext_lazy("Kebijakan SLA %(name)s diubah."), instance)
    if isinstance(instance, WorkingPeriod):
        return _on_calendar(instance.calendar_id), _said(
            gettext_lazy("Jam kerja %(name)s diubah."), instance.calendar
        )
    if isinstance(instance, SpecialPeriod):
        return _on_calendar(instance.calendar_id), _said(
            gettext_lazy("Periode khusus %(name)s diubah."), instance
        )
    if isinstance(instance, SpecialHours):
        calendar_id = SpecialPeriod.objects.filter(pk=instance.special_id).values_list(
            "calendar_id", flat=True
        )
        return list(
            SlaPolicy.objects.filter(calendar_id__in=calendar_id).values_list("pk", flat=True)
        ), said_in_default_language(gettext_lazy("Jam kerja periode khusus diubah."))
    if isinstance(instance, BusinessCalendar):
        return _on_calendar(instance.pk), _said(
            gettext_lazy("Kalender kerja %(name)s diubah."), instance
        )
    assert isinstance(instance, Holiday)
    if instance.calendar_id:
        return _on_calendar(instance.calendar_id), _said(
            gettext_lazy("Hari libur %(name)s diubah."), instance
        )
    return None, _said(gettext_lazy("Hari libur %(name)s diubah."), instance)


def _on_calendar(calendar_id: int) -> list[int]:
    return list(SlaPolicy.objects.filter(calendar_id=calendar_id).values_list("pk", flat=True))


def _flush() -> None:
    """The transaction committed (its outbox row queues the recompute): start afresh."""
    _state.reset()
