"""Two global tables of numbers (admins): the reports' metric targets
(``/settings/targets/``, rules in ``metrics.targets``) and the priority matrix
(``/settings/priority/``, rules in ``triage.priority``)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sigap.accounts import access
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import User
from sigap.core.errors import ValidationFailed
from sigap.customers.models import LoyaltyTier
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
def settings_targets(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    access.require_global_settings(actor)
    errors: dict[str, list[str]] = {}
    message = ""
    current = targets.overrides()
    typed = {k: f"{v:g}" for k, v in current.items()}
    if request.method == "POST":
        typed = {m.key: request.POST.get(m.key, "") for m in targets.settable()}
        try:
            targets.targets_save(actor=actor, typed=typed)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
        else:
            flash.success(request, _("Target metrik disimpan."))
            return redirect("web:settings_targets")
    rows = [
        {
            "key": m.key,
            "label": _(m.label),
            "unit": UNITS.get(m.unit, m.unit),
            "default": fmt(m.target, m.unit) if m.target is not None else "—",
            "better": m.better,
            "typed": typed.get(m.key, ""),
            "errors": errors.get(m.key, []),
        }
        for m in targets.settable()
    ]
    return render(
        request,
        "web/settings_targets.html",
        {"rows": rows, "message": message},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@settings_required
def settings_priority(request: HttpRequest) -> HttpResponse:
    """The priority matrix (``/settings/priority/``, admins: it is global): complaint
    severity by loyalty tier → P1-P4, for every kind of customer (``triage.priority``)."""
    actor = cast(User, request.user)
    access.require_global_settings(actor)
    cells = {k: str(v) for k, v in priority.matrix_cells().items()}
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        cells = {
            (s, t): request.POST.get(f"{s or 'none'}_{t}", "")
            for s in priority.SEVERITIES
            for t in LoyaltyTier.values
        }
        try:
            priority.matrix_save(actor=actor, cells=cells)
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
        else:
            flash.success(request, _("Matriks prioritas disimpan."))
            return redirect("web:settings_priority")
    severities = dict(Severity.choices)
    rows = [
        {
            "label": severities[s],
            "cells": [
                {
                    "name": f"{s or 'none'}_{t}",
                    "value": cells.get((s, t), ""),
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
        {"rows": rows, "tiers": [label for _v, label in LoyaltyTier.choices], "message": message},
        status=422 if request.method == "POST" else 200,
    )
