"""The loyalty programme: the ledger (idempotent, append-only, never below zero), expiry
oldest-first, tiers with hysteresis and overrides, CSV imports that keep the good rows,
and voucher codes that are never given twice, also under concurrency."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from time_machine import TimeMachineFixture

from sigap.accounts.models import User
from sigap.core.errors import Conflict, ValidationFailed
from sigap.customers.models import Customer, CustomerChange
from sigap.customers.services import ContactIn, customer_create
from sigap.relations import loyalty
from sigap.relations.models import PointsEntry, Programme, RewardPool, Voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme() -> Programme:
    p = loyalty.programme()
    p.active = True
    p.rupiah_per_point = 10_000
    p.silver_from, p.gold_from, p.platinum_from = 100, 500, 1_000
    p.hysteresis_percent = 10
    p.expiry_months = 12
    p.window_months = 12
    p.save()
    return p


def test_a_purchase_is_counted_once_however_often_it_is_posted(
    programme: Programme, customer: Customer, other_customer: Customer
) -> None:
    first, created = loyalty.post_purchase(customer=customer, external_id="INV-1", amount=1_234_567)
    again, created_again = loyalty.post_purchase(
        customer=customer, external_id="INV-1", amount=1_234_567
    )

    assert (first.points, first.spend, created) == (123, 1_234_567, True)
    assert (again.pk, created_again) == (first.pk, False)
    assert loyalty.balance(customer.pk) == 123
    with pytest.raises(Conflict, match="sudah dicatat untuk pelanggan lain"):
        loyalty.post_purchase(customer=other_customer, external_id="INV-1", amount=10_000)


def test_the_ledger_is_append_only(programme: Programme, customer: Customer) -> None:
    entry, _ = loyalty.post_purchase(customer=customer, external_id="INV-2", amount=50_000)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1)
    with pytest.raises(PermissionError):
        entry.delete()


def test_a_redemption_never_takes_the_balance_below_zero(
    programme: Programme, customer: Customer, agent: User
) -> None:
    loyalty.post_points(customer=customer, kind="manual", points=50, reason="Hadiah", actor=agent)
    with pytest.raises(Conflict, match=r"Poin tidak cukup: saldo 50, diminta 60\."):
        loyalty.post_points(customer=customer, kind="redemption", points=-60, reason="Tukar")
    with pytest.raises(ValidationFailed, match="Poin negatif hanya"):
        loyalty.post_points(customer=customer, kind="manual", points=-5, reason="x")
    with pytest.raises(ValidationFailed, match="alasan"):
        loyalty.post_points(customer=customer, kind="manual", points=5, reason="  ")
    loyalty.post_points(customer=customer, kind="redemption", points=-50, reason="Tukar")
    assert loyalty.balance(customer.pk) == 0


def test_points_expire_oldest_first_and_only_once(
    programme: Programme, customer: Customer, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to("2025-01-10 10:00 +07:00", tick=False)
    loyalty.post_points(customer=customer, kind="manual", points=100, reason="lama")
    time_machine.move_to("2025-06-10 10:00 +07:00", tick=False)
    loyalty.post_points(customer=customer, kind="manual", points=40, reason="baru")
    loyalty.post_points(customer=customer, kind="redemption", points=-30, reason="tukar")

    time_machine.move_to("2026-01-11 10:00 +07:00", tick=False)
    assert loyalty.expire_points() == 1
    assert loyalty.expire_points() == 0  # a second run posts nothing more

    # 100 old points, 30 of them already spent: 70 expire; the 40 newer ones stay
    assert loyalty.balance(customer.pk) == 40
    time_machine.move_to("2026-06-11 10:00 +07:00", tick=False)
    loyalty.expire_points()
    assert loyalty.balance(customer.pk) == 0


@pytest.mark.parametrize(
    ("value", "current", "expected"),
    [
        (0, "regular", "regular"),
        (100, "regular", "silver"),
        (600, "silver", "gold"),
        (1_200, "regular", "platinum"),
        (460, "gold", "gold"),  # 8 % under gold's 500: kept (hysteresis 10 %)
        (440, "gold", "silver"),  # 12 % under: down to what the value earns
        (80, "gold", "regular"),
    ],
)
def test_tiers_rise_at_once_and_fall_with_hysteresis(
    programme: Programme, value: int, current: str, expected: str
) -> None:
    assert loyalty.tier_for(value, current, programme) == expected


def test_the_daily_pass_writes_tiers_and_an_override_wins(
    programme: Programme, customer: Customer, supervisor: User
) -> None:
    loyalty.post_purchase(customer=customer, external_id="INV-9", amount=12_000_000)  # 1,200

    assert loyalty.recompute_tiers() == 1
    customer.refresh_from_db()
    assert customer.loyalty_tier == "platinum"
    change = CustomerChange.objects.get(field="loyalty_tier")
    assert (change.old_value, change.new_value, change.actor_id) == ("gold", "platinum", None)

    loyalty.override_tier(
        actor=supervisor, customer=customer, tier="silver", reason="Sengketa pembayaran"
    )
    assert loyalty.recompute_tiers() == 0
    customer.refresh_from_db()
    assert customer.loyalty_tier == "silver"


def test_only_supervisors_override_with_a_reason(
    programme: Programme, customer: Customer, agent: User, supervisor: User
) -> None:
    with pytest.raises(ValidationFailed, match="Hanya supervisor"):
        loyalty.override_tier(actor=agent, customer=customer, tier="gold", reason="x")
    with pytest.raises(ValidationFailed, match="alasan"):
        loyalty.override_tier(actor=supervisor, customer=customer, tier="gold", reason="")
    with pytest.raises(ValidationFailed, match="sudah lewat"):
        loyalty.override_tier(
            actor=supervisor,
            customer=customer,
            tier="gold",
            reason="x",
            until=timezone.localdate() - timedelta(days=1),
        )


def test_a_csv_import_keeps_the_good_rows_and_names_the_bad_ones(
    programme: Programme, customer: Customer
) -> None:
    text = (
        "customer,transaction_id,amount,at\n"
        "budi@contoh.id,TX-1,150000,2026-11-01T10:00:00+07:00\n"
        "tidak-ada@contoh.id,TX-2,10000,\n"
        f"{customer.pk},TX-3,seratus,\n"
        "0812-3456-7890,TX-4,20.000,\n"
        "budi@contoh.id,TX-5,10000,kemarin\n"
    )
    report = loyalty.import_purchases(text)
    again = loyalty.import_purchases(text)

    assert (report.added, report.already) == (2, 0)
    assert [line for line, _ in report.errors] == [3, 4, 6]
    assert "tidak-ada@contoh.id" in report.errors[0][1]
    assert (again.added, again.already) == (0, 2)
    assert loyalty.balance(customer.pk) == 15 + 2


def test_a_csv_the_csv_module_cannot_read_is_a_clear_error_and_keeps_the_rows_before_it(
    programme: Programme, customer: Customer
) -> None:
    """Found by the API's contract test: ``{"csv": "\\r\\\\"}`` was a server error
    (``csv.Error: new-line character seen in unquoted field``)."""
    with pytest.raises(ValidationFailed) as refused:
        loyalty.import_purchases("\r\\")
    assert refused.value.fields == {"file": ["Kolom kurang."]}

    text = "customer,transaction_id,amount\nbudi@contoh.id,TX-1,150000\n" + (
        "budi@contoh.id,TX-2," + "9" * 200_000 + "\nbudi@contoh.id,TX-3,10000\n"
    )
    report = loyalty.import_purchases(text)
    assert report.added == 1  # the row before the unreadable one stays posted
    assert [line for line, _ in report.errors] == [3]
    assert "tidak bisa dibaca" in report.errors[0][1]


def test_vouchers_issued_once_per_key_and_never_shared(
    programme: Programme, customer: Customer, other_customer: Customer
) -> None:
    pool = RewardPool.objects.create(name="Voucher 50rb", value=50_000)
    report = loyalty.import_codes(pool, "code\nAAA111\nBBB222\nAAA111\nbad code\n")
    assert (report.added, report.already, report.errors[0][0]) == (2, 1, 5)

    first, created = loyalty.issue_voucher(
        pool=pool, customer=customer, reason="birthday", key="b:1"
    )
    same, created_again = loyalty.issue_voucher(
        pool=pool, customer=customer, reason="birthday", key="b:1"
    )
    other, _ = loyalty.issue_voucher(pool=pool, customer=other_customer, reason="manual")

    assert created and not created_again and same.pk == first.pk
    assert {first.code, other.code} == {"AAA111", "BBB222"}
    with pytest.raises(Conflict, match="sudah habis"):
        loyalty.issue_voucher(pool=pool, customer=other_customer, reason="manual")
    redeemed = loyalty.redeem("AAA111" if first.code == "AAA111" else "BBB222")
    assert redeemed.redeemed_at is not None
    with pytest.raises(Conflict, match="sudah ditukar"):
        loyalty.redeem(redeemed.code)


def test_birthday_gifts_once_a_year(
    programme: Programme, customer: Customer, time_machine: TimeMachineFixture
) -> None:
    pool = RewardPool.objects.create(name="Ulang tahun")
    loyalty.generate_codes(pool, 3, prefix="ULTAH-")
    programme.birthday_pool = pool
    programme.save()
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1990, 12, 6))

    time_machine.move_to("2026-12-06 09:00 +07:00", tick=False)
    assert loyalty.birthday_gifts() == 1
    assert loyalty.birthday_gifts() == 0
    voucher = Voucher.objects.get(issued_to=customer)
    assert voucher.code.startswith("ULTAH-") and voucher.issue_key == "birthday:2026"


def test_anniversary_points_once_a_year_from_the_first_anniversary(
    programme: Programme, customer: Customer, time_machine: TimeMachineFixture
) -> None:
    from sigap.relations.tasks import loyalty_daily

    programme.anniversary_points = 50
    programme.save()
    joined = timezone.make_aware(datetime(2023, 12, 6, 20, 0))  # WIB
    Customer.objects.filter(pk=customer.pk).update(created_at=joined)
    leap = customer_create(name="Kabisat", contacts=[])
    Customer.objects.filter(pk=leap.pk).update(
        created_at=timezone.make_aware(datetime(2024, 2, 29, 10, 0))
    )
    new = customer_create(name="Baru", contacts=[])  # joined today: no anniversary yet

    time_machine.move_to("2026-12-06 09:00 +07:00", tick=False)
    Customer.objects.filter(pk=new.pk).update(created_at=timezone.now())
    assert loyalty_daily.call_local()["anniversaries"] == 1
    assert loyalty.anniversary_points() == 0  # the job run again
    entry = PointsEntry.objects.get(customer=customer, kind="anniversary")
    assert (entry.points, entry.reason) == (50, "Ulang tahun keanggotaan ke-3")
    assert entry.external_id == f"anniversary:{customer.pk}:2026"
    assert not PointsEntry.objects.filter(customer=new).exists()

    time_machine.move_to("2027-02-28 09:00 +07:00", tick=False)  # no 29 February in 2027
    assert loyalty.anniversary_points() == 1
    assert PointsEntry.objects.get(customer=leap).reason == "Ulang tahun keanggotaan ke-3"
    programme.active = False
    programme.save()
    time_machine.move_to("2027-12-06 09:00 +07:00", tick=False)
    assert loyalty.anniversary_points() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issues_never_give_one_code_twice(programme: Programme) -> None:
    pool = RewardPool.objects.create(name="Serentak")
    loyalty.import_codes(pool, "\n".join(f"KODE{n:03d}" for n in range(6)))
    customers = [
        customer_create(name=f"Pelanggan {n}", contacts=[ContactIn("email", f"p{n}@contoh.id")])
        for n in range(8)
    ]
    barrier = threading.Barrier(len(customers))
    errors: list[BaseException] = []

    def issue(c: Customer) -> None:
        try:
            barrier.wait(timeout=10)
            loyalty.issue_voucher(pool=pool, customer=c, reason="manual")
        except Conflict:
            pass  # the pool ran out: expected for two of the eight
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(c,)) for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    issued = list(
        Voucher.objects.filter(issued_to__isnull=False).values_list("issued_to", flat=True)
    )
    assert len(issued) == 6 == len(set(issued))  # six codes, six different customers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_postings_of_one_purchase_count_once(programme: Programme) -> None:
    customer = customer_create(name="Budi", contacts=[ContactIn("email", "budi@contoh.id")])
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            loyalty.post_purchase(customer=customer, external_id="INV-77", amount=100_000)
            loyalty.post_points(customer=customer, kind="redemption", points=-6, reason="tukar")
        except Conflict:
            pass  # only one redemption of 6 fits in 10 points... and one more after it
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert PointsEntry.objects.filter(external_id="INV-77").count() == 1
    assert loyalty.balance(customer.pk) == 4  # 10 earned, one redemption of 6


def test_a_voucher_as_a_proposals_compensation_is_recorded_once(
    programme: Programme, agent: User, customer: Customer, ticket: object
) -> None:
    from sigap.tickets.models import Proposal

    pool = RewardPool.objects.create(name="Kompensasi 50rb", value=50_000)
    loyalty.import_codes(pool, "KOMP-1\nKOMP-2\n")
    proposal = Proposal.objects.create(
        ticket=ticket,
        summary="Voucher belanja sebagai permintaan maaf.",
        compensation_type="voucher",
        compensation_amount=50_000,
        status="accepted",
    )

    voucher = loyalty.issue_for_proposal(actor=agent, proposal=proposal, pool=pool)

    proposal.refresh_from_db()
    assert (proposal.compensation_given, proposal.compensation_reference) == (True, voucher.code)
    assert voucher.issued_to_id == customer.pk and voucher.issue_key == f"proposal:{proposal.pk}"
    with pytest.raises(Conflict, match="sudah dicatat diberikan"):
        loyalty.issue_for_proposal(actor=agent, proposal=proposal, pool=pool)
    assert Voucher.objects.filter(issued_to__isnull=False).count() == 1  # rolled back


def test_a_voucher_for_a_proposal_not_accepted_is_not_issued(
    programme: Programme, agent: User, ticket: object
) -> None:
    from sigap.core.errors import TransitionNotAllowed
    from sigap.tickets.models import Proposal

    pool = RewardPool.objects.create(name="Kompensasi", value=50_000)
    loyalty.import_codes(pool, "KOMP-9\n")
    proposal = Proposal.objects.create(
        ticket=ticket,
        summary="Voucher.",
        compensation_type="voucher",
        compensation_amount=50_000,
        status="offered",
    )
    with pytest.raises(TransitionNotAllowed):
        loyalty.issue_for_proposal(actor=agent, proposal=proposal, pool=pool)
    assert not Voucher.objects.filter(issued_to__isnull=False).exists()


def test_a_tier_change_is_told_once_to_those_who_agreed(
    programme: Programme, customer: Customer, other_customer: Customer
) -> None:
    from sigap.relations.consent import consent_set
    from sigap.relations.models import CampaignRecipient

    consent_set(customer=customer, purpose="service", granted=True, source="customer")
    for who, order in ((customer, "A"), (other_customer, "B")):
        loyalty.post_purchase(customer=who, external_id=f"INV-{order}", amount=12_000_000)

    assert loyalty.recompute_tiers() == 2
    assert loyalty.recompute_tiers() == 0

    told = list(CampaignRecipient.objects.values_list("customer_id", flat=True))
    assert told == [customer.pk]  # the other customer gave no consent: told nothing
