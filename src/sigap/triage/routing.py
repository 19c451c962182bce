"""Routing and assignment: which team a new ticket goes to (``RoutingRule``) and who in
the team takes it (``TeamRouting.strategy``), respecting each agent's status, presence and
capacity per channel. Every decision is recorded with its reason in the timeline.

Runs in the triage job right after classification, so rules can use the predicted
category. An agent going offline hands their open live chats to the others
(``set_status``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.accounts.models import Team, User
from sigap.accounts.presence import online
from sigap.accounts.system import system_user
from sigap.core import menucache
from sigap.core.locale import in_default_language
from sigap.text.indonesian import stopwords
from sigap.tickets import services
from sigap.tickets.models import OPEN_STATUSES, Ticket
from sigap.triage.models import AgentProfile, AgentStatus, RoutingRule, Strategy, TeamRouting

DEFAULT_CAPACITY = 25
ENGLISH = frozenset(
    (
        "the",
        "and",
        "is",
        "are",
        "was",
        "to",
        "of",
        "in",
        "for",
        "on",
        "my",
        "your",
        "i",
        "you",
        "it",
        "not",
        "have",
        "has",
        "with",
        "this",
        "that",
        "please",
        "order",
        "package",
        "refund",
        "help",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "would",
        "did",
        "does",
    )
)


def language_of(text: str) -> str:
    """``id`` or ``en``: which language's common words the message uses more."""
    words = [w.strip(".,!?;:()\"'").lower() for w in text.split()]
    indonesian = sum(w in stopwords() for w in words)
    english = sum(w in ENGLISH for w in words)
    return "en" if english > indonesian else "id"


def _matches(rule: RoutingRule, ticket: Ticket, language: str, at: datetime) -> bool:
    local = timezone.localtime(at)
    text = f"{ticket.subject}\n{ticket.description}".casefold()
    checks = [
        not rule.channels or ticket.channel in rule.channels,
        not rule.categories or ticket.category in rule.categories,
        not rule.keywords or any(str(k).casefold() in text for k in rule.keywords),
        not rule.tiers or ticket.customer.loyalty_tier in rule.tiers,
        not rule.customer_kinds or ticket.customer.kind in rule.customer_kinds,
        not rule.languages or language in rule.languages,
        not rule.weekdays or local.weekday() in rule.weekdays,
        rule.hour_from is None or local.hour >= rule.hour_from,
        rule.hour_to is None or local.hour < rule.hour_to,
    ]
    return all(checks)


DRY_RUN_TICKETS = 200


def dry_run(
    rule: RoutingRule, *, limit: int = DRY_RUN_TICKETS
) -> tuple[int, list[Ticket], dict[int, str]]:
    """How many of the last ``limit`` tickets were looked at, those ``rule`` (saved or not)
    would have matched, judged by ``_matches`` as ``decide`` does, at the time each ticket
    came in, and which of those an active rule above it takes first (the first match
    wins): ticket id -> that rule's name. A new rule comes last."""
    tickets = list(
        Ticket.objects.select_related("customer", "team").order_by("-created_at", "-pk")[:limit]
    )
    above = [
        r
        for r in RoutingRule.objects.filter(active=True).order_by("position", "id")
        if rule.pk is None or (r.position, r.pk) < (rule.position, rule.pk)
    ]
    matched: list[Ticket] = []
    taken: dict[int, str] = {}
    for t in tickets:
        language = language_of(f"{t.subject} {t.description}")
        if not _matches(rule, t, language, t.created_at):
            continue
        matched.append(t)
        first = next((r for r in above if _matches(r, t, language, t.created_at)), None)
        if first is not None:
            taken[t.pk] = first.name
    return len(tickets), matched, taken


@dataclass(frozen=True)
class Decision:
    team: Team | None
    assignee: User | None
    reason: str


def decide(ticket: Ticket, *, at: datetime | None = None) -> Decision:
    at = at or timezone.now()
    language = language_of(f"{ticket.subject} {ticket.description}")
    reasons = []
    team = ticket.team
    if team is None:
        for rule in RoutingRule.objects.filter(active=True).select_related("team"):
            if _matches(rule, ticket, language, at):
                team = rule.team
                reasons.append(
                    _("aturan '%(rule)s' → tim %(team)s") % {"rule": rule.name, "team": team.name}
                )
                break
    assignee = None
    if team is not None and ticket.assignee_id is None:
        assignee, why = pick_agent(team, ticket, language)
        reasons.append(why)
    return Decision(team, assignee, "; ".join(reasons))


