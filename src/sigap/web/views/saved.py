"""Personal saved views of the inbox (an agent names and keeps the current filters and
sort; only they see, rename or delete them) and the filters that search as you type
(customer, agent and team by name, among what the user may see)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages as flash
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import Role, Team, User
from sigap.customers.models import Customer
from sigap.customers.selectors import customers_for
from sigap.web.inbox import my_team_ids
from sigap.web.models import SavedView
from sigap.web.saved_views import clean_query

# The filters that search as you type: (key, label, placeholder).
LOOKUPS = [
    ("customer", gettext_lazy("Pelanggan"), gettext_lazy("Ketik nama, email, atau nomor…")),
    ("agent", gettext_lazy("Cari penanggung jawab"), gettext_lazy("Ketik nama agen…")),
    ("team", gettext_lazy("Cari tim"), gettext_lazy("Ketik nama tim…")),
]
MAX_VIEWS = 50
NAME_MAX = 60
LOOKUP_LIMIT = 8


def _own(user: User, view_id: int) -> SavedView:
    """The user's own view; another's is answered exactly like a missing one."""
    view = SavedView.objects.filter(pk=view_id, owner_id=user.pk).first()
    if view is None:
        raise Http404(_("Tampilan tidak ditemukan."))
    return view


def _inbox(query: str) -> HttpResponse:
    return redirect(reverse("web:inbox") + (f"?{query}" if query else ""))


def _name_error(user: User, name: str, exclude: int | None = None) -> str | None:
    if not name:
        return _("Beri nama tampilan ini, mis. “Keluhan penting tim saya”.")
    if len(name) > NAME_MAX:
        return _("Nama tampilan paling panjang %(n)s huruf.") % {"n": NAME_MAX}
    taken = SavedView.objects.filter(owner_id=user.pk, name__iexact=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        return _("Anda sudah punya tampilan bernama “%(name)s”. Pilih nama lain.") % {"name": name}
    return None


@require_POST
@staff_required
def saved_view_create(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    name = request.POST.get("name", "").strip()
    query = clean_query(request.POST.get("query", ""))
    error = _name_error(user, name)
    if error is None and SavedView.objects.filter(owner_id=user.pk).count() >= MAX_VIEWS:
        error = _("Paling banyak %(n)s tampilan tersimpan; hapus yang tidak dipakai.") % {
            "n": MAX_VIEWS
        }
    if error is None:
        try:
            with transaction.atomic():
                view = SavedView.objects.create(owner=user, name=name, query=query)
        except IntegrityError:  # the same name saved twice at once
            error = _("Anda sudah punya tampilan bernama “%(name)s”. Pilih nama lain.") % {
                "name": name
            }
    if error is not None:
        flash.error(request, error)
        return _inbox(query)  # the filters stay as they were
    flash.success(request, _("Tampilan “%(name)s” disimpan.") % {"name": view.name})
    return _inbox(f"{query}&saved={view.pk}" if query else f"saved={view.pk}")


@require_POST
@staff_required
def saved_view_rename(request: HttpRequest, view_id: int) -> HttpResponse:
    user = cast(User, request.user)
    view = _own(user, view_id)
    name = request.POST.get("name", "").strip()
    error = _name_error(user, name, exclude=view.pk)
    if error is not None:
        flash.error(request, error)
    else:
        view.name = name
        view.save(update_fields=["name"])
        flash.success(request, _("Tampilan diganti nama menjadi “%(name)s”.") % {"name": name})
    return _inbox(f"{view.query}&saved={view.pk}" if view.query else f"saved={view.pk}")


@require_POST
@staff_required
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    user = cast(User, request.user)
    view = _own(user, view_id)
    view.delete()
    flash.success(request, _("Tampilan “%(name)s” dihapus.") % {"name": view.name})
    return _inbox(view.query)


def visible_staff(user: User) -> Q:
    """Whom a user may pick as an agent filter: supervisors and admins everyone on the
    staff; an agent the people of their own teams (members and supervisors)."""
    staff = Q(is_active=True) & ~Q(role=Role.CUSTOMER)
    if user.is_supervisor_or_admin:
        return staff
    teams = my_team_ids(user)
    return staff & (Q(pk=user.pk) | Q(teams__in=teams) | Q(supervised_teams__in=teams))


def visible_teams(user: User) -> Q:
    return Q() if user.is_supervisor_or_admin else Q(pk__in=my_team_ids(user))


@require_GET
@staff_required
def inbox_lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Names matching what was typed, as links that add the filter to the inbox's query
    (the URL keeps ids; the page shows names)."""
    user = cast(User, request.user)
    q = request.GET.get("q", "").strip()[:100]
    base = QueryDict(clean_query(request.GET.get("base", "")), mutable=True)
    base.pop(kind if kind != "agent" else "assignee", None)
    found: list[tuple[int, str, str]] = []  # id, name, detail
    if len(q) >= 2:
        if kind == "customer":
            found = [
                (c.pk, c.name, c.kind_label)  # type: ignore[attr-defined]
                for c in _customers(user, q)
            ]
        elif kind == "agent":
            found = [
                (u.pk, u.get_full_name() or u.username, u.username)
                for u in User.objects.filter(visible_staff(user))
                .filter(
                    Q(first_name__icontains=q)
                    | Q(last_name__icontains=q)
                    | Q(username__icontains=q)
                )
                .distinct()
                .order_by("first_name", "username")[:LOOKUP_LIMIT]
            ]
        elif kind == "team":
            found = [
                (t.pk, t.name, "")
                for t in Team.objects.filter(visible_teams(user))
                .filter(name__icontains=q)
                .order_by("name")[:LOOKUP_LIMIT]
            ]
        else:
            raise Http404
    param = "assignee" if kind == "agent" else kind
    results = []
    for pk, name, detail in found:
        query = base.copy()
        if param == "customer":
            query[param] = str(pk)
        else:
            query.appendlist(param, str(pk))
        results.append({"name": name, "detail": detail, "url": f"?{query.urlencode()}"})
    return render(request, "web/_lookup_results.html", {"results": results, "q": q, "kind": kind})


