"""The live operations panel: what is happening now, straight from the tickets table
(counts on partial indexes), not from the facts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from sigap.accounts.models import STAFF_ROLES, User
from sigap.accounts.presence import online
from sigap.accounts.system import SYSTEM_USERNAME
from sigap.metrics.reports import LABELS
from sigap.tickets.models import OPEN_STATUSES, RUNNING_STATUSES, Status, Ticket


def snapshot(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    # One count per figure, each answered from a (partial) index alone.
    open_ = Ticket.objects.filter(status__in=OPEN_STATUSES)
    running = Ticket.objects.filter(status__in=RUNNING_STATUSES)
    counts = {
        "open": open_.count(),
        "unassigned": open_.filter(assignee__isnull=True).count(),
        "overdue": running.filter(resolution_due_at__lt=now).count(),
        "due_soon": running.filter(
            resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(hours=1)
        ).count(),
        "waiting": Ticket.objects.filter(status=Status.WAITING_CUSTOMER).count(),
    }
    midnight = datetime.combine(
        timezone.localdate(now), time(), tzinfo=timezone.get_current_timezone()
    )
    today = dict(
        Ticket.objects.filter(created_at__gte=midnight)
        .values_list("channel")
        .annotate(n=Count("*"))
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
