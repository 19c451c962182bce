"""``sigap bench-seed N``: fill the database with N realistic tickets, fast.

Rows are generated in Python and written in bulk (``COPY`` on PostgreSQL, ``executemany``
on SQLite) with ids allocated here, in batches of ``BATCH`` tickets per transaction. Each
ticket gets what the services would have produced: 1-4 messages, timeline events for the
messages and every status change along the procedure, consistent timestamps, a search
document. Running it again appends N more.
"""

from __future__ import annotations

import itertools
import queue
import random
import threading
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.customers.models import Customer, CustomerContact
from sigap.demo.bench.vocabulary import (
    CHANNELS,
    CITIES,
    COURIERS,
    DESCRIPTIONS,
    FIRST,
    FOLLOWUPS,
    LAST,
    NOTES,
    PATH,
    PRODUCTS,
    REPLIES,
    STATUSES,
    SUBJECTS,
    TAGS,
    TEAMS,
)
from sigap.demo.bench.writer import Writer, json_value, weighted
from sigap.tickets.models import Message, Tag, Ticket, TicketSearchDocument, TimelineEvent
from sigap.tickets.search import document_texts
from sigap.tickets.sla import due_times
from sigap.triage.priority import priority_for

BATCH = 5000
CUSTOMERS_PER_TICKET = 0.1


