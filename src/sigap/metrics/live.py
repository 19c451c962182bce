"""The live operations panel: what is happening now, straight from the tickets table
(counts on partial indexes), not from the facts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from sigap.accounts.models import STAFF_ROLES, User
from sigap.accounts.presence import online
from sigap.automations.engine import SYSTEM_USERNAME
from sigap.metrics.reports import LABELS
from sigap.tickets.models import OPEN_STATUSES, Status, Ticket


def snapshot(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    open_ = Ticket.objects.filter(status__in=OPEN_STATUSES)
    counts = open_.aggregate(
        open=Count("pk"),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        overdue=Count(
            "pk",
            filter=Q(resolution_due_at__lt=now, sla_paused_at__isnull=True)
            & ~Q(status=Status.WAITING_CUSTOMER),
        ),
        due_soon=Count(
            "pk",
            filter=Q(resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(hours=1))
            & ~Q(status=Status.WAITING_CUSTOMER),
        ),
        waiting=Count("pk", filter=Q(status=Status.WAITING_CUSTOMER)),
    )
    midnight = datetime.combine(
        timezone.localdate(now), time(), tzinfo=timezone.get_current_timezone()
    )
    today = dict(
        Ticket.objects.filter(created_at__gte=midnight)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    staff = list(
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .exclude(username=SYSTEM_USERNAME)
        .values_list("pk", flat=True)
    )
    channels = LABELS["channel"]
    return {
        **counts,
        "agents_online": len(online(staff)),
        "today_total": sum(today.values()),
        "today_by_channel": sorted(
            ((str(channels.get(k, k)), n) for k, n in today.items()), key=lambda kv: -kv[1]
        ),
        "at": timezone.localtime(now).strftime("%H:%M:%S"),
    }
