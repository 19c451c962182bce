"""Reads. Lists start from what the user may see (``access.visible_tickets``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Case,
    Field,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    prefetch_related_objects,
)
from django.db.models.base import ModelState
from django.db.models.expressions import Col
from django.db.models.signals import post_init, pre_init
from django.utils.translation import gettext, gettext_lazy

from sigap.accounts import brands
from sigap.accounts.models import STAFF_ROLES, Role, Team, User
from sigap.core import fastsql
from sigap.core.errors import NotFound
from sigap.customers.models import Customer, CustomerContact
from sigap.tickets.access import ticket_visibility_sql, visible_tickets
from sigap.tickets.models import (
    CUSTOMER_VISIBLE_PROPOSAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    EventKind,
    LinkKind,
    Message,
    MessageKind,
    Proposal,
    Tag,
    Ticket,
    TicketLink,
    TimelineEvent,
)
from sigap.tickets.search import TicketSearch, search_tickets, ticket_search


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    priority: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)
    unassigned: bool = False
    customer: int | None = None
    tag: list[str] = field(default_factory=list)
    q: str = ""
    brand: list[str] = field(default_factory=list)  # brands' slugs


def ticket_list_for(
    *, user: User, filters: TicketFilters | None = None, tags: bool = True
) -> QuerySet[Ticket]:
    """``tags=False``: without the tags' prefetch (a caller that reads them with
    ``tag_names``)."""
    f = filters or TicketFilters()
    qs = visible_tickets(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.channel:
        qs = qs.filter(channel__in=f.channel)
    if f.category:
        qs = qs.filter(category__in=f.category)
    if f.severity:
        qs = qs.filter(severity__in=f.severity)
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.kind:
        qs = qs.filter(kind__in=f.kind)
    if f.team:
        qs = qs.filter(team_id__in=f.team)
    if f.assignee:
        qs = qs.filter(assignee_id__in=f.assignee)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.customer is not None:
        qs = qs.filter(customer_id=f.customer)
    if f.brand:
        ids = brands.ids_of(f.brand)
        by_brand = Q(brand_id__in=ids)
        if brands.default_id() in ids:  # a row written without one is the default's
            by_brand |= Q(brand__isnull=True)
        qs = qs.filter(by_brand)
    for tag in f.tag:
        qs = qs.filter(tags__name=tag)
    if f.q.strip():
        qs = search_tickets(qs, f.q.strip(), include_internal=not user.is_customer)
    qs = qs.select_related("customer", "team", "assignee")
    if user.is_customer or not tags:  # a customer never sees the tags: no query for them
        return qs
    return qs.prefetch_related("tags")


def tag_names(ticket_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tag names of these tickets, by ticket and by name, in one plain statement (what
    the ``tags`` prefetch reads, without building its queryset: the API's list, the
    inbox)."""
    if not ticket_ids:
        return {}
    field = Ticket._meta.get_field("tags")
    through = Ticket.tags.through._meta.db_table
    ticket_column = field.m2m_column_name()
    sql = (
        f"SELECT x.{ticket_column}, tg.name FROM {through} x INNER JOIN {Tag._meta.db_table} "
        f"tg ON tg.id = x.{field.m2m_reverse_name()} "
        f"WHERE x.{ticket_column} IN ({', '.join(['%s'] * len(ticket_ids))}) ORDER BY tg.name"
    )
    found: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ticket_ids))
        for ticket_id, name in cursor.fetchall():
            found.setdefault(int(ticket_id), []).append(str(name))
    return found


def ticket_search_for(*, user: User, filters: TicketFilters, tags: bool = True) -> TicketSearch:
    """What the search box finds (``search.ticket_search``: the ticket with that number,
    the tickets of the customer found by phone, email or name, then the full-text hits),
    among the tickets ``user`` may see that match the other filters."""
    qs = ticket_list_for(user=user, filters=replace(filters, q=""), tags=tags)
    return ticket_search(
        qs,
        filters.q.strip(),
        include_internal=not user.is_customer,
        by_customer=not user.is_customer,
    )


