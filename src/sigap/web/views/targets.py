"""Two tables of numbers: the reports' metric targets (``/settings/targets/``, the
business's for admins, a team's for admins and its supervisor; rules in
``metrics.targets``) and the priority matrix (``/settings/priority/``, global, admins;
rules in ``triage.priority``)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sigap.accounts import access
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import Team, User
from sigap.core.errors import ValidationFailed
from sigap.customers.models import CustomerKind, LoyaltyTier
from sigap.metrics import targets
from sigap.metrics.catalog import fmt
from sigap.tickets.models import Severity
from sigap.triage import priority

UNITS = {
    "%": "%",
    "menit": gettext_lazy("menit"),
    "jam": gettext_lazy("jam"),
    "skor": gettext_lazy("skor"),
    "tiket": gettext_lazy("tiket"),
}


@require_http_methods(["GET", "POST"])
@settings_required
def settings_targets(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    """The business's targets (``/settings/targets/``, admins; a supervisor sees only the
    list of their teams there) or one team's (``…/team/<id>/``, admins and the team's
    supervisor), which override the business's for that team's figures."""
    actor = cast(User, request.user)
    team = get_object_or_404(Team, pk=team_id) if team_id is not None else None
    teams = list(
        access.settings_teams_for(actor)
        .annotate(n_targets=Count("metric_targets"))
        .order_by("name")
    )
    if team is None and not access.is_settings_admin(actor):
        if request.method == "POST":
            access.require_global_settings(actor)  # 403: the business's set is global
        return render(
            request, "web/settings_targets.html", {"rows": [], "teams": teams, "team": None}
        )
    access.require_team_settings(actor, team)
    errors: dict[str, list[str]] = {}
    message = ""
    typed = {k: f"{v:g}" for k, v in targets.overrides(team).items()}
    if request.method == "POST":
        typed = {m.key: request.POST.get(m.key, "") for m in targets.settable()}
        try:
            targets.targets_save(actor=actor, typed=typed, team=team)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
        else:
            flash.success(request, _("Target metrik disimpan."))
            return redirect(request.path)
    inherited = targets.in_force(None) if team is not None else {}
    rows = [
        {
            "key": m.key,
            "label": _(m.label),
            "unit": UNITS.get(m.unit, m.unit),
            "default": _shown(inherited[m.key] if team is not None else m.target, m.unit),
            "better": m.better,
            "typed": typed.get(m.key, ""),
            "errors": errors.get(m.key, []),
        }
        for m in targets.settable()
    ]
    return render(
        request,
        "web/settings_targets.html",
        {"rows": rows, "message": message, "team": team, "teams": teams},
        status=422 if request.method == "POST" else 200,
    )


def _shown(value: float | None, unit: str) -> str:
    return fmt(value, unit) if value is not None else "—"


@require_http_methods(["GET", "POST"])
@settings_required
def settings_priority(request: HttpRequest) -> HttpResponse:
    """The priority matrix (``/settings/priority/``, admins: it is global): complaint
    severity by loyalty tier → P1-P4, for every kind of customer, or (``?jenis=<kind>``)
    one customer kind's exceptions, an empty cell following the common matrix
    (``triage.priority``)."""
    actor = cast(User, request.user)
    access.require_global_settings(actor)
    kinds = dict(CustomerKind.choices)
    kind = request.GET.get("jenis", "")
    if kind and kind not in kinds:
        raise Http404
    cells = {k: "" if v is None else str(v) for k, v in priority.matrix_cells(kind).items()}
    common = priority.matrix_cells() if kind else {}
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        cells = {
            (s, t): request.POST.get(f"{s or 'none'}_{t}", "")
            for s in priority.SEVERITIES
            for t in LoyaltyTier.values
        }
        try:
            priority.matrix_save(actor=actor, cells=cells, kind=kind)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
        else:
            flash.success(request, _("Matriks prioritas disimpan."))
            return redirect(request.get_full_path())
    severities = dict(Severity.choices)
    rows = [
        {
            "label": severities[s],
            "cells": [
                {
                    "name": f"{s or 'none'}_{t}",
                    "value": cells.get((s, t), ""),
                    "common": common.get((s, t)),
                    "errors": errors.get(f"{s or 'none'}_{t}", []),
                    "tier": tier_label,
                }
                for t, tier_label in LoyaltyTier.choices
            ],
        }
        for s in priority.SEVERITIES
    ]
    return render(
        request,
        "web/settings_priority.html",
        {
            "rows": rows,
            "tiers": [label for _v, label in LoyaltyTier.choices],
            "message": message,
            "kind": kind,
            "kind_label": kinds.get(kind, ""),
            "kinds": list(CustomerKind.choices),
        },
        status=422 if request.method == "POST" else 200,
    )
