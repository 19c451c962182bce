"""@mentions in the composer: the suggestions (``notifications.js`` asks as the agent types
after an ``@``) and the warning when a note mentions a colleague who may not see the ticket
(``tickets/mentions.py`` resolves them; ``tickets/notify.py`` notifies the others)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound
from sigap.tickets import mentions
from sigap.tickets.access import access_ticket
from sigap.tickets.models import Ticket


@require_GET
@staff_required
def ticket_mentions(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """``{"users": [{"username", "name", "role"}]}``: staff who may see the ticket whose
    name or username contains ``q``. A ticket the user may not see is a 404."""
    user = cast(User, request.user)
    try:
        ticket = access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    found = mentions.mentionable(ticket, request.GET.get("q", "")[:60])
    return JsonResponse(
        {
            "users": [
                {
                    "username": u.username,
                    "name": u.get_full_name() or u.username,
                    "role": u.get_role_display(),
                }
                for u in found
            ]
        }
    )


def warn_unseen(request: HttpRequest, ticket: Ticket, body: str) -> None:
    """After a note is saved: say who was mentioned but not told (they may not see the
    ticket) and which names matched nobody (the API answers the same words)."""
    for warning in mentions.warnings(mentions.find(ticket, body)):
        flash.warning(request, warning.message)
