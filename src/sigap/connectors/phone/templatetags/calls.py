"""``{% calls_panel %}``: the call timer and call history on the ticket and customer pages.

The panel reads its own data, so the pages only include ``calls/_panel.html``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors.phone.forms import CallFinishForm, CallStartForm
from sigap.connectors.phone.models import Call
from sigap.tickets.access import visible_tickets

register = template.Library()
HISTORY = 50


@register.inclusion_tag("calls/_panel_body.html", takes_context=True)
def calls_panel(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    user: User = request.user
    ticket = context.get("ticket")
    customer = ticket.customer if ticket is not None else context.get("customer")
    if ticket is not None:
        scope = Q(ticket=ticket)
    else:  # the customer's calls on no ticket or on a ticket this user may see (as the stream)
        visible = visible_tickets(user).filter(customer=customer).values("pk")
        scope = Q(customer=customer) & (Q(ticket__isnull=True) | Q(ticket__in=visible))
    # the customer page links each call's ticket; on the ticket page it is this one
    related = ["agent", "transferred_to_team"] + ([] if ticket is not None else ["ticket"])
    calls = list(
        Call.objects.filter(scope)
        .select_related(*related)
        .order_by("-started_at", "-pk")[: context.get("calls_history", HISTORY)]
    )
    mine = Call.objects.filter(agent=user, ended_at__isnull=True, external_id="").first()
    here = mine is not None and any(c.pk == mine.pk for c in calls)
    may_wrap = user.is_supervisor_or_admin
    pending = [  # PBX calls still waiting for the agent's outcome and notes
        c
        for c in calls
        if c.external_id
        and c.outcome in ("", "no_answer")
        and (may_wrap or c.agent_id in (None, user.pk))
    ]
    start = CallStartForm(
        initial={
            "ticket": ticket.pk if ticket is not None else None,
            "customer": None if ticket is not None else getattr(customer, "pk", None),
        },
        auto_id="call-start-%s",
    )
    return {
        "csrf_token": context.get("csrf_token"),
        "calls": calls,
        "active": mine if here else None,
        "elsewhere": mine if mine is not None and not here else None,
        "pending": pending,
        "start_form": start,
        "finish_form": CallFinishForm(auto_id="call-finish-%s"),
        "server_now": timezone.now(),
        "on_ticket": ticket is not None,
    }