def ticket_detail_for(*, user: User, ticket_id: int, tags: bool = True) -> Ticket:
    """One ticket with everything its page shows, in a constant number of queries
    (``tags=False``: a page that does not show them)."""
    qs = visible_tickets(user).filter(pk=ticket_id).select_related("customer", "team", "assignee")
    # a customer never sees the tags: no query for them
    related = (
        ["tags", "customer__contacts"] if tags and not user.is_customer else ["customer__contacts"]
    )
    ticket = qs.prefetch_related(*related).first()
    if ticket is None:
        raise NotFound(gettext("Tiket tidak ditemukan."))
    return ticket


@dataclass(frozen=True)
class TicketDetail:
    """A ticket with what its API detail shows: the customer, team and assignee on it,
    its tag names (None for a customer, who never sees them) and the customer's contacts
    as (kind, value), primary first."""

    ticket: Ticket
    tags: list[str] | None
    contacts: list[tuple[str, str]]
    # Whether the ticket has any proposal / attachment: a page skips those statements (and
    # their compiling, about 2 ms of CPU for the proposals' four users) when it has none,
    # as most tickets have.
    has_proposals: bool = True
    has_attachments: bool = True


# ``ticket_read``'s statement, per database vendor and kind of reader: its SQL and, per
# table read, the model, the fields in the order selected and each field's converters.
_Converter = Callable[[Any, Any, Any], Any]
_Part = tuple[type[Model], list[Field[Any, Any]], list[tuple[Col, list[_Converter]]]]
_read_sql: dict[tuple[str, str], tuple[str, list[_Part]]] = {}
# What each joined table contributes (None: every column, as the ORM would read it).
_READ_PARTS: list[tuple[type[Model], str, tuple[str, ...] | None]] = [
    (Ticket, "t", None),
    (Customer, "c", ("id", "name", "kind", "loyalty_tier", "preferred_language")),
    (Team, "tm", ("id", "name")),
    (User, "a", ("id", "first_name", "last_name", "username")),
]
# A row id the databases hold; a larger one is no ticket (as the ORM answers it).
_MAX_ID = 2**63 - 1


def _read_statement(who: str) -> tuple[str, list[_Part]]:
    """The SQL of ``ticket_read`` for a reader who is ``staff`` (tags read) or a
    ``customer``, with a ``{visibility}`` slot, built once per vendor."""
    key = (connection.vendor, who)
    found = _read_sql.get(key)
    if found is not None:
        return found
    quote = connection.ops.quote_name
    columns, parts = _select_parts(_READ_PARTS)
    tags = Ticket._meta.get_field("tags")
    through = Ticket.tags.through._meta.db_table
    tag_sql = (
        f"SELECT tg.{quote('name')} FROM {through} x INNER JOIN {Tag._meta.db_table} tg "
        f"ON tg.id = x.{tags.m2m_reverse_name()} WHERE x.{tags.m2m_column_name()} = t.id"
    )
    contacts = CustomerContact._meta.db_table
    order = "k.is_primary DESC, k.kind, k.id"  # the model's order
    if connection.vendor == "postgresql":
        tag_list = f"(SELECT array_agg(q.name) FROM ({tag_sql}) q)"
        contact_list = (
            f"(SELECT json_agg(json_build_array(k.kind, k.value) ORDER BY {order}) "
            f"FROM {contacts} k WHERE k.customer_id = c.id)"
        )
    else:  # SQLite: an aggregate follows the order of the rows it is given
        tag_list = f"(SELECT json_group_array(q.name) FROM ({tag_sql}) q)"
        contact_list = (
            "(SELECT json_group_array(json_array(q.kind, q.value)) FROM "
            f"(SELECT k.kind, k.value FROM {contacts} k WHERE k.customer_id = c.id "
            f"ORDER BY {order}) q)"
        )
    exists = " ".join(
        f", EXISTS (SELECT 1 FROM {model._meta.db_table} x WHERE x.ticket_id = t.id)"
        for model in (Proposal, Attachment)
    )
    sql = (
        f"SELECT {', '.join(columns)}, {tag_list if who == 'staff' else 'NULL'}, "
        f"{contact_list}{exists} FROM {Ticket._meta.db_table} t "
        f"INNER JOIN {Customer._meta.db_table} c ON c.id = t.customer_id "
        f"LEFT OUTER JOIN {Team._meta.db_table} tm ON tm.id = t.team_id "
        f"LEFT OUTER JOIN {User._meta.db_table} a ON a.id = t.assignee_id "
        "WHERE t.id = %s{visibility}"
    )
    found = _read_sql[key] = (sql, parts)
    return found


