"""Supervisors' settings pages: teams, canned responses, categories."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sigap.accounts import audit
from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import Role, SecurityKind, Team, User
from sigap.tickets import canned
from sigap.tickets.models import (
    OPEN_STATUSES,
    CannedResponse,
    Category,
    Ticket,
)
from sigap.web.forms import (
    CannedForm,
    TeamForm,
)


@supervisor_required
def settings_teams(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    form = TeamForm(request.POST or None, instance=team)
    form.fields["members"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]
        role=Role.CUSTOMER
    )
    form.fields["supervisor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
        is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            detail=f"tim “{saved.name}” {'diubah' if team_id else 'dibuat'}",
            data={"team": saved.pk, "fields": sorted(form.changed_data)},
        )
        flash.success(request, f"Tim {saved.name} disimpan.")
        return redirect("web:settings_teams")
    teams = Team.objects.select_related("supervisor").annotate(n=Count("members")).order_by("name")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_teams.html",
        {"form": form, "teams": teams, "editing": team},
        status=status,
    )


@supervisor_required
def settings_canned(request: HttpRequest, canned_id: int | None = None) -> HttpResponse:
    item = get_object_or_404(CannedResponse, pk=canned_id) if canned_id else None
    form = CannedForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if saved.created_by_id is None:
            saved.created_by = cast(User, request.user)
        saved.save()
        audit.record(
            SecurityKind.SETTINGS_CHANGED,
            detail=f"templat balasan “{saved.title}” {'diubah' if canned_id else 'dibuat'}",
            data={"canned": saved.pk, "fields": sorted(form.changed_data)},
        )
        flash.success(request, f"Templat '{saved.title}' disimpan.")
        return redirect("web:settings_canned")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "web/settings_canned.html",
        {
            "form": form,
            "items": CannedResponse.objects.select_related(
                "team", "set_assignee", "set_team"
            ).order_by("purpose", "title"),
            "editing": item,
            "placeholders": canned.PLACEHOLDERS,
        },
        status=status,
    )


CATEGORY_HELP = {
    "mechanical": gettext_lazy(
        "Kerusakan produk atau peralatan: barang cacat, mesin, aplikasi error."
    ),
    "attitudinal": gettext_lazy("Sikap petugas: tidak ramah, tidak membantu, tidak mendengarkan."),
    "service": gettext_lazy("Proses layanan: keterlambatan, antrean, prosedur yang berbelit."),
    "unusual": gettext_lazy("Di luar kebiasaan: permintaan atau kejadian yang tidak biasa."),
}


@require_GET
@supervisor_required
def settings_categories(request: HttpRequest) -> HttpResponse:
    """The complaint categories (golongan keluhan) of the procedure, with open and total
    counts. They are fixed by the procedure (DOMAIN.md §4), not free-form."""
    counts: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in Ticket.objects.values("category").annotate(
            total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES))
        )
    }
    rows = [
        {
            "value": value,
            "label": label,
            "help": CATEGORY_HELP.get(value, _("Tiket yang belum digolongkan saat triase.")),
            "total": counts.get(value, {}).get("total", 0),
            "open": counts.get(value, {}).get("open", 0),
        }
        for value, label in Category.choices
    ]
    return render(request, "web/settings_categories.html", {"rows": rows})
