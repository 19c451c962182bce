"""Saved inbox views outside the pages: the query they keep, a user's list (cached), and
what a tag's renaming or a view's change does to them. Here rather than in
``web.views.saved`` because ``WebConfig.ready`` connects these, and importing the views
package there would load every page's code into every process (workers too)."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import npgettext

from sigap.accounts.models import User
from sigap.core import menucache
from sigap.tickets import hooks
from sigap.web.models import SavedView

# What a saved view keeps: the built-in view, the sort and the filters (never the cursor).
KEPT = (
    "view",
    "sort",
    "q",
    "status",
    "channel",
    "category",
    "severity",
    "priority",
    "kind",
    "team",
    "assignee",
    "tag",
    "customer",
)


def clean_query(raw: str) -> str:
    """The inbox query string with only the kept keys and no empty values."""
    given = QueryDict(raw)
    kept = QueryDict(mutable=True)
    for key in KEPT:
        values = [v for v in given.getlist(key) if v.strip()][:50]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()[:1000]


def tag_renamed(event: hooks.TagRenamed) -> hooks.Rewritten:
    """Saved views filtered by the old tag filter by the new one (a ticket hook, inside
    the tag's change; one read of the views that may name it, one UPDATE, their owners'
    cached lists dropped)."""
    needle = QueryDict(mutable=True)
    needle["tag"] = event.old
    changed = []
    for view in (
        SavedView.objects.select_for_update()
        .filter(query__contains=needle.urlencode())
        .only("pk", "owner_id", "query")
    ):
        given = QueryDict(view.query, mutable=True)
        tags = given.getlist("tag")
        if event.old not in tags:
            continue  # another tag that starts with the old name
        given.setlist("tag", list(dict.fromkeys(event.new if t == event.old else t for t in tags)))
        view.query = clean_query(given.urlencode())
        changed.append(view)
    if changed:
        SavedView.objects.bulk_update(changed, ["query"])
        menucache.forget(sorted({v.owner_id for v in changed}), "saved")
    n = len(changed)
    return hooks.Rewritten(
        "saved_views", npgettext("tags rewritten", "tampilan tersimpan", "tampilan tersimpan", n), n
    )


def views_of(user: User) -> list[SavedView]:
    """The user's saved views, by name: from their cache entry when the cache is shared
    (``core.menucache``, part "saved"; dropped when one is saved or deleted: ``forget``)."""
    rows: list[tuple[int, str, str]] | None = (
        menucache.get(user.pk, "saved") if menucache.enabled() else None
    )
    if rows is None:
        rows = list(SavedView.objects.filter(owner_id=user.pk).values_list("id", "name", "query"))
        if menucache.enabled():
            menucache.put(user.pk, rows, "saved")
    return [SavedView(id=pk, owner_id=user.pk, name=name, query=query) for pk, name, query in rows]


def forget(sender: object, instance: SavedView, **_: object) -> None:
    """A saved view was saved or deleted: its owner's cached list goes."""
    menucache.forget([instance.owner_id], "saved")