class Command(BaseCommand):
    help = "Fill the database with N realistic tickets, fast (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        count: int = opts["count"]
        rng = random.Random(opts["seed"])
        started = time.monotonic()
        teams, agents = self._staff()
        tag_ids = self._tags()
        writer = Writer()
        customers = self._customers(writer, rng, max(1, int(count * CUSTOMERS_PER_TICKET)))
        ids = {t: writer.next_id(t) for t in ID_TABLES}
        batches: queue.Queue[Any] = queue.Queue(maxsize=2)

        def produce() -> None:
            # Pure Python (no database): runs beside the COPY of the previous batch.
            try:
                left = count
                while left > 0:
                    size = min(BATCH, left)
                    batches.put(self._tickets(rng, size, customers, teams, agents, tag_ids, ids))
                    left -= size
                batches.put(None)
            except BaseException as exc:  # handed to the main thread, which re-raises
                batches.put(exc)
            finally:
                # Lazy lookups in the batch building may still have opened a connection in
                # this thread; close it before the thread ends (unclosed, it is only
                # garbage-collected, and it keeps a PostgreSQL session until then).
                connections.close_all()

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        done = 0
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            with transaction.atomic():
                for model in MODELS:
                    writer.write_rows(model, batch[model._meta.db_table])
            done += len(batch["tickets_ticket"])
            if not opts["quiet"]:
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"  {done:>9,} / {count:,} tiket  ({rate:,.0f}/s)")
        producer.join()
        for table in (
            "customers_customer",
            "customers_customercontact",
            "tickets_ticket",
            "tickets_message",
            "tickets_timelineevent",
            "tickets_ticket_tags",
        ):
            writer.fix_sequence(table)
        if writer.pg:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        if opts["verbosity"] > 1:
            for table, seconds in sorted(writer.timings.items(), key=lambda kv: -kv[1]):
                self.stdout.write(f"  {table}: {seconds:.1f} s")
        self.stdout.write(
            f"{count:,} tiket dibuat dalam {elapsed:.1f} s ({count / max(elapsed, 1e-6):,.0f}/s)."
        )

    # --- reference data ---------------------------------------------------------------------

    def _staff(self) -> tuple[list[tuple[int, str]], dict[int, list[int]]]:
        supervisor = User.objects.filter(username="bench.spv").first() or user_create(
            username="bench.spv", password=None, role=Role.SUPERVISOR, first_name="Bench"
        )
        if not User.objects.filter(username="bench.admin").exists():
            user_create(username="bench.admin", password=None, role=Role.ADMIN)
        teams: list[tuple[int, str]] = []
        agents: dict[int, list[int]] = {}
        for index, (slug, name) in enumerate(TEAMS):
            team = Team.objects.filter(slug=slug).first()
            if team is None:
                members = [
                    User.objects.filter(username=f"bench.agen{index}{n}").first()
                    or user_create(
                        username=f"bench.agen{index}{n}",
                        password=None,
                        role=Role.AGENT,
                        first_name=f"Agen {index}{n}",
                    )
                    for n in range(3)
                ]
                team = team_create(name=name, slug=slug, supervisor=supervisor, members=members)
            teams.append((team.pk, slug.removeprefix("bench-")))
            agents[team.pk] = list(team.members.values_list("pk", flat=True))
        return teams, agents

    def _tags(self) -> list[int]:
        Tag.objects.bulk_create([Tag(name=n) for n in TAGS], ignore_conflicts=True)
        return list(Tag.objects.filter(name__in=TAGS).values_list("pk", flat=True))

    def _customers(self, writer: Writer, rng: random.Random, n: int) -> list[tuple[int, str, str]]:
        now = timezone.now()
        first_id = writer.next_id("customers_customer")
        first_contact = writer.next_id("customers_customercontact")
        kinds = weighted(rng, [("external", 85), ("intermediary", 10), ("internal", 5)])
        tiers = weighted(rng, [("regular", 70), ("silver", 15), ("gold", 10), ("platinum", 5)])
        temperaments = ["", "quiet", "talkative", "arrogant", "proud", "thrifty", "comparer"]
        rows, contacts, out = [], [], []
        for i in range(n):
            cid = first_id + i
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            tier = tiers[i % 1000]
            rows.append(
                {
                    "id": cid,
                    "name": name,
                    "kind": kinds[(i * 7) % 1000],
                    "temperament": rng.choice(temperaments),
                    "loyalty_tier": tier,
                    "notes": f"Domisili {rng.choice(CITIES)}.",
                    "user_id": None,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "erased_at": None,
                    "time_zone": "",
                    "birthday": None,
                    "preferred_channel": "",
                    "preferred_language": "",
                    "organization_id": None,
                }
            )
            contacts.append(
                {
                    "id": first_contact + 2 * i,
                    "customer_id": cid,
                    "kind": "email",
                    "value": f"bench{cid}@contoh.id",
                    "is_primary": True,
                    "created_at": now,
                }
            )
            contacts.append(
                {
                    "id": first_contact + 2 * i + 1,
                    "customer_id": cid,
                    "kind": "phone",
                    "value": f"+62812{cid:08d}",
                    "is_primary": False,
                    "created_at": now,
                }
            )
            out.append((cid, name, tier))
        with transaction.atomic():
            writer.write_rows(Customer, rows)
            writer.write_rows(CustomerContact, contacts)
        return out

    # --- tickets ------------------------------------------------------------------------------

    def _tickets(
        self,
        rng: random.Random,
        n: int,
        customers: list[tuple[int, str, str]],
        teams: list[tuple[int, str]],
        agents: dict[int, list[int]],
        tag_ids: list[int],
        ids: dict[str, int],
    ) -> dict[str, list[dict[str, Any]]]:
        """One batch of rows per table; pure Python, so it can run beside the writer."""
        pg = True
        now = timezone.now()
        tid0 = ids["tickets_ticket"]
        mid = ids["tickets_message"]
        eid = ids["tickets_timelineevent"]
        ttid = ids["tickets_ticket_tags"]
        channels = weighted(rng, CHANNELS)
        statuses = weighted(rng, STATUSES)
        tickets: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        docs: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        for i in range(n):
            tid = tid0 + i
            cust_id, cust_name, tier = rng.choice(customers)
            team_id, team_key = rng.choice(teams)
            assignee = rng.choice(agents[team_id])
            channel = channels[rng.randrange(1000)]
            status = statuses[rng.randrange(1000)]
            kind = (
                "inquiry"
                if team_key == "umum" and rng.random() < 0.6
                else ("request" if rng.random() < 0.1 else "complaint")
            )
            category = (
                rng.choice(["mechanical", "attitudinal", "service", "unusual"])
                if (kind == "complaint")
                else ""
            )
            severity = (
                rng.choices(["sederhana", "kompleks", "penting"], [85, 12, 3])[0]
                if (kind == "complaint")
                else ""
            )
            priority = priority_for(severity, tier)[0]
            fill = {
                "product": rng.choice(PRODUCTS),
                "city": rng.choice(CITIES),
                "days": rng.randint(2, 14),
                "amount": f"{rng.randint(20, 3000) * 1000:,}".replace(",", "."),
                "order": f"BLJ-2026-{rng.randint(0, 999999):06d}",
                "courier": rng.choice(COURIERS),
                "team": team_key,
            }
            subject = rng.choice(SUBJECTS[team_key]).format(**fill)
            description = rng.choice(DESCRIPTIONS).format(**fill)
            open_ticket = status not in ("closed", "resolved")
            age = (
                timedelta(hours=rng.uniform(0.1, 120))
                if open_ticket
                else timedelta(days=rng.uniform(6, 365))
            )
            created = now - age
            first_due, resolution_due = due_times(channel, priority, created)
            t = created
            steps = (
                PATH[: PATH.index(status) + 1]
                if status in PATH
                else [*PATH[:4], "waiting_customer"]
            )
            if kind != "complaint" and status not in ("recorded", "confirmed"):
                steps = [s for s in steps if s not in ("recorded", "confirmed")]
            msgs: list[tuple[str, str, int | None]] = [("inbound", description, None)]
            if len(steps) > 2 or status in ("resolved", "closed"):
                msgs.append(("reply", rng.choice(REPLIES).format(**fill), assignee))
            if rng.random() < 0.4:
                msgs.append(("note", rng.choice(NOTES).format(**fill), assignee))
            if rng.random() < 0.3:
                msgs.append(("inbound", rng.choice(FOLLOWUPS).format(**fill), None))
            ev: list[dict[str, Any]] = [
                {
                    "id": eid,
                    "ticket_id": tid,
                    "actor_id": None,
                    "kind": "created",
                    "field": "",
                    "old_value": None,
                    "new_value": None,
                    "data": json_value({"channel": channel, "kind": kind, "subject": subject}, pg),
                    "public": True,
                    "created_at": created,
                }
            ]
            eid += 1
            first_reply = None
            for index, (mkind, body, author) in enumerate(msgs):
                at = created if index == 0 else t + timedelta(minutes=rng.randint(5, 600))
                t = at
                if mkind == "reply" and first_reply is None:
                    first_reply = at
                messages.append(
                    {
                        "id": mid,
                        "ticket_id": tid,
                        "kind": mkind,
                        "channel": channel,
                        "author_id": author,
                        "body": body,
                        "body_html": "",
                        "external_id": "",
                        "created_at": at,
                    }
                )
                ev_kind = {
                    "inbound": "message_received",
                    "reply": "reply_sent",
                    "note": "note_added",
                }[mkind]
                ev.append(
                    {
                        "id": eid,
                        "ticket_id": tid,
                        "actor_id": author if mkind != "inbound" else None,
                        "kind": ev_kind,
                        "field": "",
                        "old_value": None,
                        "new_value": None,
                        "data": json_value({"message_id": mid, "channel": channel}, pg),
                        "public": mkind != "note",
                        "created_at": at,
                    }
                )
                mid += 1
                eid += 1
            resolved_at = closed_at = None
            for old, new in itertools.pairwise(steps):
                t = t + timedelta(minutes=rng.randint(10, 1440))
                if new == "resolved":
                    resolved_at = t
                if new == "closed":
                    closed_at = t
                ev.append(
                    {
                        "id": eid,
                        "ticket_id": tid,
                        "actor_id": assignee,
                        "kind": "status_changed",
                        "field": "status",
                        "old_value": json_value(old, pg),
                        "new_value": json_value(new, pg),
                        "data": "{}",
                        "public": True,
                        "created_at": t,
                    }
                )
                eid += 1
            if open_ticket and t > now:
                t = now
            events.extend(ev)
            facts = (
                (
                    f"{cust_name} melapor via {channel} tentang {fill['product']}; "
                    f"pesanan {fill['order']}."
                )
                if "recorded" in steps
                else ""
            )
            reason = "Solusi diterima pelanggan." if resolved_at and kind == "complaint" else ""
            # As if the SLA sweep had kept up: open tickets past their marks are marked.
            warn_at = created + (resolution_due - created) * 0.75
            is_open = status not in ("resolved", "closed")
            warned = warn_at if is_open and warn_at <= now else None
            breached = resolution_due if is_open and resolution_due <= now else None
            tickets.append(
                {
                    "id": tid,
                    "kind": kind,
                    "channel": channel,
                    "subject": subject,
                    "description": description,
                    "category": category,
                    "severity": severity,
                    "priority": priority,
                    "complainer_type": "",
                    "complainer_goal": "",
                    "response_type": "",
                    "root_cause": rng.choice(
                        [
                            "",
                            "not_as_expected",
                            "ignored",
                            "communication",
                            "rude",
                            "no_responsibility",
                            "not_listened",
                        ]
                    )
                    if kind == "complaint"
                    else "",
                    "status": status,
                    "customer_id": cust_id,
                    "team_id": team_id,
                    "assignee_id": assignee if status != "new" else None,
                    "created_by_id": None,
                    "facts": facts,
                    "resolution_reason": reason,
                    "first_response_due_at": first_due,
                    "resolution_due_at": resolution_due,
                    "first_responded_at": first_reply,
                    "resolved_at": resolved_at,
                    "closed_at": closed_at,
                    "created_at": created,
                    "updated_at": max(t, created),
                    "version": len(ev),
                    "sla_warn_at": warn_at,
                    "sla_warned_at": warned,
                    "sla_breached_at": breached,
                    "first_response_breached_at": (
                        first_due if is_open and first_reply is None and first_due <= now else None
                    ),
                    "escalation_level": 1 if breached else 0,
                }
            )
            staff_text, public_text = document_texts(
                subject=subject,
                description=description,
                facts=facts,
                messages=[(m[0], m[1]) for m in msgs],
            )
            docs.append({"ticket_id": tid, "staff_text": staff_text, "public_text": public_text})
            if rng.random() < 0.25:
                for tag in rng.sample(tag_ids, rng.randint(1, 2)):
                    tag_rows.append({"id": ttid, "ticket_id": tid, "tag_id": tag})
                    ttid += 1
        ids.update(
            {
                "tickets_ticket": tid0 + n,
                "tickets_message": mid,
                "tickets_timelineevent": eid,
                "tickets_ticket_tags": ttid,
            }
        )
        return {
            "tickets_ticket": tickets,
            "tickets_message": messages,
            "tickets_timelineevent": events,
            "tickets_ticketsearchdocument": docs,
            "tickets_ticket_tags": tag_rows,
        }


ID_TABLES = ["tickets_ticket", "tickets_message", "tickets_timelineevent", "tickets_ticket_tags"]
MODELS: list[type[Model]] = [
    Ticket,
    Message,
    TimelineEvent,
    TicketSearchDocument,
    Ticket.tags.through,
]
