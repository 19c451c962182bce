"""Incidents: one problem that touches many customers at once.

**Detection.** ``detect`` (every minute, ``tasks.incidents_detect``) reads the new tickets
of the last ``WINDOW`` and looks for a surge of similar complaints: per ticket category,
the stemmed terms of each ticket (the Indonesian pipeline, ``text.indonesian``: slang,
stop words and affixes gone, so "pembayaran gk bisa" and "gagal bayar" share ``bayar``)
are counted and compared with the usual count of that term in that category at that time
of day (the same clock hours of the past ``BASELINE_DAYS``, from the hourly counts the
detector keeps, ``SurgeTermCount``). A term that appears at least ``MIN_TICKETS`` times
and ``FACTOR`` times more often than usual surges; surging terms carried by the same
tickets form one cluster, whose tickets are kept only if their TF-IDF vector is close to
the cluster's centroid (cosine ≥ ``SIMILARITY``).
A cluster becomes a suggested incident ("possible incident: 14 tickets about 'gagal bayar
gopay' since 10:05"); the next run updates the same row (same category, shared keywords)
and never adds a second one, and a suggestion a supervisor dismissed stays quiet for
``DISMISSED_QUIET``.

**The record.** A supervisor confirms (open) or dismisses a suggestion, or opens an
incident by hand; its actions are an append-only timeline. While it is open, every new
ticket with enough of its keywords is linked to it (``on_ticket_created``, a ticket hook);
tickets are linked and unlinked by hand too. ``incident_answer`` sends one message to each
linked ticket through the ticket's reply service (each on its own channel, the placeholders
filled with each customer's name), recording each ticket's send so a rerun after a crash
sends nobody a second copy; resolving closes the linked tickets together.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sigap.accounts.models import User
from sigap.core.errors import Conflict, NotFound, PermissionDenied, SigapError, ValidationFailed
from sigap.core.locale import said_in_default_language
from sigap.relations.models import (
    ActionKind,
    Incident,
    IncidentAction,
    IncidentAnswer,
    IncidentSend,
    IncidentStatus,
    IncidentTicket,
    LinkHow,
    SendStatus,
    SurgeState,
    SurgeTermCount,
)
from sigap.surveys import services as surveys
from sigap.text import indonesian
from sigap.tickets import canned, events
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Channel, Status, Ticket
from sigap.webhooks.catalogue import emit

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=30)
BASELINE_DAYS = 7
MIN_HISTORY = timedelta(days=1)  # a young baseline counts as a day's, not a spike's
MIN_TICKETS = 8
FACTOR = 3.0
SIMILARITY = 0.2
OVERLAP = 0.5
KEYWORDS = 3
DISMISSED_QUIET = timedelta(hours=24)
COUNT_BATCH = 20_000
TERMS_CACHE = 200_000
TOTAL = "*"  # the baseline's row for all tickets of a category (with any term)
OPEN_CACHE_KEY = "sigap:incidents:open"
OPEN_CACHE_SECONDS = 60
ACTIVE = (IncidentStatus.SUGGESTED, IncidentStatus.OPEN)
# Words in every complaint that say nothing about what it is about (the pipeline's stop
# words keep negations, which triage needs).
GENERIC = frozenset(
    [
        "ada",
        "tidak",
        "belum",
        "bisa",
        "sudah",
        "mau",
        "sama",
        "jadi",
        "min",
        "kak",
        "tolong",
        "mohon",
        "saya",
        "kok",
        "gimana",
        "banget",
        "lagi",
        "terus",
        "dari",
        "tadi",
        "juga",
        "sih",
        "dong",
        "nya",
        "aja",
        "udah",
        "kenapa",
        "halo",
    ]
)


# --- terms ----------------------------------------------------------------------------------

_terms_memo: OrderedDict[tuple[int, int], frozenset[str]] = OrderedDict()


def terms(text: str) -> list[str]:
    """The stemmed content words of a text, in order (numbers, placeholders, emoji and
    words shorter than three letters dropped)."""
    out = []
    for word in indonesian.tokens(text, stem=True, drop_stopwords=True):
        if len(word) < 3 or word in GENERIC or word in indonesian.PLACEHOLDERS:
            continue
        if word.startswith("emoji_"):
            continue
        if word[0].isdigit() or len(word) > 60:
            continue
        out.append(word)
    return out


def ticket_terms(ticket_id: int, subject: str, description: str) -> frozenset[str]:
    """A ticket's terms, memoised per process (the detector reads each new ticket for as
    long as it stays in the window)."""
    key = (ticket_id, hash((subject, description)))  # an edited ticket is read again
    found = _terms_memo.get(key)
    if found is None:
        found = frozenset(terms(f"{subject}\n{description}"))
        _terms_memo[key] = found
        if len(_terms_memo) > TERMS_CACHE:
            _terms_memo.popitem(last=False)
    return found


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


# --- the baseline ---------------------------------------------------------------------------


def count_new_tickets(now: datetime, *, batch: int = COUNT_BATCH) -> int:
    """Add the tickets created since the last run to the hourly term counts. Runs under
    the state row's lock (the caller's transaction). Returns how many tickets it read."""
    state, _created = SurgeState.objects.select_for_update().get_or_create(pk=1)
    floor = now - timedelta(days=BASELINE_DAYS, hours=1)
    rows = list(
        Ticket.objects.filter(pk__gt=state.last_ticket_id, created_at__gte=floor)
        .order_by("pk")
        .values_list("pk", "category", "subject", "description", "created_at")[:batch]
    )
    if not rows:
        return 0
    counts: Counter[tuple[datetime, str, str]] = Counter()
    for pk, category, subject, description, created_at in rows:
        hour = _hour(created_at)
        found = ticket_terms(pk, subject, description)
        if found:
            counts[(hour, category, TOTAL)] += 1
        for term in found:
            counts[(hour, category, term)] += 1
    hours = {k[0] for k in counts}
    existing = {
        (row.hour, row.category, row.term): row
        for row in SurgeTermCount.objects.filter(hour__in=hours, term__in={k[2] for k in counts})
    }
    new_rows: list[SurgeTermCount] = []
    changed: list[SurgeTermCount] = []
    for key, n in counts.items():
        row = existing.get(key)
        if row is None:
            new_rows.append(SurgeTermCount(hour=key[0], category=key[1], term=key[2], count=n))
        else:
            row.count += n
            changed.append(row)
    SurgeTermCount.objects.bulk_create(new_rows, batch_size=2_000)
    SurgeTermCount.objects.bulk_update(changed, ["count"], batch_size=2_000)
    SurgeState.objects.filter(pk=1).update(last_ticket_id=rows[-1][0], ran_at=now)
    return len(rows)


def _window_hours(now: datetime) -> list[tuple[datetime, float]]:
    """The clock hours the window ``(now - WINDOW, now]`` covers, each with the share of an
    hour it takes of them (10:05 to 10:35: hour 10, 0.5; 09:50 to 10:20: 9, 1/6 and 10, 1/3)."""
    begin = now - WINDOW
    out = []
    hour = _hour(begin)
    while hour < now:
        overlap = min(hour + timedelta(hours=1), now) - max(hour, begin)
        out.append((hour, overlap / timedelta(hours=1)))
        hour += timedelta(hours=1)
    return out


def expected_counts(
    now: datetime, wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], float]:
    """The usual number of tickets per window for each (category, term), at this time of
    day: the mean, over the past ``BASELINE_DAYS`` days, of the counts in the same clock
    hours as the window (weighted by how much of each hour the window covers), so a topic
    that is always busy in the evening is usual in the evening, not a surge. Days before the
    baseline began are not counted; a baseline younger than a day (a new installation)
    falls back to its flat average over at least ``MIN_HISTORY``."""
    wanted = set(wanted)
    if not wanted:
        return {}
    end = _hour(now - WINDOW)
    start = end - timedelta(days=BASELINE_DAYS)
    first = (
        SurgeTermCount.objects.filter(hour__gte=start, hour__lt=end)
        .order_by("hour")
        .values_list("hour", flat=True)
        .first()
    )
    if first is None:
        return dict.fromkeys(wanted, 0.0)
    hours = _window_hours(now)
    days = [d for d in range(1, BASELINE_DAYS + 1) if hours[0][0] - timedelta(days=d) >= first]
    rows = SurgeTermCount.objects.filter(
        term__in={t for _c, t in wanted}, category__in={c for c, _t in wanted}
    )
    out = dict.fromkeys(wanted, 0.0)
    if not days:  # younger than a day: its flat average, as if it were a day old
        per_window = WINDOW / max(end - first, MIN_HISTORY)
        totals = (
            rows.filter(hour__gte=start, hour__lt=end)
            .values_list("category", "term")
            .annotate(total=Sum("count"))
        )
        for category, term, total in totals:
            if (category, term) in out:
                out[(category, term)] = total * per_window
        return out
    weight = {hour - timedelta(days=d): share for hour, share in hours for d in days}
    for hour, category, term, count in rows.filter(hour__in=list(weight)).values_list(
        "hour", "category", "term", "count"
    ):
        if (category, term) in out:
            out[(category, term)] += count * weight[hour] / len(days)
    return out


def _busier(window_total: int, usual_total: float, n: int, usual: float) -> float:
    """How much busier than usual the rest of the traffic is (the tickets without the term):
    at the morning peak every topic is three times its daily average, and that is no
    incident; a term whose share rises is one. Never below 1 (a quiet night does not make
    the detector touchier), and 1 while the baseline is too thin to tell."""
    rest_usual = usual_total - usual
    if rest_usual < MIN_TICKETS:
        return 1.0
    return max(1.0, (window_total - n) / rest_usual)


def surges(n: int, expected: float) -> bool:
    return n >= MIN_TICKETS and n >= FACTOR * expected + 3 * math.sqrt(expected)


# --- clustering -----------------------------------------------------------------------------


@dataclass
class WindowTicket:
    pk: int
    category: str
    created_at: datetime
    terms: frozenset[str]
    order: tuple[str, ...] = ()


@dataclass
class Cluster:
    category: str
    keywords: list[str]
    tickets: list[WindowTicket]
    expected: float

    @property
    def label(self) -> str:
        return " ".join(self.keywords)

    @property
    def since(self) -> datetime:
        return min(t.created_at for t in self.tickets)


def _cohesive(tickets: list[WindowTicket]) -> list[WindowTicket]:
    """Keep the tickets whose TF-IDF vector is close to the cluster's centroid."""
    if len(tickets) < 2:
        return tickets
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True)
    matrix = vectorizer.fit_transform([sorted(t.terms) for t in tickets])
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return []
    scores = matrix @ (centroid / norm)  # rows are L2-normalised: this is the cosine
    return [t for t, s in zip(tickets, scores, strict=True) if s >= SIMILARITY]


