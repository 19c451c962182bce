"""Macros on the ticket page: a canned response that also sets the status, tags, owner or
team, in one click. The reply and each change go through the services (timed, audited on
the timeline) inside one transaction: a refused change undoes the whole macro, and the
page comes back with the precise error and the reply as it was typed."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages as flash
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.core.errors import NotFound, SigapError
from sigap.core.locale import said_in_default_language
from sigap.tickets import canned, services
from sigap.tickets.access import access_ticket, may_see
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import CannedResponse, Status, Ticket
from sigap.web.forms import ReplyForm
from sigap.web.views.ticket import _ticket_context


def _macro(ticket: Ticket, raw: str) -> CannedResponse | None:
    if not raw.isdigit():
        return None
    return (
        CannedResponse.objects.filter(pk=int(raw), active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .select_related("set_assignee", "set_team")
        .first()
    )


def apply_macro(
    user: User, ticket_id: int, macro: CannedResponse, data: dict[str, Any], request: HttpRequest
) -> list[str]:
    """Reply, then tags and owner, then team, then status; returns what was done."""
    done: list[str] = []
    # the timeline's reason, read by every agent: in the default language
    reason = said_in_default_language(gettext_lazy("Makro “%(title)s”."), title=macro.title)
    with transaction.atomic():
        ticket = access_ticket(user, ticket_id)
        body = data["body"].strip() or canned.fill(
            macro.body, canned.placeholder_values(ticket, user)
        )
        services.message_add(
            actor=user,
            ticket=ticket,
            kind=data["kind"],
            body=body,
            uploads=uploads_from(request),
            handle_seconds=data.get("handle_seconds"),
        )
        done.append(_("catatan disimpan") if data["kind"] == "note" else _("balasan terkirim"))
        changes: dict[str, Any] = {}
        ticket = access_ticket(user, ticket_id)
        if macro.tags_to_add:
            names = list(ticket.tags.values_list("name", flat=True))
            added = [t for t in macro.tags_to_add if t.lower() not in names]
            if added:
                changes["tags"] = [*names, *added]
                done.append(_("label ditambah: %(tags)s") % {"tags": ", ".join(added)})
        if macro.set_assignee is not None and macro.set_assignee_id != ticket.assignee_id:
            changes["assignee"] = macro.set_assignee
            done.append(_("penanggung jawab: %(name)s") % {"name": macro.set_assignee.display_name})
        if changes:
            services.ticket_update(
                actor=user, ticket=ticket, version=ticket.version, changes=changes, reason=reason
            )
        if macro.set_team is not None and macro.set_team_id != ticket.team_id:
            ticket = access_ticket(user, ticket_id)
            services.ticket_transfer(actor=user, ticket=ticket, team=macro.set_team, reason=reason)
            done.append(_("dialihkan ke tim %(team)s") % {"team": macro.set_team.name})
        if macro.set_status:
            ticket = Ticket.objects.get(pk=ticket_id)  # may be another team's now
            if macro.set_status != ticket.status:
                if macro.set_status == Status.RESOLVED:
                    services.ticket_resolve(actor=user, ticket=ticket, reason=reason)
                else:
                    services.ticket_transition(
                        actor=user, ticket=ticket, to=macro.set_status, reason=reason
                    )
                done.append(_("status: %(status)s") % {"status": Status(macro.set_status).label})
    return done


@require_POST
@staff_required
def ticket_macro(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = cast(User, request.user)
    form = ReplyForm(request.POST, request.FILES, auto_id="reply-%s")
    form.fields["body"].required = False  # empty: the macro's own text
    try:
        ticket = access_ticket(user, ticket_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    macro = _macro(ticket, request.POST.get("macro", ""))
    status = 422
    if macro is None:
        form.is_valid()
        form.add_error(None, _("Pilih makro yang akan diterapkan."))
    elif form.is_valid():
        try:
            done = apply_macro(user, ticket_id, macro, form.cleaned_data, request)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except SigapError as exc:
            status = exc.http_status
            form.add_error(
                None,
                _("Makro “%(title)s” tidak diterapkan, tidak ada yang berubah: %(error)s")
                % {"title": macro.title, "error": exc.message},
            )
        else:
            flash.success(
                request,
                _("Makro “%(title)s” diterapkan: %(done)s.")
                % {"title": macro.title, "done": "; ".join(done)},
            )
            if not may_see(user, Ticket.objects.select_related("customer").get(pk=ticket_id)):
                return redirect("web:inbox")  # transferred out of the user's sight
            return HttpResponseRedirect(reverse("web:ticket", args=[ticket_id]) + "#reply")
    context = _ticket_context(request, ticket_id, bound={"reply": form})
    context["open_form"] = "reply"
    context["chosen_macro"] = macro.pk if macro else None
    return render(request, "web/ticket.html", context, status=status)
