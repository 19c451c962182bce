"""Email ingestion speed. Run: `.venv/bin/python bench/mail.py` (or `make bench-email`).

On a throwaway PostgreSQL database (SIGAP_BENCH_EMAIL_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/sigap_bench_email, created, migrated, dropped after),
it builds --count realistic messages in memory (Indonesian text and HTML parts, a third of
them with a small attachment, 500 senders, 40% replies threading onto earlier tickets by
In-Reply-To and the ticket number) and files them one after another through
`connectors.email.inbound.ingest`, as the poller and `sigap smtpd` do: parse, thread, store the
customer, ticket, message, attachments, timeline and search document, and acknowledge.
Jobs, cache and channel layer on Redis as in production (SIGAP_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14, emptied first).
Prints messages per second. Target (issue 4): >= 100 messages/s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sigap_bench_email"
SUBJECTS = [
    "Paket belum sampai",
    "Refund belum masuk",
    "Barang rusak saat diterima",
    "Tidak bisa login",
    "Saldo terpotong dua kali",
]
BODIES = [
    "Halo, pesanan saya BLJ-2026-{n:06d} belum sampai padahal sudah {d} hari. Mohon dicek.",
    "Selamat siang, dana Rp {n} sudah terpotong tapi status pesanan masih menunggu pembayaran.",
    "Kak, barang yang saya terima pecah. Foto terlampir. Saya minta penggantian.",
]


def build(count: int, seed: int = 7) -> list[EmailMessage]:
    rng = random.Random(seed)
    out: list[EmailMessage] = []
    sent: list[tuple[str, str, str]] = []  # (message id, sender, subject)
    for i in range(count):
        msg = EmailMessage()
        if sent and rng.random() < 0.4:
            parent_id, sender, subject = rng.choice(sent)
            msg["Subject"] = f"Re: {subject}"
            msg["In-Reply-To"] = parent_id
            msg["References"] = parent_id
        else:
            sender = f"pelanggan{rng.randrange(500)}@contoh.id"
            subject = f"{rng.choice(SUBJECTS)} #{i}"
            msg["Subject"] = subject
        msg["From"] = f"Pelanggan {i} <{sender}>"
        msg["To"] = "cs@toko.contoh.id"
        msg["Date"] = format_datetime(datetime.now(UTC))
        mid = make_msgid(f"b{i}", domain="contoh.id")
        msg["Message-ID"] = mid
        text = rng.choice(BODIES).format(n=rng.randrange(10**6), d=rng.randint(2, 9))
        msg.set_content(text)
        msg.add_alternative(f"<p>{text}</p><p><b>Terima kasih</b></p>", subtype="html")
        if rng.random() < 0.33:
            msg.add_attachment(
                os.urandom(20_000), maintype="application", subtype="pdf", filename="bukti.pdf"
            )
        sent.append((mid, sender, subject))
        out.append(msg)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ.get("SIGAP_BENCH_EMAIL_DATABASE_URL", DEFAULT_DB)
    name = url.rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    os.environ["SIGAP_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    os.environ["SIGAP_JOBS_IMMEDIATE"] = "false"
    os.environ["SIGAP_DB_POOL"] = "false"  # so the database can be dropped afterwards
    os.environ.setdefault("SIGAP_DATA_DIR", "/tmp/sigap-bench-email")
    # As in production, where the job worker ingests mail: jobs, cache and channel layer
    # on Redis (the jobs queued here, triage and acknowledgements, are not run).
    os.environ["SIGAP_REDIS_URL"] = os.environ.get(
        "SIGAP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"
    )
    os.environ["SIGAP_EMAIL_SENDER_LIMIT"] = "100000"
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.SIGAP_EMAIL_SENDER_LIMIT = 100_000  # the bench's senders write often
        import redis

        redis.Redis.from_url(os.environ["SIGAP_REDIS_URL"]).flushdb()
        call_command("migrate", verbosity=0)
        from sigap.connectors.email.inbound import ingest

        raws = [m.as_bytes() for m in build(args.count)]
        for raw in raws[:20]:  # warm-up: imports, connections, plans
            ingest(raw)
        statuses: dict[str, int] = {}
        started = time.perf_counter()
        for raw in raws[20:]:
            result = ingest(raw)
            statuses[result.status] = statuses.get(result.status, 0) + 1
        elapsed = time.perf_counter() - started
        rate = (len(raws) - 20) / elapsed
        verdict = "PASS" if rate >= 100 else "FAIL"
        print(
            f"email ingestion on PostgreSQL: {len(raws) - 20:,} messages in {elapsed:.1f} s"
            f" = {rate:,.0f} messages/s  [{verdict} target >= 100]  {statuses}"
        )
        return 0 if rate >= 100 else 1
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name])


if __name__ == "__main__":
    sys.exit(main())