def _ordered_keywords(words: Sequence[str], tickets: list[WindowTicket]) -> list[str]:
    """``words`` in the order the customers write them (mean position in the text)."""
    position: dict[str, list[int]] = defaultdict(list)
    for t in tickets[:200]:
        for i, w in enumerate(t.order):
            if w in words:
                position[w].append(i)
    return sorted(words, key=lambda w: sum(position[w]) / max(len(position[w]), 1))


def find_clusters(tickets: list[WindowTicket], now: datetime) -> list[Cluster]:
    by_category: dict[str, list[WindowTicket]] = defaultdict(list)
    for t in tickets:
        by_category[t.category].append(t)
    holders: dict[tuple[str, str], list[WindowTicket]] = defaultdict(list)
    for category, group in by_category.items():
        for t in group:
            for term in t.terms:
                holders[(category, term)].append(t)
    frequent = {k: v for k, v in holders.items() if len(v) >= MIN_TICKETS}
    usual = expected_counts(now, [*frequent, *((c, TOTAL) for c in by_category)])
    expected = {
        k: usual[k] * _busier(len(by_category[k[0]]), usual[(k[0], TOTAL)], len(v), usual[k])
        for k, v in frequent.items()
    }
    surging = sorted(
        (k for k, v in frequent.items() if surges(len(v), expected[k])),
        key=lambda k: (-len(frequent[k]), k),
    )
    groups: list[tuple[str, list[str], set[int]]] = []
    for category, term in surging:
        ids = {t.pk for t in frequent[(category, term)]}
        for g_category, g_terms, g_ids in groups:
            if g_category == category and len(ids & g_ids) >= OVERLAP * min(len(ids), len(g_ids)):
                g_terms.append(term)
                break
        else:
            groups.append((category, [term], ids))
    clusters: list[Cluster] = []
    for category, g_terms, _ids in groups:
        # the terms most above their usual count say best what it is about
        lift = {t: len(frequent[(category, t)]) / (expected[(category, t)] + 1) for t in g_terms}
        top = sorted(g_terms, key=lambda t: (-lift[t], t))[:KEYWORDS]
        need = min(2, len(top))
        members = [t for t in by_category[category] if len(t.terms.intersection(top)) >= need]
        members = _cohesive(members)
        if len(members) < MIN_TICKETS:
            continue
        # words most of its tickets share fill up the label ("gopay" surges; "gagal bayar"
        # are common on their own, but they say what the surge is about)
        shared = Counter(term for m in members for term in m.terms)
        extra = [t for t, n in shared.most_common() if t not in top and n * 2 >= len(members)]
        base = max(expected[(category, t)] for t in top)
        top = (top + extra)[:KEYWORDS]
        ordered = _ordered_keywords(top, members)
        clusters.append(Cluster(category, ordered, members, base))
    return clusters


