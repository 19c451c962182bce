"""Two admins saving the same (message, language, brand) at once: the save that loses the
race to insert the row becomes an update of the winner's row (no IntegrityError, no 500),
and the audit shows the winner's text as "before" (nothing is lost from the record)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from sigap.accounts import message_templates as mt
from sigap.accounts.models import MessageTemplate, SecurityEvent, User

EDIT = "/settings/templates/reminder/en/"


@pytest.fixture
def rival_inserts_first(admin: User, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The service's look for the row finds nothing, and right after it another admin's
    save inserts the same (key, language, brand) row: the race, made deterministic."""
    fired: list[str] = []
    look = mt._locked

    def check_then_rival(key: str, language: str, brand: Any) -> MessageTemplate | None:
        found = look(key, language, brand)
        if found is None and not fired:
            fired.append(key)
            MessageTemplate.objects.create(
                key=key, language=language, brand=brand, body="Rival {first_name}"
            )
        return found

    monkeypatch.setattr(mt, "_locked", check_then_rival)
    return fired


@pytest.mark.django_db
def test_a_row_inserted_between_the_check_and_the_insert_is_updated_not_a_500(
    admin: User, rival_inserts_first: list[str]
) -> None:
    c = Client()
    c.force_login(admin)
    response = c.post(EDIT, {"action": "save", "body": "Mine {first_name}"})
    assert response.status_code == 302
    assert rival_inserts_first  # the race happened
    row = MessageTemplate.objects.get()
    assert (row.body, row.updated_by) == ("Mine {first_name}", admin)
    (event,) = SecurityEvent.objects.filter(kind="settings_changed")
    assert "Rival {first_name} → Mine {first_name}" in event.detail  # the rival's text kept
    rendered = mt.render_message("reminder", language="en", context={"nama_depan": "Budi"})
    assert rendered.body == "Mine Budi"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admins_saving_the_same_template_at_once_on_separate_connections(
    admin: User,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    n = 4
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            mt.message_template_save(
                actor=admin,
                key="reminder",
                language="en",
                brand=None,
                subject="",
                body=f"Admin {i} {{first_name}}",
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    row = MessageTemplate.objects.get()
    events = list(
        SecurityEvent.objects.filter(kind="settings_changed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(events) == n
    assert sum("dibuat" in e for e in events) == 1  # one insert, the others updates
    assert row.body in events[-1]
