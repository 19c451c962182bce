"""The automation rules' settings: the list (order, on/off), the builder and its dry run.

Who may do what is the services' rule (``automations.access``): admins every rule,
supervisors the rules of their own teams (403 on another's), agents nothing.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import Role, Team, User
from sigap.automations import access, engine, services
from sigap.automations.models import Rule, Trigger
from sigap.core.errors import NotFound, PermissionDenied, SigapError, ValidationFailed
from sigap.web.builders import AutomationForm, action_forms, automation_initial


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "web/forbidden.html", {"message": message}, status=403)


def _rule_or_error(request: HttpRequest, rule_id: int) -> Rule | HttpResponse:
    try:
        return services.access_rule(cast(User, request.user), rule_id)
    except NotFound as exc:
        return render(request, "web/forbidden.html", {"message": exc.message}, status=404)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)


def _visible(user: User) -> list[Rule]:
    rules = list(Rule.objects.order_by("trigger", "position", "id"))
    if user.role == Role.ADMIN:
        return rules
    own = access.supervised_team_ids(user)
    return [
        r
        for r in rules
        if (teams := access.rule_teams(r.conditions or {}, r.actions or [])) and teams <= own
    ]


@supervisor_required
def settings_automations(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    labels = dict(Trigger.choices)
    team_names = dict(Team.objects.values_list("pk", "name"))
    groups: dict[str, list[dict[str, Any]]] = {}
    for rule in _visible(user):
        teams = access.rule_teams(rule.conditions or {}, rule.actions or [])
        groups.setdefault(str(labels.get(rule.trigger, rule.trigger)), []).append(
            {
                "rule": rule,
                "teams": ", ".join(sorted(team_names.get(t, "?") for t in teams)),
                "actions": ", ".join(
                    services.action_label(str(a.get("type"))) for a in rule.actions or []
                ),
            }
        )
    return render(request, "web/settings_automations.html", {"groups": groups})


def _apply_errors(form: AutomationForm, actions: Any, rows: list[int], exc: SigapError) -> None:
    for key, errors in exc.fields.items():
        for error in errors:
            if key.startswith("actions.") and key[8:].isdigit() and int(key[8:]) < len(rows):
                actions.forms[rows[int(key[8:])]].add_error(None, error)
            elif key in form.fields:
                form.add_error(key, error)
            else:
                form.add_error(None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@supervisor_required
def settings_automation(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    """The builder: a new rule, or the one with ``rule_id``; "Uji coba" checks the rule as
    filled in and lists the recent tickets it would have matched, saving nothing."""
    user = cast(User, request.user)
    rule: Rule | None = None
    if rule_id is not None:
        found = _rule_or_error(request, rule_id)
        if isinstance(found, HttpResponse):
            return found
        rule = found
    if request.method != "POST":
        form = AutomationForm(
            user=user, initial=automation_initial(rule) if rule else {"active": True}
        )
        return _page(request, form, action_forms(user, rule=rule), rule, None, 200)
    form = AutomationForm(request.POST, user=user)
    actions = action_forms(user, request.POST)
    if not (form.is_valid() and actions.is_valid()):
        return _page(request, form, actions, rule, None, 422)
    rows = [n for n, f in enumerate(actions.forms) if f.action() is not None]
    fields = {
        "name": form.cleaned_data["name"],
        "trigger": form.cleaned_data["trigger"],
        "conditions": form.conditions(),
        "actions": [actions.forms[n].action() for n in rows],
    }
    try:
        if "dry_run" in request.POST:
            _name, conditions, _checked = services.check_rule(**fields)
            same_place = rule is not None and rule.trigger == fields["trigger"]
            place = (rule.position, rule.pk) if rule is not None and same_place else None
            result = engine.dry_run(fields["trigger"], conditions, place=place)
            return _page(request, form, actions, rule, result, 200)
        flags = {
            "stop_after": form.cleaned_data["stop_after"],
            "active": form.cleaned_data["active"],
        }
        if rule is None:
            saved = services.rule_create(actor=user, **fields, **flags)
        else:
            saved = services.rule_update(actor=user, rule=rule, **fields, **flags)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    except ValidationFailed as exc:
        _apply_errors(form, actions, rows, exc)
        return _page(request, form, actions, rule, None, 422)
    flash.success(request, _("Aturan “%(name)s” disimpan.") % {"name": saved.name})
    return redirect("web:settings_automations")


def _page(
    request: HttpRequest,
    form: AutomationForm,
    actions: Any,
    rule: Rule | None,
    dry: engine.DryRun | None,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "web/settings_automation.html",
        {"form": form, "actions": actions, "rule": rule, "dry": dry},
        status=status,
    )


@require_POST
@supervisor_required
def settings_automation_change(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch on or off (``active``=1/0), move up or down (``move``), or delete."""
    user = cast(User, request.user)
    found = _rule_or_error(request, rule_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        if "delete" in request.POST:
            services.rule_delete(actor=user, rule=found)
            flash.success(request, _("Aturan “%(name)s” dihapus.") % {"name": found.name})
        elif "move" in request.POST:
            services.rule_move(actor=user, rule=found, up=request.POST["move"] == "up")
        elif "active" in request.POST:
            services.rule_set_active(actor=user, rule=found, active=request.POST["active"] == "1")
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    return redirect("web:settings_automations")
