"""WhatsApp's webhook (Meta's handshake and signature, ``connectors.views.meta_hub``) and
the ticket page's form that sends an approved template outside the 24-hour window."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sigap.accounts.models import User
from sigap.connectors.views import meta_hub
from sigap.connectors.whatsapp import inbound, outbound
from sigap.core.errors import NotFound, SigapError
from sigap.tickets.access import access_ticket


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, account: int | None = None) -> HttpResponse:
    """``account``: a brand's own connection's URL (``/hooks/whatsapp/<id>/``)."""
    return meta_hub(request, "whatsapp", inbound, account)


@login_required
@require_POST
def template_send(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The form in the ticket page's window notice: send an approved template."""
    user = cast(User, request.user)
    if not user.is_agent_or_above:
        raise Http404
    try:
        ticket = access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    template_id = request.POST.get("template", "")
    params = request.POST.get("params", "").splitlines()
    try:
        outbound.template_send(
            actor=user,
            ticket=ticket,
            template_id=int(template_id) if template_id.isdigit() else 0,
            params=params,
        )
        flash.success(request, _("Templat WhatsApp dikirim."))
    except SigapError as exc:
        flash.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:ticket", args=[ticket_id]) + "#reply")
