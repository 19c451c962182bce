from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from sigap.sla import book
from sigap.sla.models import BusinessCalendar, Holiday, SlaPolicy, SlaTarget, WorkingPeriod


def connect() -> None:
    for model in (BusinessCalendar, WorkingPeriod, Holiday, SlaPolicy, SlaTarget):
        post_save.connect(book.invalidate, sender=model, dispatch_uid=f"sla-{model.__name__}")
        post_delete.connect(book.invalidate, sender=model, dispatch_uid=f"sla-del-{model.__name__}")
