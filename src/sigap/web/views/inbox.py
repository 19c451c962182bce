"""The inbox: saved views, filters, keyset pages, bulk actions with undo; the home redirect."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from html import escape
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escapejs
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts import brands, directory
from sigap.accounts.decorators import staff_required
from sigap.accounts.http import safe_next
from sigap.accounts.models import User
from sigap.core.errors import SigapError
from sigap.core.locale import per_language
from sigap.core.refs import ticket_reference
from sigap.tickets import selectors, services
from sigap.tickets.access import visible_tickets
from sigap.tickets.models import (
    OPEN_STATUSES,
    Channel,
    Kind,
    Status,
    Ticket,
)
from sigap.tickets.search import parse_query
from sigap.web import inbox, saved_views, setup_checklist
from sigap.web.forms import (
    BulkForm,
    InboxFilterForm,
)
from sigap.web.views import saved

PAGE_SIZE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.is_supervisor_or_admin:
        if setup_checklist.still_open_for(user):
            return redirect("web:settings_setup")
        return redirect("web:supervisor_home")
    if user.is_agent_or_above:
        return redirect("web:inbox")
    return redirect("portal:home")


@require_GET
@staff_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    view_key = request.GET.get("view", inbox.default_view(user))
    if view_key not in inbox.VIEWS_BY_KEY:
        view_key = inbox.default_view(user)
    sort_key = request.GET.get("sort", inbox.DEFAULT_SORT)
    if sort_key not in inbox.SORTS_BY_KEY:
        sort_key = inbox.DEFAULT_SORT
    teams, staff = directory.teams(), directory.staff()
    # the brand is shown (a filter, on each row) only when the business has several
    brand_names = {b.id: b.name for b in brands.active()} if brands.several() else {}
    brand_choices = [(b.slug, b.name) for b in brands.active()] if brand_names else None
    # A query of only the view, the sort, the page or a saved view's id filters nothing:
    # no form is made (validating its fields cost ~0.4 ms a page, making an empty one with
    # its choices ~0.3 ms); the filter controls are drawn from the directory as for one.
    filtering = any(name in InboxFilterForm.base_fields for name in request.GET)
    form = (
        InboxFilterForm(request.GET, teams=teams, staff=staff, brands=brand_choices)
        if filtering
        else None
    )
    filters = selectors.TicketFilters()
    if form is not None and form.is_valid():
        data = form.cleaned_data
        filters = selectors.TicketFilters(
            status=data["status"],
            channel=data["channel"],
            category=data["category"],
            severity=data["severity"],
            priority=data["priority"],
            kind=data["kind"],
            team=data["team"],
            assignee=data["assignee"],
            customer=data["customer"],
            tag=[data["tag"]] if data["tag"] else [],
            q=data["q"],
            brand=data.get("brand", []),
        )
    search = None
    if filters.q.strip():
        # An exact ticket number opens that ticket, when the user may see it (typing in
        # the box as-you-type, htmx, only lists); otherwise the search lists.
        number = parse_query(filters.q).exact_number
        if (
            number is not None
            and not request.headers.get("HX-Request")
            and visible_tickets(user).filter(pk=number).exists()
        ):
            return redirect("web:ticket", number)
        search = selectors.ticket_search_for(user=user, filters=filters, tags=False)
    try:
        if search is not None:
            rows, next_cursor = inbox.segmented_page(
                [
                    inbox.apply_view(part, user, view_key).values(*ROW_FIELDS)
                    for part in search.segments
                ],
                sort_key,
                request.GET.get("cursor"),
                PAGE_SIZE,
            )
        else:
            qs = selectors.ticket_list_for(user=user, filters=filters, tags=False)
            rows, next_cursor = inbox.sorted_page(
                inbox.apply_view(qs, user, view_key).values(*ROW_FIELDS),
                sort_key,
                request.GET.get("cursor"),
                PAGE_SIZE,
            )
    except SigapError as exc:
        rows, next_cursor = [], None
        flash.error(request, exc.message)
    params = request.GET.copy()
    params.pop("cursor", None)
    chosen = {name: set(request.GET.getlist(name)) for name in request.GET}
    next_url = None
    if next_cursor:
        params["cursor"] = next_cursor
        next_url = "?" + params.urlencode()
        params.pop("cursor")
    base_params = params.copy()
    base_params.pop("view", None)
    base_params.pop("saved", None)  # another built-in view is no longer the saved one
    counts = inbox.view_counts(lambda: visible_tickets(user), user)
    saved_query = saved_views.clean_query(request.GET.urlencode())
    text = _text()
    context = {
        # the views with their counts as shown: a capped count is "999+"
        "views": [
            (key, label, f"{inbox.COUNT_CAP - 1}+" if n >= inbox.COUNT_CAP else n)
            for key, label in text.views.items()
            for n in [counts[key]]
        ],
        "view": view_key,
        "counts": counts,
        "sorts": text.sorts,
        "sort": sort_key,
        "form": form,  # None: no filter asked for
        "q_value": form["q"].value() if form is not None else None,
        "filters_open": form is not None and bool(form.changed_data),
        "filter_controls": _filter_controls(
            form, chosen, {"team": teams, "assignee": staff, "brand": brand_choices or []}
        ),
        "rows_html": _rows_html(rows, brand_names),
        "next_url": next_url,
        "base_query": base_params.urlencode(),
        "page_query": params.urlencode(),
        "is_next_page": bool(request.GET.get("cursor")),
        "staff_options": _options_html(_options(staff)),
        "status_options": _options_html(text.filter_options["status"]),
        "can_undo": bool(request.session.get(UNDO_KEY)),
        # personal saved views and the filters picked by name (web/saved_views.py,
        # web/views/saved.py)
        "saved_views": saved_views.views_of(user),
        "saved_current": request.GET.get("saved", ""),
        "saved_query": saved_query,
        # the lookups with their addresses and picked names, the query they keep as JS
        "lookups": [
            (key, label, placeholder, reverse("web:inbox_lookup", args=[key]), names.get(key, []))
            for names in [saved.chosen_names(user, request.GET)]
            for key, label, placeholder in text.lookups
        ],
        "lookup_base": escapejs(saved_query),
        "search_customers": search.customers if search is not None else [],
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-rows":
        return render(request, "web/_inbox_rows.html", context)
    return render(request, "web/inbox.html", context)


# What a row of the table shows, read as values: no model instances for the ticket, its
# customer, team and assignee (25 rows by 4 models were a third of the page's CPU time;
# decision 0009). ``updated_at`` is the "updated" sort's cursor.
ROW_FIELDS = (
    "id",
    "subject",
    "channel",
    "kind",
    "status",
    "escalation_level",
    "priority",
    "resolution_due_at",
    "updated_at",
    "customer__name",
    "team__name",
    "assignee__first_name",
    "assignee__last_name",
    "brand_id",
)


def _rows_html(rows: list[dict[str, Any]], brand_names: dict[int, str]) -> SafeString:
    """The table's rows as HTML, written here rather than in the template: Django's
    template engine spends ~4 µs on each variable it prints (the lookup, localisation,
    escaping), and 25 rows print ~500 of them: 1.5 ms of the page's ~12 ms CPU, against
    0.2 ms for this loop (decision 0009). Every value that comes from a person or a
    translation goes through ``escape``. The choice labels are looked up once per page:
    ``get_FOO_display`` costs ~0.1 ms a call (it hashes the lazily translated choices
    every time); so are the month names and the time zone of the due dates. The tags in
    one plain statement. ``brand_names``: by id, when the business has several brands
    (else no brand is shown). The empty table's row stays in ``web/_inbox_rows.html``."""
    text = _text()
    status, channel, kind, months = text.status, text.channel, text.kind, text.months
    ticket_url = reverse("web:ticket", args=[0])[:-2]  # "/tickets/"
    tags = selectors.tag_names([t["id"] for t in rows])
    default_brand = brands.default_id()
    zone = timezone.get_current_timezone()
    now = timezone.now()
    out = []
    for t in rows:
        pk, due, state, priority = t["id"], t["resolution_due_at"], t["status"], t["priority"]
        reference = ticket_reference(pk)
        overdue = " overdue" if state in OPEN_STATUSES and due is not None and due < now else ""
        brand = brand_names.get(t["brand_id"] or default_brand, "") if brand_names else ""
        meta = f'<span class="brand-name">{escape(brand)}</span> · ' if brand else ""
        meta += f"{channel.get(t['channel'], '')} · {kind.get(t['kind'], '')}"
        meta += "".join(f' · <span class="tag">{escape(tag)}</span>' for tag in tags.get(pk, []))
        when = ""
        if due is not None:
            local = due.astimezone(zone)
            when = (
                f'<time datetime="{local.isoformat()}">'
                f"{local.day} {months[local.month]} {local:%H:%M}</time>"
            )
        assignee = f"{t['assignee__first_name'] or ''} {t['assignee__last_name'] or ''}".strip()
        team = f'<div class="meta">{escape(t["team__name"])}</div>' if t["team__name"] else ""
        out.append(
            f'\n<tr data-ticket="{pk}" class="prio-{priority}{overdue}">\n'
            f'  <td><input type="checkbox" name="tickets" value="{pk}"'
            f' aria-label="{text.select} {reference}"></td>\n'
            f'  <td><a class="ticket-link" href="{ticket_url}{pk}/"><span class="ref">'
            f"{reference}</span> {escape(t['subject'])}</a>\n"
            f'    <div class="meta">{meta}</div></td>\n'
            f"  <td>{escape(str(t['customer__name']))}</td>\n"
            f'  <td><span class="status status-{escape(state)}">{status.get(state, "")}</span>'
            f"{text.escalated if t['escalation_level'] else ''}</td>\n"
            f"  <td>P{priority}</td>\n"
            f"  <td>{when}</td>\n"
            f"  <td>{escape(assignee or '—')}{team}</td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(out))  # every value above is escaped


def _filter_controls(
    form: InboxFilterForm | None,
    chosen: dict[str, set[str]],
    directory: dict[str, list[tuple[Any, str]]],
) -> list[dict[str, Any]]:
    """The filter selects as plain data, their options as HTML: several times cheaper
    than rendering Django's select widgets (measured: ~40 ms a page), and than a
    template loop over ~60 options (0.7 ms). The fixed choices' labels from ``_text``;
    the teams', staff's and brands' from ``directory`` (what the form's fields get). The
    controls are the form's fields (``form``: None when no filter was asked for); the
    brand's only with several brands."""
    text = _text()
    controls: list[dict[str, Any]] = []
    for name in InboxFilterForm.base_fields:
        if name in ("q", "tag", "customer") or (name == "brand" and not directory["brand"]):
            continue
        options = text.filter_options.get(name)
        if options is None:  # the teams, the staff, the brands: from the directory
            options = _options(directory[name])
        controls.append(
            {
                "name": name,
                "label": text.filter_labels[name],
                "options": _options_html(options, chosen.get(name, set())),
                "errors": form.errors.get(name, []) if form is not None else [],
            }
        )
    return controls


def _options(choices: Iterable[tuple[Any, Any]]) -> list[tuple[str, str, str]]:
    """(value, label) pairs as (value, value escaped, label escaped), escaped as the
    template escapes what it prints (a safe label as it is)."""
    return [(str(value), _escaped(value), _escaped(label)) for value, label in choices]


def _options_html(options: list[tuple[str, str, str]], picked: Collection[str] = ()) -> SafeString:
    """``<option>`` elements for ``_options``' triples, those whose value is in ``picked``
    selected."""
    return mark_safe(  # every value and label is escaped (_options)
        "".join(
            f'<option value="{value}"{" selected" if raw in picked else ""}>{label}</option>'
            for raw, value, label in options
        )
    )


def _escaped(value: Any) -> str:
    """What ``{{ value }}`` prints of a string, a number or a lazy translation."""
    return str(value.__html__()) if hasattr(value, "__html__") else escape(str(value))


@dataclass(frozen=True)
class _Text:
    """The inbox's fixed words in one language: a lazily translated string costs ~4 µs
    each time it becomes text, and a page turned ~100 of them into text (the choices'
    labels, the month names, the views, the sorts and the filters). Made once per process
    and language (``_text``: ``core.locale.per_language``). Escaped where Python writes
    the HTML; plain where a template prints them."""

    status: dict[str, str]
    channel: dict[str, str]
    kind: dict[str, str]
    months: list[str]  # by month number, 1-12 ("" at 0)
    select: str
    escalated: str  # the badge, HTML
    views: dict[str, str]
    sorts: list[tuple[str, str]]
    lookups: list[tuple[str, str, str]]
    filter_labels: dict[str, str]
    filter_options: dict[str, list[tuple[str, str, str]]]  # the fixed choices' options

    @classmethod
    def build(cls) -> _Text:
        fields = InboxFilterForm.base_fields
        return cls(
            status={k: escape(str(v)) for k, v in Status.choices},
            channel={k: escape(str(v)) for k, v in Channel.choices},
            kind={k: escape(str(v)) for k, v in Kind.choices},
            months=["", *(escape(str(MONTHS_3[m]).title()) for m in range(1, 13))],
            select=escape(_("Pilih")),
            escalated=f' <span class="badge escalated">{escape(_("Dieskalasi"))}</span>',
            views={v.key: str(v.label) for v in inbox.VIEWS},
            sorts=[(s.key, str(s.label)) for s in inbox.SORTS],
            lookups=[(k, str(label), str(hint)) for k, label, hint in saved.LOOKUPS],
            filter_labels={name: str(f.label) for name, f in fields.items()},
            filter_options={
                name: _options(f.choices)
                for name, f in fields.items()
                if hasattr(f, "choices") and name not in InboxFilterForm.DIRECTORY_FIELDS
            },
        )


_text = per_language(_Text.build)  # _Text in the active language


@require_POST
@staff_required
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk assign / status / tag. The first POST asks for confirmation; the second acts.
    Each ticket's timeline records the change (from → to), so it can be undone by hand."""
    user = cast(User, request.user)
    ids = [int(i) for i in request.POST.getlist("tickets") if i.isdigit()][:100]
    form = BulkForm(request.POST, ticket_ids=ids)
    back = safe_next(request, request.POST.get("next"), reverse("web:inbox"))
    if not ids or not form.is_valid():
        flash.error(request, _("Pilih tiket dan tindakan terlebih dahulu."))
        return redirect(back)
    data = form.cleaned_data
    tickets = list(visible_tickets(user).filter(pk__in=ids).order_by("-pk"))
    if not data["confirmed"]:
        return render(
            request,
            "web/bulk_confirm.html",
            {"form": form, "tickets": tickets, "data": data, "back": back},
        )
    done, failed = 0, []
    undo: list[dict[str, Any]] = []
    for ticket in tickets:
        try:
            before = _bulk_one(user, ticket, data)
            if before is not None:
                undo.append(before)
            done += 1
        except SigapError as exc:
            failed.append(f"{ticket.reference}: {exc.message}")
    if done:
        flash.success(
            request,
            ngettext("%(n)s tiket diperbarui.", "%(n)s tiket diperbarui.", done) % {"n": done},
        )
    if undo:
        request.session[UNDO_KEY] = undo
    for line in failed:
        flash.error(request, line)
    return redirect(back)


UNDO_KEY = "sigap_bulk_undo"


@require_POST
@staff_required
def inbox_bulk_undo(request: HttpRequest) -> HttpResponse:
    """Put back what the last bulk action changed; the timeline records this too."""
    user = cast(User, request.user)
    undo: list[dict[str, Any]] = request.session.pop(UNDO_KEY, [])
    tickets = {t.pk: t for t in visible_tickets(user).filter(pk__in=[u["id"] for u in undo])}
    restored = 0
    for entry in undo:
        ticket = tickets.get(entry["id"])
        if ticket is None:
            continue
        try:
            if entry["field"] == "assignee":
                old = User.objects.filter(pk=entry["old"]).first() if entry["old"] else None
                changes: dict[str, Any] = {"assignee": old}
            else:
                changes = {"tags": entry["old"]}
            services.ticket_update(
                actor=user,
                ticket=ticket,
                version=ticket.version,
                changes=changes,
                reason=gettext_noop("Mengurungkan tindakan massal."),
            )
            restored += 1
        except SigapError as exc:
            flash.error(request, f"{ticket.reference}: {exc.message}")
    flash.success(
        request,
        ngettext(
            "%(n)s tiket dikembalikan seperti semula.",
            "%(n)s tiket dikembalikan seperti semula.",
            restored,
        )
        % {"n": restored},
    )
    return redirect(safe_next(request, request.POST.get("next"), reverse("web:inbox")))


def _bulk_one(user: User, ticket: Ticket, data: dict[str, Any]) -> dict[str, Any] | None:
    """Apply one bulk change; returns what undoing it needs (status changes are undone by
    hand: the procedure decides which way a status may go)."""
    reason = data.get("reason") or gettext_noop("Tindakan massal dari kotak masuk.")
    if data["action"] == "assign":
        before: dict[str, Any] | None = {
            "id": ticket.pk,
            "field": "assignee",
            "old": ticket.assignee_id,
        }
        assignee = User.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        services.ticket_update(
            actor=user,
            ticket=ticket,
            version=ticket.version,
            changes={"assignee": assignee},
            reason=reason,
        )
        return before
    if data["action"] == "status":
        services.ticket_transition(actor=user, ticket=ticket, to=data["status"], reason=reason)
        return None
    names = list(ticket.tags.values_list("name", flat=True))
    if data["tag"] and data["tag"] not in names:
        services.ticket_update(
            actor=user,
            ticket=ticket,
            version=ticket.version,
            changes={"tags": [*names, data["tag"]]},
            reason=reason,
        )
        return {"id": ticket.pk, "field": "tags", "old": names}
    return None


def inbox_url(**params: str) -> str:
    return reverse("web:inbox") + ("?" + urlencode(params) if params else "")
