"""The time rules per SLA policy: remind a waiting customer after N hours, close a resolved
ticket after N days (empty: the server's default). Admins every policy, supervisors their
own teams' policies."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sigap.accounts.decorators import supervisor_required
from sigap.accounts.models import Role, User
from sigap.core.errors import NotFound, PermissionDenied, ValidationFailed
from sigap.sla import services
from sigap.sla.models import SlaPolicy
from sigap.web.builders import TimeRulesForm
from sigap.web.views.automations import forbidden


@supervisor_required
def settings_time_rules(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    bound: tuple[int, TimeRulesForm] | None = None
    if request.method == "POST":
        try:
            policy = services.access_policy(user, int(request.POST.get("policy", "0") or 0))
        except NotFound as exc:
            return render(request, "web/forbidden.html", {"message": exc.message}, status=404)
        except PermissionDenied as exc:
            return forbidden(request, exc.message)
        form = TimeRulesForm(request.POST, prefix=f"p{policy.pk}")
        if form.is_valid():
            try:
                services.policy_time_rules_set(
                    actor=user,
                    policy=policy,
                    remind_after_hours=form.cleaned_data["remind_after_hours"],
                    auto_close_days=form.cleaned_data["auto_close_days"],
                )
            except ValidationFailed as exc:
                for key, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(key, error)
            else:
                flash.success(
                    request, _("Aturan waktu “%(name)s” disimpan.") % {"name": policy.name}
                )
                return redirect("web:settings_time_rules")
        bound = (policy.pk, form)
    policies = SlaPolicy.objects.select_related("team").order_by("position", "id")
    if user.role != Role.ADMIN:
        policies = policies.filter(team__supervisor_id=user.pk)
    rows = []
    for p in policies:
        if bound is not None and bound[0] == p.pk:
            rows.append((p, bound[1]))
            continue
        initial = {"remind_after_hours": p.remind_after_hours, "auto_close_days": p.auto_close_days}
        rows.append((p, TimeRulesForm(initial=initial, prefix=f"p{p.pk}")))
    return render(
        request,
        "web/settings_time_rules.html",
        {
            "rows": rows,
            "default_hours": settings.SIGAP_REMIND_AFTER_HOURS,
            "default_days": settings.SIGAP_AUTO_CLOSE_DAYS,
        },
        status=422 if bound is not None else 200,
    )
