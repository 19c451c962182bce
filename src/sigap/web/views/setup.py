"""Supervisors' settings pages: teams, canned responses, categories."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.db import transaction
from django.db.models import Count, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts import access
from sigap.accounts.decorators import settings_required
from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_save
from sigap.core.errors import SigapError, ValidationFailed
from sigap.tickets import approval, canned, services
from sigap.tickets.models import (
    OPEN_STATUSES,
    ApprovalRule,
    CannedResponse,
    Category,
    Ticket,
)
from sigap.triage import profiles
from sigap.triage.models import TeamRouting
from sigap.web.forms import (
    ApprovalRuleForm,
    CannedForm,
    TeamForm,
)


def _team_form(data: Any, team: Team | None) -> TeamForm:
    strategy = TeamRouting.objects.filter(team=team).values_list("strategy", flat=True).first()
    form = TeamForm(
        data,
        instance=team,
        initial={"strategy": strategy or TeamRouting._meta.get_field("strategy").default},
    )
    form.fields["members"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]
        role=Role.CUSTOMER
    )
    form.fields["supervisor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
        is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]
    )
    return form


@settings_required
def settings_teams(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    """Admins make and change every team; a supervisor changes the teams they lead."""
    user = cast(User, request.user)
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    if team is not None:
        access.require_team_settings(user, team)
    elif request.method == "POST":
        access.require_global_settings(user)  # a new team
    form = _team_form(request.POST or None, team)
    rule_form = _rule_form(request, team)
    rule_ok = not rule_form.is_bound or rule_form.is_valid()  # an older form: no rule fields
    if request.method == "POST" and form.is_valid() and rule_ok:
        data = form.cleaned_data
        try:
            with transaction.atomic():
                saved = team_save(
                    actor=user,
                    team=team,
                    name=data["name"],
                    slug=data["slug"],
                    supervisor=data["supervisor"],
                    members=list(data["members"]),
                )
                if rule_form.is_bound:
                    _save_rule(user, saved, rule_form)
                if data.get("strategy"):
                    profiles.team_strategy_set(actor=user, team=saved, strategy=data["strategy"])
        except ValidationFailed as exc:
            _form_errors(rule_form, exc)
        else:
            flash.success(request, _("Tim %(name)s disimpan.") % {"name": saved.name})
            return redirect("web:settings_teams")
    status = 422 if request.method == "POST" else 200
    return _teams_page(request, form, rule_form, _rule_form(request, None, "default"), team, status)


def _teams_page(
    request: HttpRequest,
    form: TeamForm,
    rule_form: ApprovalRuleForm,
    default_form: ApprovalRuleForm,
    team: Team | None,
    status: int,
) -> HttpResponse:
    user = cast(User, request.user)
    teams = (
        access.settings_teams_for(user)
        .select_related("supervisor", "approval_rule")
        .annotate(n=Count("members"))
        .order_by("name")
    )
    default = approval.rule_for(None)
    return render(
        request,
        "web/settings_teams.html",
        {
            "form": form,
            "rule_form": rule_form,
            "default_form": default_form,
            "teams": [(t, _rule_text(t, default)) for t in teams],
            "default_rule": approval.describe(default),
            "editing": team,
            "is_admin": access.is_settings_admin(user),
        },
        status=status,
    )


# --- approval rules (tickets.approval): per team, on the team's form, and the default -----


def _rule_form(request: HttpRequest, team: Team | None, prefix: str = "rule") -> ApprovalRuleForm:
    rule = ApprovalRule.objects.filter(team=team).first() if team or prefix == "default" else None
    initial: dict[str, Any] = {"own_rule": False, "severities": ["kompleks"]}
    if rule is not None:
        initial = {
            "own_rule": True,
            "severities": rule.severities,
            "amount_threshold": rule.amount_threshold,
        }
    else:
        initial["amount_threshold"] = approval.DEFAULT_AMOUNT
    bound = (
        request.POST
        if request.method == "POST" and f"{prefix}-amount_threshold" in (request.POST)
        else None
    )
    form = ApprovalRuleForm(bound, initial=initial, prefix=prefix)
    if prefix == "default":
        form.fields["own_rule"].label = _("Ganti aturan bawaan sistem")
        form.fields["own_rule"].help_text = _(
            "Tanpa centang: kompleks, atau kompensasi Rp 250.000 ke atas."
        )
    return form


def _save_rule(actor: User, team: Team | None, rule_form: ApprovalRuleForm) -> None:
    data = rule_form.cleaned_data
    if data["own_rule"]:
        services.approval_rule_set(
            actor=actor,
            team=team,
            severities=data["severities"],
            amount_threshold=data["amount_threshold"],
        )
    else:
        services.approval_rule_clear(actor=actor, team=team)


def _form_errors(form: Form, exc: SigapError) -> None:
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _rule_text(team: Team, default: approval.Rule) -> str:
    rule = getattr(team, "approval_rule", None)
    if rule is None:
        return _("bawaan: %(rule)s") % {"rule": approval.describe(default)}
    return approval.describe(approval.Rule(frozenset(rule.severities), rule.amount_threshold, ""))


@require_POST
@settings_required
def settings_approval_default(request: HttpRequest) -> HttpResponse:
    """The default approval rule of every team without its own (admins)."""
    access.require_global_settings(cast(User, request.user))
    default_form = _rule_form(request, None, prefix="default")
    if default_form.is_valid():
        try:
            _save_rule(cast(User, request.user), None, default_form)
        except ValidationFailed as exc:
            _form_errors(default_form, exc)
        else:
            flash.success(request, _("Aturan persetujuan bawaan disimpan."))
            return redirect("web:settings_teams")
    team_form = _team_form(None, None)
    return _teams_page(request, team_form, _rule_form(request, None), default_form, None, 422)


@settings_required
def settings_canned(request: HttpRequest, canned_id: int | None = None) -> HttpResponse:
    """Admins edit every canned response; a supervisor those of the teams they lead."""
    user = cast(User, request.user)
    item = get_object_or_404(CannedResponse, pk=canned_id) if canned_id else None
    if item is not None:
        access.require_team_settings(user, item.team_id)
    before = canned.snapshot(item) if item is not None else None
    form = CannedForm(request.POST or None, instance=item)
    admin = access.is_settings_admin(user)
    if not admin:  # a supervisor's templates belong to one of their teams
        team_field: Any = form.fields["team"]
        team_field.queryset = access.settings_teams_for(user)
        team_field.required = True
    if request.method == "POST" and form.is_valid():
        saved = canned.canned_save(actor=user, item=form.save(commit=False), before=before)
        flash.success(request, _("Templat '%(title)s' disimpan.") % {"title": saved.title})
        return redirect("web:settings_canned")
    status = 422 if request.method == "POST" else 200
    mine = access.supervised_team_ids(user)
    items = CannedResponse.objects.select_related("team", "set_assignee", "set_team").order_by(
        "purpose", "title"
    )
    return render(
        request,
        "web/settings_canned.html",
        {
            "form": form,
            "items": [(c, admin or c.team_id in mine) for c in items],
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
@settings_required
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