def _load(users: list[int], channel: str) -> dict[int, tuple[int, int]]:
    """Open tickets per agent: (on this channel, in all)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=users, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"), here=Count("pk", filter=Q(channel=channel)))
    )
    return {r["assignee_id"]: (r["here"], r["n"]) for r in rows}


def pick_agent(team: Team, ticket: Ticket, language: str = "id") -> tuple[User | None, str]:
    routing, _created = TeamRouting.objects.get_or_create(team=team)
    if routing.strategy == Strategy.NONE:
        return None, _("tim %(team)s: penugasan manual") % {"team": team.name}
    members = list(team.members.filter(is_active=True).order_by("pk"))
    profiles = {p.user_id: p for p in AgentProfile.objects.filter(user__in=members)}
    present = online(m.pk for m in members)
    load = _load([m.pk for m in members], ticket.channel)

    def available(user: User) -> bool:
        profile = profiles.get(user.pk)
        if profile is not None and profile.status != AgentStatus.ONLINE:
            return False
        if user.pk not in present:
            return False
        capacity = (profile.capacity if profile else {}) or {}
        limit = int(capacity.get(ticket.channel, capacity.get("*", DEFAULT_CAPACITY)))
        return load.get(user.pk, (0, 0))[0] < limit

    candidates = [m for m in members if available(m)]
    if not candidates:
        return None, _("tim %(team)s: tidak ada agen daring yang masih punya kapasitas") % {
            "team": team.name
        }
    why = ""
    if routing.strategy == Strategy.SKILL:
        skilled = [m for m in candidates if _skilled(profiles.get(m.pk), ticket, language)]
        if skilled:
            candidates, why = skilled, _("sesuai keahlian, ")
    if routing.strategy == Strategy.ROUND_ROBIN:
        after = [
            m for m in candidates if routing.last_assigned_id and m.pk > routing.last_assigned_id
        ]
        chosen = (after or candidates)[0]
        why = _("bergiliran")
    else:
        chosen = min(candidates, key=lambda m: (load.get(m.pk, (0, 0))[1], m.pk))
        why += _("beban paling ringan (%(n)s tiket terbuka)") % {
            "n": load.get(chosen.pk, (0, 0))[1]
        }
    TeamRouting.objects.filter(pk=routing.pk).update(last_assigned=chosen)
    return chosen, _("ditugaskan ke %(who)s: %(why)s") % {"who": chosen.display_name, "why": why}


def _skilled(profile: AgentProfile | None, ticket: Ticket, language: str) -> bool:
    if profile is None:
        return False
    checks = [
        not profile.categories or ticket.category in profile.categories,
        not profile.languages or language in profile.languages,
        not profile.channels or ticket.channel in profile.channels,
    ]
    has_skill = bool(profile.categories or profile.languages or profile.channels)
    return has_skill and all(checks)


@in_default_language  # the reasons it writes on the timeline are stored
def route(ticket_id: int) -> Decision | None:
    """Route and assign a new ticket (the triage job), through the services as the
    automation user, with the reason in the timeline."""

    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "team")
            .get(pk=ticket_id)
        )
        if not ticket.is_open or (ticket.team_id and ticket.assignee_id):
            return None
        decision = decide(ticket)
        changes: dict[str, Any] = {}
        if decision.team is not None and decision.team.pk != ticket.team_id:
            changes["team"] = decision.team
        if decision.assignee is not None:
            changes["assignee"] = decision.assignee
        if changes:
            services.ticket_update(
                actor=system_user(),
                ticket=ticket,
                version=ticket.version,
                changes=changes,
                reason=_("Perutean otomatis: %(reason)s") % {"reason": decision.reason},
            )
        return decision


def forget_menu(sender: object, instance: AgentProfile, **_: object) -> None:
    """The agent's status changed: their menu's cached copy goes (``core.menucache``)."""
    menucache.forget([instance.user_id])


@in_default_language  # the reasons it writes on the timeline are stored
def set_status(user: User, status: str) -> list[int]:
    """An agent's status; going offline or away hands their open live chats to an
    available colleague in the same team (or leaves them unassigned). Returns the ids of
    the chats moved."""

    # saved one by one: its post_save drops the agent's cached menu (forget_menu)
    AgentProfile.objects.update_or_create(user=user, defaults={"status": status})
    if status == AgentStatus.ONLINE:
        return []
    moved = []
    chats = Ticket.objects.filter(assignee=user, channel="livechat", status__in=OPEN_STATUSES)
    for ticket in chats.select_related("team", "customer"):
        colleague = None
        why = _("tidak ada agen lain yang daring")
        if ticket.team is not None:
            colleague, why = pick_agent(ticket.team, ticket)
        services.ticket_update(
            actor=system_user(),
            ticket=ticket,
            version=ticket.version,
            changes={"assignee": colleague},
            reason=f"{user.display_name} {AgentStatus(status).label.lower()}: {why}",
        )
        moved.append(ticket.pk)
    return moved
