"""The routing rules' settings: the list (order, on/off), the builder and its dry run.
Admins see and change every rule; supervisors the rules into their own teams (403 on
another's); agents nothing."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import Role, User
from sigap.automations.engine import DryRun
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.triage import routing, services
from sigap.triage.models import RoutingRule
from sigap.web.builders import RoutingRuleForm, routing_initial
from sigap.web.views.automations import forbidden


def _rule_or_error(request: HttpRequest, rule_id: int) -> RoutingRule | HttpResponse:
    try:
        return services.access_routing_rule(cast(User, request.user), rule_id)
    except NotFound as exc:
        return render(request, "web/forbidden.html", {"message": exc.message}, status=404)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)


@supervisor_required
def settings_routing(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    rules = RoutingRule.objects.select_related("team").order_by("position", "id")
    if user.role != Role.ADMIN:
        rules = rules.filter(team__supervisor_id=user.pk)
    return render(request, "web/settings_routing.html", {"rules": rules})


@supervisor_required
def settings_routing_rule(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = cast(User, request.user)
    rule: RoutingRule | None = None
    if rule_id is not None:
        found = _rule_or_error(request, rule_id)
        if isinstance(found, HttpResponse):
            return found
        rule = found
    if request.method != "POST":
        initial = routing_initial(rule) if rule else {"active": True}
        return _page(request, RoutingRuleForm(user=user, initial=initial), rule, None, 200)
    form = RoutingRuleForm(request.POST, user=user)
    if not form.is_valid():
        return _page(request, form, rule, None, 422)
    fields = form.rule_fields()
    try:
        if "dry_run" in request.POST:
            candidate = services.build(fields)
            if rule is not None:  # judged in its place in the order
                candidate.pk, candidate.position = rule.pk, rule.position
            looked_at, matched, taken = routing.dry_run(candidate)
            return _page(request, form, rule, DryRun(looked_at, matched, (), taken), 200)
        if rule is None:
            saved = services.routing_rule_create(actor=user, fields=fields)
        else:
            saved = services.routing_rule_update(actor=user, rule=rule, fields=fields)
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    except ValidationFailed as exc:
        for key, errors in exc.fields.items():
            for error in errors:
                form.add_error(key if key in form.fields else None, error)
        return _page(request, form, rule, None, 422)
    flash.success(request, _("Aturan “%(name)s” disimpan.") % {"name": saved.name})
    return redirect("web:settings_routing")


def _page(
    request: HttpRequest,
    form: RoutingRuleForm,
    rule: RoutingRule | None,
    dry: DryRun | None,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "web/settings_routing_rule.html",
        {"form": form, "rule": rule, "dry": dry},
        status=status,
    )


@require_POST
@supervisor_required
def settings_routing_change(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch on or off (``active``=1/0), move up or down (``move``), or delete."""
    user = cast(User, request.user)
    found = _rule_or_error(request, rule_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        if "delete" in request.POST:
            services.routing_rule_delete(actor=user, rule=found)
            flash.success(request, _("Aturan “%(name)s” dihapus.") % {"name": found.name})
        elif "move" in request.POST:
            services.routing_rule_move(actor=user, rule=found, up=request.POST["move"] == "up")
        elif "active" in request.POST:
            services.routing_rule_set_active(
                actor=user, rule=found, active=request.POST["active"] == "1"
            )
    except PermissionDenied as exc:
        return forbidden(request, exc.message)
    return redirect("web:settings_routing")