def _select_parts(
    spec: list[tuple[type[Model], str, tuple[str, ...] | None]],
) -> tuple[list[str], list[_Part]]:
    """The columns to select for each (model, alias, field names) and, per model, its
    fields in that order with each one's converters (``_instances`` reads them back)."""
    quote = connection.ops.quote_name
    parts: list[_Part] = []
    columns = []
    for model, alias, names in spec:
        fields = [
            f
            for f in model._meta.concrete_fields
            if names is None or f.name in names  # in the model's order
        ]
        converted = []
        for f in fields:
            col = Col(alias, f)
            converted.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
            columns.append(f"{alias}.{quote(str(f.column))}")
        parts.append((model, fields, converted))
    return columns, parts


def _instances(
    parts: list[_Part], rows: Sequence[Sequence[Any]], related: Sequence[Any]
) -> list[tuple[Model, int]]:
    """The first part's instance of each row of a statement selected by ``_select_parts``,
    with the other parts' instances attached as ``select_related`` attaches them, through
    the forward relations ``related`` (one per other part, in order; None for a row with
    no match there: no team, no author), and where the row's next column is.

    Each instance is what ``Model.from_db`` makes (the fields not read deferred), made
    without calling ``__init__`` when no ``pre_init``/``post_init`` receiver listens for
    its model (a list page makes a hundred instances)."""
    db = connections[DEFAULT_DB_ALIAS]
    # per part, asked once per call: its model, the attribute names of its columns, where
    # they start in the row, the columns that have converters (most have none), and
    # whether its instances can be made without __init__
    shapes = []
    start = 0
    for model, fields, converted in parts:
        convertible = [(i, c) for i, c in enumerate(converted) if c[1]]
        plain = not (pre_init.has_listeners(model) or post_init.has_listeners(model))
        shapes.append((model, [f.attname for f in fields], start, convertible, plain))
        start += len(fields)
    # the related rows set as select_related sets them, without the descriptor's checks
    # and routing (~2 µs each)
    attach = [descriptor.field.set_cached_value for descriptor in related]
    found = []
    for row in rows:
        objs: list[Model | None] = []
        for model, names, at, convertible, plain in shapes:
            values = list(row[at : at + len(names)])
            for i, (col, converters) in convertible:
                for convert in converters:
                    values[i] = convert(values[i], col, db)
            if values[0] is None:
                objs.append(None)
                continue
            if not plain:
                objs.append(model.from_db(db.alias, names, values))
                continue
            obj = model.__new__(model)
            obj.__dict__.update(zip(names, values, strict=True))
            obj._state = ModelState()
            obj._state.adding = False
            obj._state.db = db.alias
            objs.append(obj)
        main = objs[0]
        assert main is not None
        for set_related, other in zip(attach, objs[1:], strict=True):
            set_related(main, other)
        found.append((main, start))
    return found


def _tickets(parts: list[_Part], rows: Sequence[Sequence[Any]]) -> list[tuple[Ticket, int]]:
    """``_instances`` of a statement of the ticket, its customer, team and assignee."""
    related = (Ticket.customer, Ticket.team, Ticket.assignee)
    return cast(list[tuple[Ticket, int]], _instances(parts, rows, related))


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(json.loads(value) if isinstance(value, str) else value)


