"""Incident detection: does it keep up, how soon does it flag a surge, how often does it cry
wolf. Run: `.venv/bin/python bench/incidents.py` (``--database URL`` for PostgreSQL).

Sets Django up on a temporary SQLite database, migrates it, then simulates ``--minutes``
minutes of traffic at ``--rate`` new tickets a minute (default 2,000), minute by minute on
a simulated clock, calling ``relations.incidents.detect(now=...)`` after each minute as the
periodic job does. The traffic is made of everyday complaints (30 templates with products,
couriers, cities, banks, order numbers and chat slang filled in at random, seeded), among
them payment failures by bank transfer and other wallets, so the surge's words are not new
on their own. From minute ``--surge-at`` on, ``--surge-rate`` tickets a minute (default 6)
complain that paying with GoPay fails, in varied words.

The baseline (the hourly term counts of the past 7 days) is synthesised: one hour of the
same traffic is generated, its terms counted, and the counts written for each of the
past 7 x 24 hours, as a detector that has been running for a week would have them.

Printed: the time of each detection pass (p50, p95, max; it must stay well under the
minute between passes), tickets read per pass, the detection delay (minutes from the
surge's first ticket to the first suggestion carrying its keywords), and the false alarms
(suggestions about anything else) over the simulated time, also per day of traffic.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

PRODUCTS = ["sepatu", "kaos", "headset", "blender", "skincare", "tas", "jam tangan", "charger"]
COURIERS = ["JNE", "J&T", "SiCepat", "AnterAja", "Ninja"]
CITIES = ["Medan", "Makassar", "Surabaya", "Bandung", "Pontianak", "Denpasar", "Jayapura"]
BANKS = ["BCA", "BRI", "Mandiri", "BNI"]
WALLETS = ["OVO", "DANA", "ShopeePay"]
OPENERS = ["", "Halo min, ", "Kak, ", "Permisi, ", "tolong dong ", "Selamat siang, "]
CLOSERS = ["", " Terima kasih.", " Mohon dibantu ya.", " gimana nih?", " 🙏", " 😡"]
TEMPLATES = [
    "paket {product} saya belum sampai sudah {n} hari, kurir {courier}",
    "pesanan {order} masih di gudang {city} terus",
    "{product} yang datang rusak, kemasannya penyok",
    "barang tidak sesuai pesanan, saya pesan {product} warna hitam",
    "refund pesanan {order} belum masuk ke rekening {bank}",
    "pembayaran transfer {bank} gagal tapi saldo terpotong",
    "bayar pakai {wallet} tidak bisa, muncul error",
    "voucher diskon tidak bisa dipakai waktu checkout",
    "akun saya terkunci setelah salah password",
    "kurir {courier} minta ongkir tambahan di {city}",
    "pesanan {order} dibatalkan sepihak oleh penjual",
    "aplikasi lambat sekali waktu buka keranjang",
    "mau ganti alamat pengiriman ke {city}",
    "ukuran {product} kekecilan, bisa tukar?",
    "status pesanan {order} tidak berubah dari kemarin",
    "cashback belum masuk padahal sudah {n} hari",
    "kode OTP tidak masuk ke HP saya",
    "tombol bayar tidak bisa diklik di aplikasi",
    "poin member saya hilang",
    "penjual tidak membalas chat soal {product}",
    "paket diterima orang lain di {city}",
    "nomor resi {courier} tidak valid",
    "garansi {product} bagaimana caranya?",
    "promo gratis ongkir ke {city} tidak muncul",
    "saya ditagih dua kali untuk pesanan {order}",
    "cicilan kartu kredit {bank} tidak tersedia",
    "{product} mati setelah dipakai {n} hari",
    "minta faktur pajak untuk pesanan {order}",
    "alamat toko di {city} di mana ya?",
    "kurir {courier} bilang alamat tidak ditemukan",
]
SURGE = [
    "gagal bayar pakai gopay dari tadi",
    "pembayaran gopay gagal terus, saldo kepotong",
    "kok gagal bayar lewat gopay ya",
    "gopay error pas bayar, transaksi gagal",
    "gak bisa bayar gopay, gagal mulu",
    "pembayaran via GoPay gagal, pesanan batal",
]


def text(rnd: random.Random) -> str:
    body = rnd.choice(TEMPLATES).format(
        product=rnd.choice(PRODUCTS),
        courier=rnd.choice(COURIERS),
        city=rnd.choice(CITIES),
        bank=rnd.choice(BANKS),
        wallet=rnd.choice(WALLETS),
        order=f"INV/2026/{rnd.randint(100000, 999999)}",
        n=rnd.randint(2, 14),
    )
    return f"{rnd.choice(OPENERS)}{body}.{rnd.choice(CLOSERS)}"


def subject(body: str) -> str:
    """A subject as a channel makes one: the message's first words."""
    return " ".join(body.split()[:6])[:120]