def _customers(user: User, q: str) -> list[Customer]:
    rows = list(customers_for(user=user, q=q).order_by("name", "pk")[:LOOKUP_LIMIT])
    for c in rows:
        primary = next(iter(c.contacts.all()), None)
        c.kind_label = primary.value if primary else ""  # type: ignore[attr-defined]
    return rows


def chosen_names(user: User, params: QueryDict) -> dict[str, list[tuple[str, str]]]:
    """The filters picked by id, by name, each with the query that removes it."""
    out: dict[str, list[tuple[str, str]]] = {}
    ids = {
        key: [int(v) for v in params.getlist(key) if v.isdigit()]
        for key in ("customer", "assignee", "team")
    }
    names: dict[str, dict[int, str]] = {"customer": {}, "assignee": {}, "team": {}}
    if ids["customer"]:
        # staff see every customer (``customers_for``); this page is for staff only
        names["customer"] = dict(
            Customer.objects.filter(pk__in=ids["customer"]).values_list("pk", "name")
        )
    if ids["assignee"]:
        names["assignee"] = {
            u.pk: u.get_full_name() or u.username
            for u in User.objects.filter(pk__in=ids["assignee"]).only(
                "id", "first_name", "last_name", "username"
            )
        }
    if ids["team"]:
        names["team"] = dict(Team.objects.filter(pk__in=ids["team"]).values_list("pk", "name"))
    for key, values in ids.items():
        for pk in values:
            rest = params.copy()
            rest.setlist(key, [v for v in params.getlist(key) if v != str(pk)])
            rest.pop("cursor", None)
            shown = "agent" if key == "assignee" else key  # the lookup's key
            out.setdefault(shown, []).append((names[key].get(pk, f"#{pk}"), rest.urlencode()))
    return out
