"""The teams and staff by name kept in memory: a change shows on the next read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigap.accounts import directory
from sigap.accounts.models import Team, User
from sigap.accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_the_directory_is_read_once_then_follows_every_change(agent: User, team: Team) -> None:
    assert (team.pk, team.name) in directory.teams()
    assert directory.staff_names()[agent.pk] == agent.display_name
    with CaptureQueriesContext(connection) as reads:
        directory.teams(), directory.staff()
    assert len(reads.captured_queries) == 0  # from memory
    team.name = "Pengiriman Ekspres"
    team.save()
    assert (team.pk, "Pengiriman Ekspres") in directory.teams()
    newcomer = user_create(username="sari.agen", password="rahasia-sari", role="agent")
    newcomer.first_name = "Sari"
    newcomer.save()
    assert directory.staff_names()[newcomer.pk] == "Sari"
    agent.is_active = False
    agent.save()
    assert agent.pk not in directory.staff_names()  # a deactivated agent leaves the lists
    customer = user_create(username="budi@contoh.id", password="rahasia-budi", role="customer")
    assert customer.pk not in directory.staff_names()  # customers are not staff
    other = Team.objects.create(name="Keuangan", slug="keuangan")
    other.delete()
    assert "Keuangan" not in dict(directory.teams()).values()