def ticket_read(*, user: User, ticket_id: int) -> TicketDetail:
    """``ticket_detail_for`` with the tags and the contacts, in one statement of a fixed
    shape written once (the ORM would build and compile three each time: the ticket, the
    tags, the contacts), under the same visibility (``access.ticket_visibility_sql``):
    the API's single ticket. tests/test_ticket_read.py holds it to the ORM's answer."""
    visibility = ticket_visibility_sql(user, "t", "c")
    if visibility is None or not 0 < ticket_id <= _MAX_ID:
        raise NotFound(gettext("Tiket tidak ditemukan."))
    condition, params = visibility
    sql, parts = _read_statement("customer" if user.is_customer else "staff")
    with fastsql.cursor() as cursor:
        cursor.execute(
            sql.replace("{visibility}", f" AND {condition}" if condition else ""),
            [ticket_id, *params],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(gettext("Tiket tidak ditemukan."))
    [(ticket, at)] = _tickets(parts, [row])
    tags = None if user.is_customer else sorted(_json_list(row[at]))
    contacts = [(str(kind), str(value)) for kind, value in _json_list(row[at + 1])]
    return TicketDetail(ticket, tags, contacts, bool(row[at + 2]), bool(row[at + 3]))


# ``ticket_page``'s statement: what a list row shows (``schemas.ticket_list_dict``,
# ``customer_ticket_list_dict``) and nothing else, per vendor and kind of reader.
_PAGE_PARTS: list[tuple[type[Model], str, tuple[str, ...] | None]] = [
    (
        Ticket,
        "t",
        (
            "id",
            "kind",
            "channel",
            "subject",
            "status",
            "category",
            "severity",
            "priority",
            "customer",
            "team",
            "assignee",
            "brand",
            "first_response_due_at",
            "resolution_due_at",
            "created_at",
            "updated_at",
            "version",
        ),
    ),
    (Customer, "c", ("id", "name")),
    (Team, "tm", ("id", "name")),
    (User, "a", ("id", "first_name", "last_name", "username")),
]
_page_sql: dict[tuple[str, str], tuple[str, list[_Part]]] = {}
# The filters ``ticket_page`` writes as SQL: (field, column). The others (a tag, a search)
# go through the ORM (``ticket_list_for``, ``ticket_search_for``).
_PAGE_FILTERS = (
    ("status", "status"),
    ("channel", "channel"),
    ("category", "category"),
    ("severity", "severity"),
    ("priority", "priority"),
    ("kind", "kind"),
    ("team", "team_id"),
    ("assignee", "assignee_id"),
)


def _page_statement(who: str) -> tuple[str, list[_Part]]:
    """The SQL of ``ticket_page`` with a ``{where}`` slot (a condition on the ticket ``t``,
    and for a customer on its customer ``c``): the page's rows (joined as
    ``ticket_list_for`` joins them) in a subquery, their tag names (staff) read for those
    rows only."""
    key = (connection.vendor, who)
    found = _page_sql.get(key)
    if found is not None:
        return found
    columns, parts = _select_parts(_PAGE_PARTS)
    names = [f"p.c{i}" for i in range(len(columns))]
    tags = Ticket._meta.get_field("tags")
    through = Ticket.tags.through._meta.db_table
    tag_sql = (
        f"SELECT tg.name FROM {through} x INNER JOIN {Tag._meta.db_table} tg "
        f"ON tg.id = x.{tags.m2m_reverse_name()} WHERE x.{tags.m2m_column_name()} = p.c0"
    )
    if who != "staff":
        tag_list = "NULL"
    elif connection.vendor == "postgresql":
        tag_list = f"(SELECT array_agg(q.name) FROM ({tag_sql}) q)"
    else:
        tag_list = f"(SELECT json_group_array(q.name) FROM ({tag_sql}) q)"
    selected = ", ".join(f"{column} AS c{i}" for i, column in enumerate(columns))
    joins = (
        f"INNER JOIN {Customer._meta.db_table} c ON c.id = t.customer_id "
        f"LEFT OUTER JOIN {Team._meta.db_table} tm ON tm.id = t.team_id "
        f"LEFT OUTER JOIN {User._meta.db_table} a ON a.id = t.assignee_id"
    )
    if who == "staff":
        # Staff's conditions are on the ticket alone: its rows are found and limited by
        # themselves, then joined. PostgreSQL plans the ticket's scan without the joins'
        # orders to weigh, a third less planning (0.53 → 0.35 ms a list at 1M tickets).
        own = ", ".join(column for column in columns if column.startswith("t."))
        rows = (
            f"(SELECT {own} FROM {Ticket._meta.db_table} t WHERE {{where}} "
            f"ORDER BY t.id DESC LIMIT %s) t {joins}"
        )
    else:  # a customer's visibility is a condition on the customer joined
        rows = f"{Ticket._meta.db_table} t {joins} WHERE {{where}} ORDER BY t.id DESC LIMIT %s"
    sql = (
        f"SELECT {', '.join(names)}, {tag_list} "
        f"FROM (SELECT {selected} FROM {rows}) p ORDER BY p.c0 DESC"
    )
    found = _page_sql[key] = (sql, parts)
    return found


def page_by_statement(filters: TicketFilters) -> bool:
    """Whether ``ticket_page`` can answer these filters (no tag, no search)."""
    return not filters.tag and not filters.q.strip()


def ticket_page(
    *, user: User, filters: TicketFilters, before: int | None, limit: int
) -> list[tuple[Ticket, list[str] | None]]:
    """``ticket_list_for(tags=False)`` ordered newest first, ``limit`` rows below id
    ``before`` (a keyset page: ``pagination.page``), each with its tag names (None for a
    customer, who never sees them), as one statement of a fixed shape: the API's list
    without a search. The tickets hold only what a list row shows (the other fields are
    deferred). tests/test_ticket_page.py holds it to the ORM's answer."""
    if not page_by_statement(filters):
        raise ValueError("a tag or a search: ticket_list_for / ticket_search_for")
    visibility = ticket_visibility_sql(user, "t", "c")
    if visibility is None:
        return []
    condition, params = visibility
    where = [condition] if condition else []
    for name, column in _PAGE_FILTERS:
        values = getattr(filters, name)
        if values:
            where.append(f"t.{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    if filters.unassigned:
        where.append("t.assignee_id IS NULL")
    if filters.brand:
        ids = brands.ids_of(filters.brand)
        by_brand = f"t.brand_id IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 0"
        if brands.default_id() in ids:  # a row written without one is the default's
            by_brand = f"({by_brand} OR t.brand_id IS NULL)"
        where.append(by_brand)
        params.extend(ids)
    if filters.customer is not None:
        where.append("t.customer_id = %s")
        params.append(filters.customer)
    if before is not None and before <= _MAX_ID:  # above it: every id is below it
        if before < -_MAX_ID:
            return []
        where.append("t.id < %s")
        params.append(before)
    sql, parts = _page_statement("customer" if user.is_customer else "staff")
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{where}", " AND ".join(where) or "1 = 1"), [*params, limit])
        rows = cursor.fetchall()
    return [
        (ticket, None if user.is_customer else _json_list(row[at]))
        for row, (ticket, at) in zip(rows, _tickets(parts, rows), strict=True)
    ]


_NO_ATTACHMENTS = Attachment.objects.none()  # a prefetch of it reads nothing


def messages_for(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    qs = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if user.is_customer:
        qs = qs.exclude(kind=MessageKind.NOTE)
    return qs.order_by("created_at", "id")


@cache
def _messages_statement(vendor: str, customer: bool) -> tuple[str, list[_Part]]:
    """``messages_read``'s SQL and parts, built once per vendor and kind of reader."""
    quote = connection.ops.quote_name
    columns, parts = _select_parts([(Message, "m", None), (User, "a", None)])
    hidden = f" AND m.{quote('kind')} <> %s" if customer else ""
    sql = (
        f"SELECT {', '.join(columns)} FROM {Message._meta.db_table} m "
        f"LEFT OUTER JOIN {User._meta.db_table} a ON a.id = m.author_id "
        f"WHERE m.ticket_id = %s{hidden} ORDER BY m.created_at, m.id"
    )
    return sql, parts


def messages_read(*, user: User, ticket: Ticket, attachments: bool = True) -> list[Message]:
    """``messages_for``'s messages with their authors in one statement of a fixed shape,
    written once per vendor (the ORM builds and compiles the message and user join each
    time, about a millisecond of the ticket page's CPU); their attachments as
    ``messages_for`` reads them. tests/test_ticket_read.py holds it to the ORM's answer."""
    sql, parts = _messages_statement(connection.vendor, user.is_customer)
    with fastsql.cursor() as cursor:
        cursor.execute(sql, [ticket.pk, MessageKind.NOTE] if user.is_customer else [ticket.pk])
        rows = cursor.fetchall()
    messages = [cast(Message, m) for m, _at in _instances(parts, rows, (Message.author,))]
    for message in messages:
        message.ticket = ticket
    queryset = Attachment.objects.order_by("id") if attachments else _NO_ATTACHMENTS
    prefetch_related_objects(messages, Prefetch("attachments", queryset=queryset))
    return messages


def proposals_for(*, user: User, ticket: Ticket) -> QuerySet[Proposal]:
    qs = ticket.proposals.select_related(
        "created_by", "approved_by", "reviewed_by", "compensation_recorded_by"
    )
    if user.is_customer:
        qs = qs.filter(status__in=CUSTOMER_VISIBLE_PROPOSAL_STATUSES)
    return qs.order_by("id")


def timeline_for(*, user: User, ticket: Ticket) -> QuerySet[TimelineEvent]:
    """The kronologi: every event in order; customers see only the public ones."""
    qs = ticket.events.select_related("actor")
    if user.is_customer:
        qs = qs.filter(public=True)
    return qs.order_by("created_at", "id")


# The ticket page draws the newest events of the timeline; older ones load on request.
TIMELINE_PAGE = 40


@dataclass(frozen=True)
class TimelinePage:
    """The newest ``TIMELINE_PAGE`` events (before ``before``), oldest first; ``earlier``:
    the id of the first of them when there are older ones (the cursor of the next page),
    else None; ``apologised``: whether the ticket's timeline holds an apology at all."""

    events: Sequence[TimelineEvent]
    earlier: int | None
    apologised: bool


@cache
def _timeline_statement(vendor: str, customer: bool) -> tuple[str, str, list[_Part]]:
    """``timeline_page``'s SQL with a ``{before}`` slot, the cursor's condition for it and
    the parts read, built once per vendor and kind of reader."""
    events = TimelineEvent._meta.db_table
    columns, parts = _select_parts([(TimelineEvent, "e", None), (User, "a", None)])
    public = " AND {alias}.public" if customer else ""
    sql = (
        f"SELECT {', '.join(columns)}, EXISTS (SELECT 1 FROM {events} x "
        "WHERE x.ticket_id = %s AND x.kind = %s) "
        f"FROM {events} e LEFT OUTER JOIN {User._meta.db_table} a ON a.id = e.actor_id "
        f"WHERE e.ticket_id = %s{public.format(alias='e')}{{before}} "
        "ORDER BY e.created_at DESC, e.id DESC LIMIT %s"
    )
    # the events before the cursor's: none when the cursor is no event of this page's
    before = (
        f" AND EXISTS (SELECT 1 FROM {events} c WHERE c.id = %s AND c.ticket_id = %s"
        f"{public.format(alias='c')} AND (e.created_at < c.created_at "
        "OR (e.created_at = c.created_at AND e.id < c.id)))"
    )
    return sql, before, parts


def timeline_page(
    *, user: User, ticket: Ticket, before: int | None = None, size: int = TIMELINE_PAGE
) -> TimelinePage:
    """One page of the kronologi (``timeline_for``'s events and order) with their actors,
    in one statement of a fixed shape written once per vendor (the ORM's join and its
    compiling cost about as much as the rest of the page's reading). The cursor
    (``before``) and whether there was an apology at all are subqueries (the apology's
    does not depend on the row: the database evaluates it once).
    tests/test_ticket_read.py holds it to the ORM's answer."""
    sql, cursor_sql, parts = _timeline_statement(connection.vendor, user.is_customer)
    params: list[Any] = [ticket.pk, EventKind.APOLOGY.value, ticket.pk]
    if before is not None:
        params += [before if 0 < before <= _MAX_ID else 0, ticket.pk]
    params.append(size + 1)
    with fastsql.cursor() as cursor:
        cursor.execute(sql.replace("{before}", cursor_sql if before is not None else ""), params)
        rows = cursor.fetchall()
    read = _instances(parts, rows[:size], (TimelineEvent.actor,))
    events = [cast(TimelineEvent, e) for e, _at in reversed(read)]
    for event in events:
        event.ticket = ticket
    apologised = bool(rows) and bool(rows[0][-1])
    return TimelinePage(events, events[0].pk if len(rows) > size else None, apologised)


# An agent's load counts up to here ("99+"): each count reads at most this many index
# entries, whatever the agent holds (at 1,000,000 tickets an agent of the benchmark holds
# about 20,000 open ones, and the full counts took most of the ticket page's time).
LOAD_CAP = 100


class _CountOf(Subquery):
    """The number of rows a (sliced) subquery returns: ``COUNT(*)`` over it, so a
    ``[:n]`` bounds the count at n."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def staff_for(ticket: Ticket) -> list[tuple[User, int | None]]:
    """The active staff (whose names the ticket's timeline shows), by name, each with their
    open tickets (their load, counted up to ``LOAD_CAP``) when they may own ``ticket`` (the
    rule of ``services._check_assignee``: an active member or the supervisor of its team,
    or an admin; anyone on the staff while it has no team), else None. One query."""
    load = Ticket.objects.filter(assignee_id=OuterRef("pk"), status__in=OPEN_STATUSES).order_by()
    open_load: Any = _CountOf(load.values("pk")[:LOAD_CAP])
    if ticket.team_id is not None:
        members = Team.members.through.objects.filter(team_id=ticket.team_id).values("user_id")
        supervisor = Team.objects.filter(pk=ticket.team_id).values("supervisor_id")
        may_own = Q(role=Role.ADMIN) | Q(pk__in=members) | Q(pk__in=supervisor)
        open_load = Case(When(may_own, then=open_load), default=None, output_field=IntegerField())
    rows = User.objects.filter(is_active=True, role__in=STAFF_ROLES).annotate(open_load=open_load)
    return [(u, u.open_load) for u in rows.order_by("first_name", "username")]


@dataclass(frozen=True)
class LinkedTicket:
    """One line of the ticket page's links card: how ``other`` relates to the ticket."""

    label: str
    other: Ticket
    kind: str
    removable: bool


_LINK_LABELS = {  # (kind, the ticket is the link's "from" side) -> label
    (LinkKind.RELATED, True): gettext_lazy("Terkait"),
    (LinkKind.RELATED, False): gettext_lazy("Terkait"),
    (LinkKind.SPLIT, True): gettext_lazy("Dipisah dari"),
    (LinkKind.SPLIT, False): gettext_lazy("Dipisah menjadi"),
    (LinkKind.MERGED, True): gettext_lazy("Digabung ke"),
    (LinkKind.MERGED, False): gettext_lazy("Gabungan dari"),
}


def links_for(*, user: User, ticket: Ticket) -> list[LinkedTicket]:
    """The tickets linked to ``ticket`` that ``user`` may see: one query for the links
    (with both tickets), one more for the visibility of the others when there are any."""
    rows = list(
        TicketLink.objects.filter(Q(from_ticket_id=ticket.pk) | Q(to_ticket_id=ticket.pk))
        .select_related("from_ticket", "to_ticket")
        .order_by("id")
    )
    if not rows:
        return []
    others = {r.to_ticket_id if r.from_ticket_id == ticket.pk else r.from_ticket_id for r in rows}
    shown = set(visible_tickets(user).filter(pk__in=others).values_list("pk", flat=True))
    out = []
    for r in rows:
        outgoing = r.from_ticket_id == ticket.pk
        other = r.to_ticket if outgoing else r.from_ticket
        if other.pk in shown:
            label = str(_LINK_LABELS[(LinkKind(r.kind), outgoing)])
            out.append(LinkedTicket(label, other, r.kind, r.kind == LinkKind.RELATED))
    return out


def merge_candidates(*, user: User, ticket: Ticket, q: str = "", limit: int = 10) -> list[Ticket]:
    """The customer's other open tickets ``user`` may work on, newest first, that
    ``ticket`` could be merged with: by reference ("SGP-000305", "305") or subject words."""
    qs = (
        visible_tickets(user)
        .filter(customer_id=ticket.customer_id, status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(pk=ticket.pk)
    )
    q = q.strip()
    if q:
        digits = q.upper().removeprefix("SGP-").lstrip("0")
        if digits.isdigit():
            qs = qs.filter(Q(pk=int(digits)) | Q(subject__icontains=q))
        else:
            qs = qs.filter(subject__icontains=q)
    return list(qs.order_by("-pk").only("id", "subject", "status", "channel", "created_at")[:limit])
