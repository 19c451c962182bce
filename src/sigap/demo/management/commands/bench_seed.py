"""``sigap bench-seed N``: fill the database with N realistic tickets, fast.

Rows are generated in Python and written in bulk (``COPY`` on PostgreSQL, ``executemany``
on SQLite) with ids allocated here, in batches of ``BATCH`` tickets per transaction. Each
ticket gets what the services would have produced: 1-4 messages, timeline events for the
messages and every status change along the procedure, consistent timestamps, a search
document. Running it again appends N more.
"""

from __future__ import annotations

import itertools
import json
import queue
import random
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from sigap.accounts.models import Role, Team, User
from sigap.accounts.services import team_create, user_create
from sigap.tickets.models import Tag
from sigap.tickets.search import document_texts
from sigap.tickets.sla import due_times
from sigap.triage.priority import priority_for

BATCH = 5000
CUSTOMERS_PER_TICKET = 0.1

TEAMS = [
    ("bench-pengiriman", "Bench Pengiriman"),
    ("bench-pembayaran", "Bench Pembayaran"),
    ("bench-teknis", "Bench Layanan Teknis"),
    ("bench-umum", "Bench Layanan Umum"),
]
FIRST = [
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rina",
    "Andi",
    "Putu",
    "Made",
    "Yohanes",
    "Fitri",
    "Rahmat",
    "Intan",
    "Hendra",
    "Wulan",
    "Bayu",
    "Nur",
    "Teguh",
    "Lestari",
    "Ketut",
    "Rizky",
    "Maria",
    "Ahmad",
    "Sri",
    "Joko",
    "Ayu",
    "Dimas",
    "Nadia",
    "Fajar",
    "Citra",
    "Gilang",
]
LAST = [
    "Santoso",
    "Rahmawati",
    "Wijaya",
    "Siregar",
    "Nasution",
    "Saputra",
    "Hidayat",
    "Lubis",
    "Kusuma",
    "Pratama",
    "Simanjuntak",
    "Wibowo",
    "Tanjung",
    "Harahap",
    "Setiawan",
    "Halim",
    "Gunawan",
    "Sembiring",
    "Pangaribuan",
    "Manurung",
    "Daeng",
    "Sitompul",
    "Purba",
    "Tan",
]
CITIES = [
    "Jakarta",
    "Bandung",
    "Surabaya",
    "Medan",
    "Makassar",
    "Denpasar",
    "Yogyakarta",
    "Semarang",
    "Palembang",
    "Balikpapan",
    "Manado",
    "Jayapura",
    "Padang",
    "Pontianak",
]
PRODUCTS = [
    "sepatu lari",
    "kulkas dua pintu",
    "ponsel",
    "power bank",
    "rice cooker",
    "kemeja batik",
    "laptop",
    "kipas angin",
    "susu formula",
    "helm",
    "karpet",
    "printer",
]
COURIERS = ["kurir Belanjaku Express", "ekspedisi reguler", "kurir instan", "kurir kargo"]
SUBJECTS = {
    "pengiriman": [
        "Paket {product} belum sampai",
        "Pengiriman {product} terlambat {days} hari",
        "Paket rusak saat diterima di {city}",
        "Kurir tidak datang di {city}",
        "Resi tidak bisa dilacak",
        "Barang salah kirim: pesan {product}",
    ],
    "pembayaran": [
        "Saldo terpotong dua kali Rp {amount}",
        "Refund Rp {amount} belum masuk",
        "Pembayaran gagal tapi dana terpotong",
        "Tagihan cicilan tidak sesuai",
        "Voucher tidak bisa dipakai",
        "Transfer bank belum terverifikasi",
    ],
    "teknis": [
        "Aplikasi keluar sendiri saat checkout",
        "Tidak bisa login, kode OTP tidak masuk",
        "{product} tidak menyala setelah dua hari",
        "Garansi {product} ditolak",
        "Notifikasi pesanan tidak muncul",
        "Halaman pembayaran error 500",
    ],
    "umum": [
        "Cara retur {product}",
        "Jam operasional layanan pelanggan",
        "Ganti alamat pengiriman ke {city}",
        "Minta faktur pajak pesanan",
        "Petugas kurang ramah di gerai {city}",
        "Hapus data pribadi saya",
    ],
}
DESCRIPTIONS = [
    "Halo min, pesanan {order} berisi {product} belum saya terima padahal sudah {days} hari. "
    "Tolong dicek ya, saya tinggal di {city}.",
    "Selamat siang, saya ingin menyampaikan keluhan terkait pesanan {order}. Barang dikirim "
    "lewat {courier} dan statusnya tidak berubah sejak {days} hari lalu.",
    "Kak, dana Rp {amount} sudah terpotong dari rekening tapi pesanan {order} masih menunggu "
    "pembayaran. Mohon segera diproses.",
    "Saya kecewa, {product} yang saya terima tidak sesuai deskripsi dan kemasannya penyok. "
    "Nomor pesanan {order}. Saya minta penggantian.",
    "Mohon bantuannya, aplikasi selalu gagal saat pembayaran {product}. Sudah saya coba "
    "berkali-kali dari {city}.",
    "Bagaimana cara mengajukan retur untuk {product}? Pesanan {order}, diterima {days} hari lalu.",
]
REPLIES = [
    "Terima kasih sudah menghubungi kami, Kak. Kami sedang memeriksa pesanan {order} dengan "
    "tim terkait dan akan mengabari paling lambat besok.",
    "Mohon maaf atas ketidaknyamanannya. Kami sudah meneruskan kasus ini ke tim {team} dan "
    "memastikan {product} Anda ditangani hari ini.",
    "Kami sudah mengajukan pengembalian dana Rp {amount}; dana masuk dalam 3 hari kerja.",
]
NOTES = [
    "Sudah cek ke gudang, paket tertahan di hub {city}.",
    "Eskalasi ke mitra {courier}; menunggu konfirmasi.",
    "Pelanggan loyal, prioritaskan penyelesaian.",
]
FOLLOWUPS = [
    "Sudah ada kabar belum, min? Saya butuh {product} ini untuk minggu depan.",
    "Baik, saya tunggu. Terima kasih.",
    "Kenapa belum ada jawaban? Sudah {days} hari saya menunggu.",
]
CHANNELS = [
    ("email", 24),
    ("whatsapp", 30),
    ("livechat", 14),
    ("phone", 10),
    ("portal", 8),
    ("instagram", 5),
    ("facebook", 3),
    ("telegram", 3),
    ("x", 3),
]
STATUSES = [
    ("closed", 55),
    ("resolved", 12),
    ("in_progress", 9),
    ("waiting_customer", 7),
    ("confirmed", 4),
    ("recorded", 4),
    ("new", 9),
]
PATH = ["new", "recorded", "confirmed", "in_progress", "resolved", "closed"]
TAGS = [
    "paket-hilang",
    "paket-rusak",
    "refund",
    "cod",
    "retur",
    "otp",
    "garansi",
    "voucher",
    "kurir",
    "tagihan-ganda",
    "vip",
    "media-sosial",
    "salah-kirim",
    "cicilan",
    "faktur",
    "uu-pdp",
    "promo",
    "aplikasi",
    "gerai",
    "ongkir",
    "pengembalian",
    "tukar-barang",
    "keterlambatan",
    "login",
    "saldo",
    "kemasan",
    "alamat",
    "jam-operasional",
    "error",
    "berulang",
]


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights, k=1000)


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.timings: dict[str, float] = {}

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        started = time.monotonic()
        self._write(table, columns, rows)
        self.timings[table] = self.timings.get(table, 0.0) + time.monotonic() - started

    def _write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(columns)
        with connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor  # psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(rows))

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return int(cursor.fetchone()[0]) + 1

    def fix_sequence(self, table: str) -> None:
        if not self.pg:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _j(value: Any, pg: bool) -> Any:
    """JSON column value for the writer."""
    return json.dumps(value) if value is not None else None


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

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        done = 0
        while (batch := batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            with transaction.atomic():
                for table, columns in COLUMNS.items():
                    writer.write(table, columns, batch[table])
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
        kinds = _weighted(rng, [("external", 85), ("intermediary", 10), ("internal", 5)])
        tiers = _weighted(rng, [("regular", 70), ("silver", 15), ("gold", 10), ("platinum", 5)])
        temperaments = ["", "quiet", "talkative", "arrogant", "proud", "thrifty", "comparer"]
        rows, contacts, out = [], [], []
        for i in range(n):
            cid = first_id + i
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            tier = tiers[i % 1000]
            rows.append(
                (
                    cid,
                    name,
                    kinds[(i * 7) % 1000],
                    rng.choice(temperaments),
                    tier,
                    f"Domisili {rng.choice(CITIES)}.",
                    None,
                    1,
                    now,
                    now,
                    None,
                    "",
                )
            )
            contacts.append(
                (first_contact + 2 * i, cid, "email", f"bench{cid}@contoh.id", True, now)
            )
            contacts.append(
                (first_contact + 2 * i + 1, cid, "phone", f"+62812{cid:08d}", False, now)
            )
            out.append((cid, name, tier))
        with transaction.atomic():
            writer.write(
                "customers_customer",
                [
                    "id",
                    "name",
                    "kind",
                    "temperament",
                    "loyalty_tier",
                    "notes",
                    "user_id",
                    "version",
                    "created_at",
                    "updated_at",
                    "erased_at",
                    "time_zone",
                ],
                rows,
            )
            writer.write(
                "customers_customercontact",
                ["id", "customer_id", "kind", "value", "is_primary", "created_at"],
                contacts,
            )
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
    ) -> dict[str, list[tuple[Any, ...]]]:
        """One batch of rows per table; pure Python, so it can run beside the writer."""
        pg = True
        now = timezone.now()
        tid0 = ids["tickets_ticket"]
        mid = ids["tickets_message"]
        eid = ids["tickets_timelineevent"]
        ttid = ids["tickets_ticket_tags"]
        channels = _weighted(rng, CHANNELS)
        statuses = _weighted(rng, STATUSES)
        tickets, messages, events, docs, tag_rows = [], [], [], [], []
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
            ev: list[tuple[Any, ...]] = [
                (
                    eid,
                    tid,
                    None,
                    "created",
                    "",
                    None,
                    None,
                    _j({"channel": channel, "kind": kind, "subject": subject}, pg),
                    True,
                    created,
                )
            ]
            eid += 1
            first_reply = None
            for index, (mkind, body, author) in enumerate(msgs):
                at = created if index == 0 else t + timedelta(minutes=rng.randint(5, 600))
                t = at
                if mkind == "reply" and first_reply is None:
                    first_reply = at
                messages.append((mid, tid, mkind, channel, author, body, "", "", at))
                ev_kind = {
                    "inbound": "message_received",
                    "reply": "reply_sent",
                    "note": "note_added",
                }[mkind]
                ev.append(
                    (
                        eid,
                        tid,
                        author if mkind != "inbound" else None,
                        ev_kind,
                        "",
                        None,
                        None,
                        _j({"message_id": mid, "channel": channel}, pg),
                        mkind != "note",
                        at,
                    )
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
                    (
                        eid,
                        tid,
                        assignee,
                        "status_changed",
                        "status",
                        _j(old, pg),
                        _j(new, pg),
                        "{}",
                        True,
                        t,
                    )
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
                (
                    tid,
                    kind,
                    channel,
                    subject,
                    description,
                    category,
                    severity,
                    priority,
                    "",
                    "",
                    "",
                    rng.choice(
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
                    status,
                    cust_id,
                    team_id,
                    assignee if status != "new" else None,
                    None,
                    facts,
                    reason,
                    first_due,
                    resolution_due,
                    first_reply,
                    resolved_at,
                    closed_at,
                    created,
                    max(t, created),
                    len(ev),
                    warn_at,
                    warned,
                    breached,
                    1 if breached else 0,
                )
            )
            staff_text, public_text = document_texts(
                subject=subject,
                description=description,
                facts=facts,
                messages=[(m[0], m[1]) for m in msgs],
            )
            docs.append((tid, staff_text, public_text))
            if rng.random() < 0.25:
                for tag in rng.sample(tag_ids, rng.randint(1, 2)):
                    tag_rows.append((ttid, tid, tag))
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
COLUMNS: dict[str, list[str]] = {
    "tickets_ticket": [
        "id",
        "kind",
        "channel",
        "subject",
        "description",
        "category",
        "severity",
        "priority",
        "complainer_type",
        "complainer_goal",
        "response_type",
        "root_cause",
        "status",
        "customer_id",
        "team_id",
        "assignee_id",
        "created_by_id",
        "facts",
        "resolution_reason",
        "first_response_due_at",
        "resolution_due_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
        "version",
        "sla_warn_at",
        "sla_warned_at",
        "sla_breached_at",
        "escalation_level",
    ],
    "tickets_message": [
        "id",
        "ticket_id",
        "kind",
        "channel",
        "author_id",
        "body",
        "body_html",
        "external_id",
        "created_at",
    ],
    "tickets_timelineevent": [
        "id",
        "ticket_id",
        "actor_id",
        "kind",
        "field",
        "old_value",
        "new_value",
        "data",
        "public",
        "created_at",
    ],
    "tickets_ticketsearchdocument": ["ticket_id", "staff_text", "public_text"],
    "tickets_ticket_tags": ["id", "ticket_id", "tag_id"],
}