def surge_text(rnd: random.Random) -> str:
    return f"{rnd.choice(OPENERS)}{rnd.choice(SURGE)}{rnd.choice(CLOSERS)}"


def django_setup(database: str) -> None:
    data_dir = tempfile.mkdtemp(prefix="sigap-bench-incidents-")
    os.environ.setdefault("SIGAP_DATA_DIR", data_dir)
    os.environ["SIGAP_DATABASE_URL"] = database or f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ.setdefault("SIGAP_SECRET_KEY", "bench-incidents-not-secret")
    os.environ.setdefault("SIGAP_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--rate", type=int, default=2_000, help="new tickets a minute")
    parser.add_argument("--minutes", type=int, default=40)
    parser.add_argument("--surge-at", type=int, default=15, help="minute the surge starts")
    parser.add_argument("--surge-rate", type=int, default=6, help="surge tickets a minute")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    django_setup(args.database)

    from django.utils import timezone

    from sigap.customers.models import Customer
    from sigap.relations import incidents
    from sigap.relations.models import Incident, SurgeState, SurgeTermCount
    from sigap.tickets.models import Ticket

    rnd = random.Random(args.seed)
    customers = Customer.objects.bulk_create(
        Customer(name=f"Pelanggan {i}", created_at=timezone.now(), updated_at=timezone.now())
        for i in range(500)
    )
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=args.minutes)

    # the baseline: one hour of traffic, counted, copied to each of the past 7 days' hours
    t0 = time.perf_counter()
    hour: Counter[str] = Counter()
    for i in range(args.rate * 60):
        body = text(rnd)
        found = incidents.ticket_terms(-1 - i, subject(body), body)
        hour[incidents.TOTAL] += 1 if found else 0
        for term in found:
            hour[term] += 1
    incidents._terms_memo.clear()
    first_hour = start.replace(minute=0) - timedelta(days=incidents.BASELINE_DAYS)
    rows = [
        SurgeTermCount(hour=first_hour + timedelta(hours=h), category="", term=term, count=n)
        for h in range(incidents.BASELINE_DAYS * 24)
        for term, n in hour.items()
    ]
    SurgeTermCount.objects.bulk_create(rows, batch_size=5_000)
    SurgeState.objects.create(pk=1, last_ticket_id=0)
    print(
        f"baseline: {len(hour)} terms x {incidents.BASELINE_DAYS * 24} hours "
        f"({len(rows)} rows) in {time.perf_counter() - t0:.1f} s"
    )

    passes: list[float] = []
    read: list[int] = []
    surge_start: datetime | None = None
    detected_at: datetime | None = None
    false_alarms: set[int] = set()
    for minute in range(args.minutes):
        base = start + timedelta(minutes=minute)
        batch: list[Any] = []
        for i in range(args.rate):
            at = base + timedelta(seconds=60 * i / args.rate)
            body = text(rnd)
            batch.append((body, at))
        if minute >= args.surge_at:
            for i in range(args.surge_rate):
                at = base + timedelta(seconds=60 * (i + 0.5) / args.surge_rate)
                batch.append((surge_text(rnd), at))
                surge_start = surge_start or at
        Ticket.objects.bulk_create(
            (
                Ticket(
                    kind="complaint",
                    channel="whatsapp",
                    subject=subject(body),
                    description=body,
                    customer=customers[n % len(customers)],
                    created_at=at,
                    updated_at=at,
                )
                for n, (body, at) in enumerate(batch)
            ),
            batch_size=2_000,
        )
        now = base + timedelta(minutes=1)
        t = time.perf_counter()
        result = incidents.detect(now=now)
        passes.append(time.perf_counter() - t)
        read.append(result.window)
        for incident in Incident.objects.filter(pk__in=result.suggested + result.updated):
            if "gopay" in incident.keywords:
                if detected_at is None:
                    detected_at = now
                    print(f"minute {minute + 1}: {incident.title}")
            else:
                if incident.pk not in false_alarms:
                    print(f"minute {minute + 1}: FALSE ALARM {incident.title}")
                false_alarms.add(incident.pk)

    total = Ticket.objects.count()
    print(f"tickets: {total} ({args.rate}/min for {args.minutes} min, surge {args.surge_rate}/min)")
    print(
        f"detect pass: p50 {statistics.median(passes) * 1000:.0f} ms, "
        f"p95 {pct(passes, 95) * 1000:.0f} ms, max {max(passes) * 1000:.0f} ms; "
        f"window up to {max(read)} tickets"
    )
    if surge_start is None:
        print("no surge injected")
    elif detected_at is None:
        print("surge NOT detected")
    else:
        delay = (detected_at - surge_start).total_seconds() / 60
        print(f"detection delay: {delay:.1f} min after the surge's first ticket (target <= 2)")
    minutes = args.minutes
    print(
        f"false alarms: {len(false_alarms)} in {minutes} min "
        f"({len(false_alarms) * 1440 / minutes:.1f} per day of traffic)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