def _window(now: datetime) -> list[WindowTicket]:
    rows = (
        Ticket.objects.filter(
            created_at__gt=now - WINDOW, created_at__lte=now, merged_into__isnull=True
        )
        .exclude(incident_link__incident__status__in=[IncidentStatus.OPEN, IncidentStatus.RESOLVED])
        .values_list("pk", "category", "subject", "description", "created_at")
    )
    out = []
    for pk, category, subject, description, created_at in rows:
        found = ticket_terms(pk, subject, description)
        if found:
            out.append(WindowTicket(pk, category, created_at, found))
    return out


# --- detection ------------------------------------------------------------------------------


@dataclass
class DetectResult:
    counted: int = 0
    window: int = 0
    suggested: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    quiet: int = 0


def _overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    shared = len(set(a) & set(b))
    return shared >= min(2, len(a), len(b)) and shared > 0


@transaction.atomic
def detect(now: datetime | None = None) -> DetectResult:
    """One pass of the surge detector (safe to run twice: it updates what it found)."""
    now = now or timezone.now()
    result = DetectResult(counted=count_new_tickets(now))  # locks the state row
    window = _window(now)
    result.window = len(window)
    clusters = find_clusters(window, now)
    if not clusters:
        return result
    details = {
        pk: (subject, description)
        for pk, subject, description in Ticket.objects.filter(
            pk__in=[t.pk for c in clusters for t in c.tickets[:200]]
        ).values_list("pk", "subject", "description")
    }
    active = list(Incident.objects.filter(status__in=ACTIVE))
    quiet = list(
        Incident.objects.filter(
            status=IncidentStatus.DISMISSED, dismissed_at__gte=now - DISMISSED_QUIET
        )
    )
    for cluster in clusters:
        for t in cluster.tickets[:200]:
            subject, description = details[t.pk]
            t.order = tuple(terms(f"{subject}\n{description}"))
        cluster.keywords = _ordered_keywords(cluster.keywords, cluster.tickets)
        same = [
            i
            for i in active
            if i.category in (cluster.category, "") and _overlap(i.keywords, cluster.keywords)
        ]
        if same:
            incident = same[0]
            _refresh(incident, cluster, now)
            result.updated.append(incident.pk)
            continue
        if any(
            i.category == cluster.category and _overlap(i.keywords, cluster.keywords) for i in quiet
        ):
            result.quiet += 1
            continue
        incident = _suggest(cluster, now)
        active.append(incident)
        result.suggested.append(incident.pk)
    return result


