"""The ticket page's links card reads its own rows (``web/_ticket_links.html``), so the
page's view needs no change: one query for the links, one more when there are any."""

from __future__ import annotations

from typing import Any

from django import template

from sigap.tickets.models import Ticket
from sigap.tickets.selectors import LinkedTicket, links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_links(context: dict[str, Any], ticket: Ticket) -> list[LinkedTicket]:
    return links_for(user=context["request"].user, ticket=ticket)
