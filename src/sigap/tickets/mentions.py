"""@mentions in internal notes: ``@rina.agen`` names a colleague by their username.

The composer suggests staff by name and writes their username after the ``@``
(``web/static/sigap/mentions.js``), so a mention stays unambiguous when two colleagues
share a first name. When the note is saved, its mentions are resolved to user ids
(``find``) and those who may see the ticket are notified (``tickets/notify.py``); a
colleague who may not see it is not told (a notification would leak the ticket's subject
and customer), and the agent who wrote the note is told instead: ``warnings`` words it once
for the composer (``web/views/mentions.py``) and the API's answer (``tickets/api.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sigap.accounts.models import STAFF_ROLES, Role, Team, User
from sigap.accounts.system import SYSTEM_USERNAME
from sigap.tickets.access import may_see
from sigap.tickets.models import Ticket

# "@" not inside a word or an email address, then a Django username's characters; a full
# stop or a comma that ends the sentence is not part of it.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]*[\w+-])")
SUGGESTIONS = 8


@dataclass(frozen=True)
class Mentions:
    notify: list[User] = field(default_factory=list)  # staff who may see the ticket
    cannot_see: list[User] = field(default_factory=list)  # staff who may not: not told
    unknown: list[str] = field(default_factory=list)  # no active staff by that name


@dataclass(frozen=True)
class MentionWarning:
    """A mention that told nobody: ``mention_not_visible`` (staff who may not see the
    ticket) or ``mention_unknown`` (no active staff by that username)."""

    code: str
    usernames: list[str]
    message: str


def handles(body: str) -> list[str]:
    """The usernames mentioned in ``body``, in order, each once."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).exclude(
        username=SYSTEM_USERNAME
    )


def find(ticket: Ticket, body: str) -> Mentions:
    """Resolve the mentions of ``body`` (a note on ``ticket``) to users, at most one query
    per mentioned agent besides the one for the users (none without an ``@``)."""
    names = handles(body) if "@" in body else []
    if not names:
        return Mentions()
    query = Q()
    for name in names:
        query |= Q(username__iexact=name)
    users = {u.username.lower(): u for u in staff().filter(query)}
    found = [users[n] for n in names if n in users]
    return Mentions(
        notify=[u for u in found if may_see(u, ticket)],
        cannot_see=[u for u in found if not may_see(u, ticket)],
        unknown=[n for n in names if n not in users],
    )


def warnings(found: Mentions) -> list[MentionWarning]:
    """What the author of a note should hear about its mentions that told nobody (in the
    active language); nothing when every mention reached someone."""
    out: list[MentionWarning] = []
    if found.cannot_see:
        names = ", ".join(u.get_full_name() or u.username for u in found.cannot_see)
        out.append(
            MentionWarning(
                code="mention_not_visible",
                usernames=[u.username for u in found.cannot_see],
                message=_(
                    "%(names)s tidak dapat melihat tiket ini, jadi tidak diberi tahu. "
                    "Pindahkan atau tugaskan tiket bila mereka perlu ikut menangani."
                )
                % {"names": names},
            )
        )
    if found.unknown:
        out.append(
            MentionWarning(
                code="mention_unknown",
                usernames=list(found.unknown),
                message=_("Tidak ada staf bernama %(names)s; tidak ada yang diberi tahu.")
                % {"names": ", ".join(f"@{n}" for n in found.unknown)},
            )
        )
    return out


def mentionable(ticket: Ticket, term: str = "", *, limit: int = SUGGESTIONS) -> list[User]:
    """Staff who may see ``ticket`` (``tickets.access`` rules) and whose name or username
    contains ``term``: the composer's suggestions."""
    visible = Q(role__in=(Role.ADMIN, Role.SUPERVISOR))
    if ticket.team_id is None:
        visible |= Q(role=Role.AGENT)
    else:
        members = Team.members.through.objects.filter(team_id=ticket.team_id).values("user_id")
        visible |= Q(role=Role.AGENT, pk__in=members)
    if ticket.assignee_id:
        visible |= Q(pk=ticket.assignee_id)
    users = staff().filter(visible)
    for word in term.split()[:3]:
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return list(users.order_by("first_name", "last_name", "username")[:limit])