def suggestion_title(count: int, label: str, since: datetime) -> str:
    return _("Dugaan insiden: %(n)d tiket tentang '%(label)s' sejak %(time)s") % {
        "n": count,
        "label": label,
        "time": timezone.localtime(since).strftime("%H:%M"),
    }


def _link_many(incident: Incident, ticket_ids: Iterable[int], how: str, now: datetime) -> int:
    taken = set(
        IncidentTicket.objects.filter(ticket_id__in=list(ticket_ids)).values_list(
            "ticket_id", flat=True
        )
    )
    rows = [
        IncidentTicket(incident=incident, ticket_id=pk, how=how, linked_at=now)
        for pk in ticket_ids
        if pk not in taken
    ]
    IncidentTicket.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _suggest(cluster: Cluster, now: datetime) -> Incident:
    since = cluster.since
    incident = Incident.objects.create(
        title=suggestion_title(len(cluster.tickets), cluster.label, since),
        status=IncidentStatus.SUGGESTED,
        category=cluster.category,
        keywords=cluster.keywords,
        label=cluster.label,
        since=since,
        detected_count=len(cluster.tickets),
        expected_count=round(cluster.expected, 2),
        last_seen_at=now,
        created_at=now,
    )
    _link_many(incident, [t.pk for t in cluster.tickets], LinkHow.DETECTED, now)
    _act(
        incident,
        ActionKind.DETECTED,
        _("%(n)d tiket dalam %(minutes)d menit (biasanya %(usual)s).")
        % {
            "n": len(cluster.tickets),
            "minutes": int(WINDOW.total_seconds() // 60),
            "usual": f"{cluster.expected:.1f}",
        },
        at=now,
    )
    return incident


def _refresh(incident: Incident, cluster: Cluster, now: datetime) -> None:
    how = LinkHow.DETECTED if incident.status == IncidentStatus.SUGGESTED else LinkHow.AUTO
    _link_many(incident, [t.pk for t in cluster.tickets], how, now)
    fields: dict[str, Any] = {"last_seen_at": now, "version": F("version") + 1}
    if incident.status == IncidentStatus.SUGGESTED:
        count = incident.links.count()
        since = min(incident.since, cluster.since)
        fields.update(
            detected_count=count,
            since=since,
            title=suggestion_title(count, incident.label or cluster.label, since),
        )
    Incident.objects.filter(pk=incident.pk).update(**fields)


# --- the record -----------------------------------------------------------------------------


def _act(
    incident: Incident,
    kind: str,
    text: str = "",
    actor: User | None = None,
    at: datetime | None = None,
) -> IncidentAction:
    action = IncidentAction.objects.create(
        incident=incident, kind=kind, text=text, actor=actor, at=at or timezone.now()
    )
    emit(EVENTS.get(kind, "incident.updated"), incident_payload(incident, action))
    return action


# the webhook event of each action (``webhooks.catalogue``); the others are ``updated``
EVENTS: dict[str, str] = {
    ActionKind.DETECTED: "incident.detected",
    ActionKind.OPENED: "incident.opened",
    ActionKind.CONFIRMED: "incident.confirmed",
    ActionKind.DISMISSED: "incident.dismissed",
    ActionKind.RESOLVED: "incident.resolved",
}


def incident_payload(incident: Incident, action: IncidentAction) -> dict[str, Any]:
    return {
        "incident_id": incident.pk,
        "title": incident.title,
        "status": incident.status,
        "category": incident.category,
        "keywords": list(incident.keywords),
        "since": incident.since.isoformat(),
        "owner_id": incident.owner_id,
        "cause": incident.cause,
        "version": incident.version,
        "action": {
            "kind": action.kind,
            "text": action.text,
            "at": action.at.isoformat(),
            "actor_id": action.actor_id,
        },
    }


def require_supervisor(actor: User) -> None:
    if not actor.is_active or not actor.is_supervisor_or_admin:
        raise PermissionDenied(_("Insiden hanya dapat dikelola supervisor dan admin."))


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _forget_open() -> None:
    cache.delete(OPEN_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(OPEN_CACHE_KEY))  # in case it was read again


def _check_owner(owner: User | None) -> None:
    if owner is not None and (not owner.is_active or not owner.is_agent_or_above):
        raise ValidationFailed(
            _("Penanggung jawab harus petugas yang aktif."),
            fields={"owner": [_("Bukan petugas aktif.")]},
        )


def keywords_from(text: str) -> list[str]:
    seen: list[str] = []
    for word in terms(text):
        if word not in seen:
            seen.append(word)
    return seen[:8]


@transaction.atomic
def incident_open(
    *,
    actor: User,
    title: str,
    keywords: str = "",
    category: str = "",
    owner: User | None = None,
    cause: str = "",
) -> Incident:
    """Open an incident by hand (not from a suggestion)."""
    require_supervisor(actor)
    title = title.strip()
    if not title:
        raise ValidationFailed(_("Judul insiden wajib diisi."), fields={"title": [_("Wajib.")]})
    _check_owner(owner)
    now = timezone.now()
    incident = Incident.objects.create(
        title=title[:200],
        status=IncidentStatus.OPEN,
        category=category,
        keywords=keywords_from(keywords or title),
        label=keywords.strip()[:200],
        since=now,
        owner=owner or actor,
        cause=cause.strip(),
        confirmed_at=now,
        created_at=now,
    )
    _act(incident, ActionKind.OPENED, title, actor, now)
    _forget_open()
    return incident


@transaction.atomic
def incident_confirm(
    *, actor: User, incident: Incident, title: str = "", owner: User | None = None
) -> Incident:
    """A supervisor confirms a suggested incident: it is open, with an owner."""
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.status != IncidentStatus.SUGGESTED:
        raise Conflict(_("Hanya dugaan insiden yang dapat dikonfirmasi atau diabaikan."))
    _check_owner(owner)
    now = timezone.now()
    incident.status = IncidentStatus.OPEN
    incident.confirmed_at = now
    incident.owner = owner or actor
    if title.strip():
        incident.title = title.strip()[:200]
    incident.version += 1
    incident.save()
    IncidentTicket.objects.filter(incident=incident).update(linked_by=actor)
    _act(incident, ActionKind.CONFIRMED, incident.title, actor, now)
    _forget_open()
    return incident


@transaction.atomic
def incident_dismiss(*, actor: User, incident: Incident, reason: str = "") -> Incident:
    """Not an incident: the suggestion is dismissed and its tickets are free again (the
    detector keeps quiet about the same keywords for ``DISMISSED_QUIET``)."""
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.status != IncidentStatus.SUGGESTED:
        raise Conflict(_("Hanya dugaan insiden yang dapat dikonfirmasi atau diabaikan."))
    now = timezone.now()
    count = incident.links.count()
    incident.links.all().delete()
    incident.status = IncidentStatus.DISMISSED
    incident.dismissed_at = now
    incident.detected_count = count
    incident.version += 1
    incident.save()
    _act(incident, ActionKind.DISMISSED, reason.strip(), actor, now)
    return incident


EDITABLE = ("title", "owner", "cause", "follow_up")


@transaction.atomic
def incident_update(
    *,
    actor: User,
    incident: Incident,
    version: int,
    title: str,
    owner: User | None,
    cause: str,
    follow_up: str,
) -> Incident:
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.version != version:
        raise Conflict(_("Insiden ini baru diubah orang lain. Muat ulang halaman."))
    if incident.status == IncidentStatus.DISMISSED:
        raise Conflict(_("Insiden yang diabaikan tidak dapat diubah."))
    title = title.strip()
    if not title:
        raise ValidationFailed(_("Judul insiden wajib diisi."), fields={"title": [_("Wajib.")]})
    _check_owner(owner)
    new = {
        "title": title[:200],
        "owner": owner,
        "cause": cause.strip(),
        "follow_up": follow_up.strip(),
    }
    changed = [f for f in EDITABLE if getattr(incident, f) != new[f]]
    if not changed:
        return incident
    for name in changed:
        setattr(incident, name, new[name])
    incident.version += 1
    incident.save()
    labels = {
        "title": _("judul"),
        "owner": _("penanggung jawab"),
        "cause": _("penyebab"),
        "follow_up": _("tindak lanjut"),
    }
    _act(incident, ActionKind.UPDATED, ", ".join(str(labels[f]) for f in changed), actor)
    return incident


def incident_step(*, actor: User, incident: Incident, text: str) -> IncidentAction:
    """Record a step taken, with its time (the report's "langkah yang diambil")."""
    require_supervisor(actor)
    text = text.strip()
    if not text:
        raise ValidationFailed(_("Tuliskan langkah yang diambil."), fields={"text": [_("Wajib.")]})
    if incident.status == IncidentStatus.DISMISSED:
        raise Conflict(_("Insiden yang diabaikan tidak dapat diubah."))
    return _act(incident, ActionKind.STEP, text, actor)


@transaction.atomic
def incident_link(*, actor: User, incident: Incident, ticket: Ticket) -> IncidentTicket:
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.status not in ACTIVE:
        raise Conflict(_("Tiket hanya dapat ditautkan ke insiden yang masih berjalan."))
    other = IncidentTicket.objects.filter(ticket=ticket).select_related("incident").first()
    if other is not None:
        if other.incident_id == incident.pk:
            return other
        raise Conflict(
            _("Tiket %(ref)s sudah tertaut ke insiden lain: %(title)s")
            % {"ref": ticket.reference, "title": other.incident.title}
        )
    now = timezone.now()
    link = IncidentTicket.objects.create(
        incident=incident, ticket=ticket, how=LinkHow.MANUAL, linked_at=now, linked_by=actor
    )
    _act(incident, ActionKind.LINKED, ticket.reference, actor, now)
    events.incident_link_event(
        ticket, actor, incident_id=incident.pk, title=incident.title, how=LinkHow.MANUAL
    )
    return link


@transaction.atomic
def incident_unlink(*, actor: User, incident: Incident, ticket: Ticket) -> None:
    require_supervisor(actor)
    incident = _lock(incident)
    deleted, _rows = IncidentTicket.objects.filter(incident=incident, ticket=ticket).delete()
    if not deleted:
        raise NotFound(_("Tiket ini tidak tertaut ke insiden ini."))
    _act(incident, ActionKind.UNLINKED, ticket.reference, actor)
    events.incident_link_event(
        ticket,
        actor,
        incident_id=incident.pk,
        title=incident.title,
        how=LinkHow.MANUAL,
        linked=False,
    )


# --- linking new tickets while an incident is open -------------------------------------------


def open_incidents() -> list[tuple[int, str, list[str]]]:
    """(id, category, keywords) of the open incidents, cached briefly: every new ticket
    asks, and most of the time there are none."""
    found: list[tuple[int, str, list[str]]] | None = cache.get(OPEN_CACHE_KEY)
    if found is None:
        found = [
            (pk, category, list(keywords))
            for pk, category, keywords in Incident.objects.filter(
                status=IncidentStatus.OPEN
            ).values_list("pk", "category", "keywords")
            if keywords
        ]
        cache.set(OPEN_CACHE_KEY, found, OPEN_CACHE_SECONDS)
    return found


def matches(keywords: Sequence[str], found: frozenset[str]) -> bool:
    return bool(keywords) and len(found.intersection(keywords)) >= min(2, len(keywords))


def on_ticket_created(ticket_id: int) -> IncidentTicket | None:
    """A new ticket with enough of an open incident's keywords (and its category, when
    both have one) is linked to it, as a manual link is recorded: an entry in the
    incident's record (``incident.updated`` for the webhooks) and in the ticket's
    timeline, in the link's transaction."""
    candidates = open_incidents()
    if not candidates:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    found = ticket_terms(ticket_id, ticket.subject, ticket.description)
    for pk, inc_category, keywords in candidates:
        if ticket.category and inc_category and ticket.category != inc_category:
            continue
        if not matches(keywords, found):
            continue
        try:
            with transaction.atomic():
                return _link_auto(pk, ticket)
        except IntegrityError:  # linked already (the detector was quicker)
            return None
    return None


def _link_auto(incident_id: int, ticket: Ticket) -> IncidentTicket | None:
    incident = Incident.objects.filter(pk=incident_id, status=IncidentStatus.OPEN).first()
    if incident is None:  # resolved since the list was cached
        return None
    now = timezone.now()
    link = IncidentTicket.objects.create(
        incident=incident, ticket=ticket, how=LinkHow.AUTO, linked_at=now
    )
    _act(incident, ActionKind.LINKED, _("%(ref)s (otomatis)") % {"ref": ticket.reference}, at=now)
    events.incident_link_event(
        ticket, None, incident_id=incident.pk, title=incident.title, how=LinkHow.AUTO
    )
    return link


# --- one answer to every linked ticket --------------------------------------------------------


@transaction.atomic
def incident_answer(*, actor: User, incident: Incident, body: str) -> IncidentAnswer:
    """Queue one message to every ticket linked now; ``answer_send`` sends it."""
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("Jawaban bersama hanya untuk insiden yang terbuka."))
    body = body.strip()
    if not body:
        raise ValidationFailed(_("Pesan kosong."), fields={"body": [_("Wajib diisi.")]})
    now = timezone.now()
    answer = IncidentAnswer.objects.create(
        incident=incident, body=body, created_by=actor, created_at=now
    )
    count = incident.links.count()
    _act(
        incident,
        ActionKind.ANSWERED,
        _("Jawaban ke %(n)d tiket: %(body)s") % {"n": count, "body": body[:300]},
        actor,
        now,
    )
    from sigap.relations import tasks

    transaction.on_commit(lambda: tasks.incident_answer_send(answer.pk))
    return answer


