"""Proactive contact (issue 19): queueing a campaign to 100,000 customers, and sending at the
configured rate with exactly one message each. Run:
`.venv/bin/python bench/campaigns.py --database postgres://postgres@127.0.0.1:5432/NAME`.

Sets Django up in this process on the given database (default: a temporary SQLite file),
migrates it, and tops it up to ``--customers`` (default 100,000) bench customers, each with
an email address and consent for service notices (SQL ``generate_series`` on PostgreSQL).
Then:

* **queueing**: ``campaign_queue`` of an email notice to all of them (the audience query
  with its consent and contact filters, and the bulk insert of one recipient row each),
  ``--rounds`` times on fresh campaigns: seconds each; target <= 10 s;
* **sending**: ``send_due`` ticks with the campaign's rate set to ``--rate`` a minute
  (Django's in-memory mail backend stands in for the SMTP server; the clock is moved a
  minute between ticks): messages per tick (each must be the rate: the limit counts the
  clock minute), the busiest 60 seconds (a sliding window: at most the rate plus what a
  tick sends in the seconds it takes), the time a tick takes (it must fit in its minute),
  and at the end that no address got two messages and the mails sent equal the rows
  marked sent.

Prints the figures; writes bench/results/campaigns.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_QUEUE_S = 10.0
EMAIL_DOMAIN = "bench-kampanye.contoh.id"


def django_setup(database: str) -> None:
    data_dir = tempfile.mkdtemp(prefix="sigap-bench-campaigns-")
    os.environ.setdefault("SIGAP_DATA_DIR", data_dir)
    os.environ["SIGAP_DATABASE_URL"] = database or f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ.setdefault("SIGAP_SECRET_KEY", "bench-campaigns-not-secret")
    os.environ.setdefault("SIGAP_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def top_up(customers: int) -> int:
    """Bench customers with an email address and service consent, up to ``customers``."""
    from django.db import connection

    from sigap.customers.models import Customer, CustomerContact
    from sigap.relations.models import Consent

    have = CustomerContact.objects.filter(value__endswith=f"@{EMAIL_DOMAIN}").count()
    missing = customers - have
    if missing <= 0:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute(
                "WITH new AS (INSERT INTO customers_customer (name, kind, temperament,"
                " loyalty_tier, notes, birthday, preferred_channel, preferred_language,"
                " organization_id, time_zone, user_id, version, created_at, updated_at,"
                " erased_at, merged_into_id, merged_at)"
                " SELECT 'Kampanye ' || g, 'external', '', 'regular', '', NULL, '', '', NULL,"
                " '', NULL, 1, now(), now(), NULL, NULL, NULL"
                " FROM generate_series(%s, %s) AS g RETURNING id),"
                " contacts AS (INSERT INTO customers_customercontact"
                " (customer_id, kind, value, is_primary, created_at)"
                " SELECT id, 'email', 'k' || id || %s, true, now() FROM new)"
                " INSERT INTO relations_consent (customer_id, purpose, granted, source, at,"
                " actor_id) SELECT id, 'service', true, 'import', now(), NULL FROM new",
                [have + 1, customers, f"@{EMAIL_DOMAIN}"],
            )
        return missing
    from django.utils import timezone

    now = timezone.now()
    for start in range(have, customers, 5_000):
        rows = Customer.objects.bulk_create(
            Customer(name=f"Kampanye {i}") for i in range(start, min(start + 5_000, customers))
        )
        CustomerContact.objects.bulk_create(
            CustomerContact(customer=r, kind="email", value=f"k{r.pk}@{EMAIL_DOMAIN}") for r in rows
        )
        Consent.objects.bulk_create(
            Consent(customer=r, purpose="service", granted=True, source="import", at=now)
            for r in rows
        )
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("SIGAP_BENCH_CAMPAIGN_DB", ""))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=600, help="messages a minute")
    parser.add_argument("--ticks", type=int, default=3)
    args = parser.parse_args()
    django_setup(args.database)

    import time_machine
    from django.conf import settings
    from django.core import mail
    from django.db import connection
    from django.utils import timezone

    from sigap.relations import campaigns
    from sigap.relations.campaigns import Segment
    from sigap.relations.models import Campaign, CampaignRecipient

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    started = time.perf_counter()
    added = top_up(args.customers)
    print(
        f"database: {connection.vendor}; {added} customers added in "
        f"{time.perf_counter() - started:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
    # only the bench's customers: the segment is everyone who agreed, and nobody else did
    Campaign.objects.filter(name__startswith="Bench ").delete()

    queue_s: list[float] = []
    last: Campaign | None = None
    for round_ in range(args.rounds):
        campaign = campaigns.campaign_create(
            actor=None,
            name=f"Bench {round_}",
            purpose="service",
            channel="email",
            segment=Segment(),
            subject="Pemberitahuan",
            body="Halo {nama}, layanan kami sedang dalam pemeliharaan.",
            rate_per_minute=args.rate,
        )
        t0 = time.perf_counter()
        queued = campaigns.campaign_queue(campaign=campaign)
        queue_s.append(time.perf_counter() - t0)
        print(f"queue round {round_ + 1}: {queued} recipients in {queue_s[-1]:.2f} s")
        if last is not None:
            campaigns.campaign_cancel(campaign=last)
        last = campaign
    assert last is not None

    campaigns.CHANNEL_RATE["email"] = args.rate
    now = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    ticks: list[dict[str, Any]] = []
    for tick in range(args.ticks):
        before = len(mail.outbox)
        t0 = time.perf_counter()
        # the minute job's tick: at the start of each minute
        with time_machine.travel(now + timedelta(minutes=tick), tick=True):
            campaigns.send_due()
        ticks.append({"sent": len(mail.outbox) - before, "seconds": time.perf_counter() - t0})
        print(f"tick {tick + 1}: {ticks[-1]['sent']} sent in {ticks[-1]['seconds']:.2f} s")
    addresses = Counter(m.to[0] for m in mail.outbox)
    duplicates = sum(1 for n in addresses.values() if n > 1)
    sent_rows = CampaignRecipient.objects.filter(campaign=last, state="sent").count()
    # the limit is a sliding window: no 60 seconds hold more than the rate
    stamps = sorted(
        CampaignRecipient.objects.filter(campaign=last, state="sent").values_list(
            "sent_at", flat=True
        )
    )
    busiest, first = 0, 0
    for index, stamp in enumerate(stamps):
        while stamps[first] <= stamp - timedelta(minutes=1):
            first += 1
        busiest = max(busiest, index - first + 1)
    campaigns.campaign_cancel(campaign=last)

    result = {
        "database": connection.vendor,
        "customers": args.customers,
        "queue_seconds": [round(s, 3) for s in queue_s],
        "queue_target_s": TARGET_QUEUE_S,
        "queue_ok": max(queue_s) <= TARGET_QUEUE_S,
        "rate_per_minute": args.rate,
        "ticks": ticks,
        "busiest_60_s": busiest,
        "rate_kept": all(t["sent"] == args.rate for t in ticks),
        "ticks_fit_their_minute": all(t["seconds"] < 60 for t in ticks),
        "messages": len(mail.outbox),
        "recipients_sent": sent_rows,
        "addresses_with_two_messages": duplicates,
    }
    print(json.dumps(result, indent=2))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "campaigns.json").write_text(json.dumps(result, indent=2) + "\n")
    ok = (
        result["queue_ok"]
        and result["rate_kept"]
        and result["ticks_fit_their_minute"]
        and duplicates == 0
        and sent_rows == len(mail.outbox)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.exit(main())
