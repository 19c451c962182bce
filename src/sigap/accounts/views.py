"""The security audit log for admins: filtered by kind, person and dates, newest first, a
page at a time; the same selection as CSV (the export is itself recorded)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from sigap.accounts import audit
from sigap.accounts.decorators import admin_required
from sigap.accounts.models import SecurityEvent, SecurityKind
from sigap.core.errors import ValidationFailed
from sigap.core.pagination import page

PER_PAGE = 50
CSV_ROWS = 50_000


def _day(value: str, end: bool) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _filtered(params: Any) -> tuple[QuerySet[SecurityEvent], dict[str, str]]:
    chosen = {k: str(params.get(k, "")).strip() for k in ("kind", "person", "from", "to")}
    events = SecurityEvent.objects.all()
    if chosen["kind"] in SecurityKind.values:
        events = events.filter(kind=chosen["kind"])
    if chosen["person"]:
        person = chosen["person"]
        events = events.filter(
            Q(actor_name__icontains=person) | Q(user_name__icontains=person) | Q(ip=person)
        )
    start, end = _day(chosen["from"], False), _day(chosen["to"], True)
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lte=end)
    return events, chosen


@require_GET
@admin_required
def security_log(request: HttpRequest) -> HttpResponse:
    events, chosen = _filtered(request.GET)
    if request.GET.get("format") == "csv":
        rows = list(events.order_by("-at", "-id")[:CSV_ROWS])
        audit.record(
            SecurityKind.EXPORT,
            detail=f"log audit keamanan, {len(rows)} baris",
            data={"filters": {k: v for k, v in chosen.items() if v}},
        )
        response = HttpResponse(audit.csv_bytes(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="log-audit-keamanan.csv"'
        return response
    try:
        rows, next_cursor = page(events, cursor=request.GET.get("cursor"), limit=PER_PAGE)
    except ValidationFailed:
        rows, next_cursor = page(events, cursor=None, limit=PER_PAGE)
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render(
        request,
        "accounts/security_log.html",
        {
            "events": rows,
            "next_cursor": next_cursor,
            "chosen": chosen,
            "kinds": SecurityKind.choices,
            "query": query,
        },
    )
