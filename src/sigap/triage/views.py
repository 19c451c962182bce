from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.triage.models import AgentStatus
from sigap.triage.routing import set_status


@require_POST
@staff_required
def agent_status(request: HttpRequest) -> HttpResponse:
    """An agent sets their own status (online, away, offline)."""
    status = request.POST.get("status", "")
    if status not in AgentStatus.values:
        flash.error(request, _("Status tidak dikenal."))
    else:
        moved = set_status(cast(User, request.user), status)
        text = _("Status: %(status)s.") % {"status": AgentStatus(status).label}
        if moved:
            text += " " + ngettext(
                "%(count)d obrolan dialihkan ke rekan.",
                "%(count)d obrolan dialihkan ke rekan.",
                len(moved),
            ) % {"count": len(moved)}
        flash.success(request, text)
    return redirect(safe_next(request, request.POST.get("next"), "/inbox/"))