def _send_one(answer: IncidentAnswer, ticket: Ticket) -> str | None:
    """Send ``answer`` to one ticket, once. Returns the status written, None if it was
    already done."""
    now = timezone.now()
    try:
        with transaction.atomic():
            send = IncidentSend.objects.create(
                answer=answer, ticket=ticket, status=SendStatus.SENT, at=now
            )
            body = canned.fill(answer.body, canned.placeholder_values(ticket, answer.created_by))
            message = ticket_services.message_add(
                actor=answer.created_by, ticket=ticket, kind="reply", body=body
            )
            IncidentSend.objects.filter(pk=send.pk).update(message=message)
            return SendStatus.SENT
    except IntegrityError:
        return None
    except SigapError as exc:
        try:
            with transaction.atomic():
                IncidentSend.objects.create(
                    answer=answer,
                    ticket=ticket,
                    status=SendStatus.FAILED,
                    error=str(exc.message)[:300],
                    at=now,
                )
        except IntegrityError:
            return None
        return SendStatus.FAILED


def answer_send(answer_id: int) -> Counter[str]:
    """Send an answer to each linked ticket that has not had it (safe to rerun)."""
    answer = IncidentAnswer.objects.select_related("created_by").get(pk=answer_id)
    done = Counter[str]()
    sent = set(IncidentSend.objects.filter(answer=answer).values_list("ticket_id", flat=True))
    tickets = (
        Ticket.objects.filter(incident_link__incident_id=answer.incident_id)
        .exclude(pk__in=sent)
        .filter(incident_link__linked_at__lte=answer.created_at)
        .select_related("customer", "team")
        .order_by("pk")
    )
    for ticket in tickets.iterator(chunk_size=200):
        status = _send_one(answer, ticket)
        if status is not None:
            done[status] += 1
    IncidentAnswer.objects.filter(pk=answer.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    return done


# --- resolving --------------------------------------------------------------------------------


@transaction.atomic
def incident_resolve(*, actor: User, incident: Incident, cause: str = "") -> Incident:
    """The incident is over: resolved, and its open tickets are closed together."""
    require_supervisor(actor)
    incident = _lock(incident)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict(_("Hanya insiden yang terbuka yang dapat diselesaikan."))
    cause = cause.strip()
    if cause:
        incident.cause = cause
    if not incident.cause:
        raise ValidationFailed(
            _("Catat penyebab insiden sebelum menyelesaikannya."),
            fields={"cause": [_("Wajib diisi.")]},
        )
    now = timezone.now()
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    incident.version += 1
    incident.save()
    _act(incident, ActionKind.RESOLVED, incident.cause, actor, now)
    _forget_open()
    from sigap.relations import tasks

    transaction.on_commit(lambda: tasks.incident_close_tickets(incident.pk, actor.pk))
    return incident


def close_tickets(incident_id: int, actor_id: int) -> int:
    """Close the incident's linked tickets that are still open, each through the ticket
    service, and invite each customer to the satisfaction survey their ticket would have
    had after a resolution (the survey's own rules apply: once per ticket, not twice within
    its quiet interval). Safe to rerun: a closed ticket is skipped. Returns how many it
    closed."""
    incident = Incident.objects.get(pk=incident_id)
    actor = User.objects.get(pk=actor_id)
    reason = said_in_default_language(
        gettext_lazy("Ditutup bersama insiden: %(title)s"), title=incident.title
    )
    closed = failed = 0
    tickets = Ticket.objects.filter(incident_link__incident_id=incident_id).exclude(
        status=Status.CLOSED
    )
    for ticket in tickets.order_by("pk").iterator(chunk_size=200):
        try:
            with transaction.atomic():  # closed and asked together, or neither
                ticket_services.ticket_close(actor=actor, ticket=ticket, reason=reason)
                # closing skips the resolution (whose survey asks the customer): ask here
                surveys.invite_after_resolution(ticket.pk, closed_too=True)
            closed += 1
        except SigapError:
            log.exception("incident %s: ticket %s not closed", incident_id, ticket.pk)
            failed += 1
    with transaction.atomic():
        # done, also when a ticket refused (logged, and named in the action): the resume
        # pass must not retry a refusal every minute
        Incident.objects.filter(pk=incident_id, tickets_closed_at__isnull=True).update(
            tickets_closed_at=timezone.now()
        )
        if closed or failed:
            text = _("%(n)d tiket ditutup.") % {"n": closed}
            if failed:
                text += " " + _("%(n)d tiket tidak dapat ditutup.") % {"n": failed}
            _act(incident, ActionKind.CLOSED, text, actor)
    return closed


def resume(now: datetime | None = None) -> int:
    """What a crash interrupted: answers not finished and resolved incidents whose
    tickets are not all closed (older than two minutes, so a running one is left alone)."""
    now = now or timezone.now()
    before = now - timedelta(minutes=2)
    done = 0
    for answer_id in IncidentAnswer.objects.filter(
        finished_at__isnull=True, created_at__lt=before
    ).values_list("pk", flat=True):
        answer_send(answer_id)
        done += 1
    stuck = Incident.objects.filter(
        status=IncidentStatus.RESOLVED, tickets_closed_at__isnull=True, resolved_at__lt=before
    )
    for incident in stuck:
        action = incident.actions.filter(kind=ActionKind.RESOLVED).order_by("-at").first()
        if action is not None and action.actor_id is not None:
            close_tickets(incident.pk, action.actor_id)
            done += 1
    return done


# --- impact and report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    tickets: int
    customers: int
    open_tickets: int
    channels: list[tuple[str, int]]
    regions: list[tuple[str, int]]  # customers per region ("" when not recorded)


CHANNEL_LABELS = dict(Channel.choices)


def impact(incident: Incident) -> Impact:
    links = IncidentTicket.objects.filter(incident=incident)
    totals = links.aggregate(
        tickets=Count("ticket_id"),
        customers=Count("ticket__customer_id", distinct=True),
        still_open=Count("ticket_id", filter=~Q(ticket__status=Status.CLOSED)),
    )
    channels = [
        (str(CHANNEL_LABELS.get(channel, channel)), n)
        for channel, n in links.values_list("ticket__channel")
        .annotate(n=Count("ticket_id"))
        .order_by("-n", "ticket__channel")
    ]
    regions = [
        (region or "", n)
        for region, n in links.values_list("ticket__customer__region")
        .annotate(n=Count("ticket__customer_id", distinct=True))
        .order_by("-n", "ticket__customer__region")
    ]
    return Impact(totals["tickets"], totals["customers"], totals["still_open"], channels, regions)


@dataclass(frozen=True)
class AnswerSummary:
    answer: IncidentAnswer
    sent: int
    failed: int


@dataclass(frozen=True)
class Report:
    incident: Incident
    impact: Impact
    timeline: list[IncidentAction]
    steps: list[IncidentAction]
    answers: list[AnswerSummary]
    start: datetime
    end: datetime | None
    duration: timedelta
    linked_auto: int


def report(incident: Incident, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    timeline = list(incident.actions.select_related("actor").order_by("at", "id"))
    answers = [
        AnswerSummary(a, a.sent, a.failed)
        for a in incident.answers.select_related("created_by").annotate(
            sent=Count("sends", filter=Q(sends__status=SendStatus.SENT)),
            failed=Count("sends", filter=Q(sends__status=SendStatus.FAILED)),
        )
    ]
    end = incident.resolved_at or incident.dismissed_at
    return Report(
        incident=incident,
        impact=impact(incident),
        timeline=timeline,
        steps=[a for a in timeline if a.kind == ActionKind.STEP],
        answers=answers,
        start=incident.since,
        end=end,
        duration=(end or now) - incident.since,
        linked_auto=incident.links.filter(how=LinkHow.AUTO).count(),
    )


def duration_text(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d hari") % {"n": days})
    if hours:
        parts.append(_("%(n)d jam") % {"n": hours})
    parts.append(_("%(n)d menit") % {"n": mins})
    return " ".join(parts)
