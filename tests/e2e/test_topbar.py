"""The staff top bar fits one row at 1280 px for the roles with the most links (admin and
supervisor), with room left for one more link; the supervisors' pages sit under one menu."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sigap.accounts.models import Team, User
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOM_LEFT = 0  # px between the links and the bar's end ("Tiket baru" took the room kept for it)


def one_row(page: Any) -> None:
    bar = page.locator("header.topbar").bounding_box()
    items = page.locator(
        "header.topbar .brand, .mainnav > a, .mainnav > details > summary, .mainnav > form, "
        ".topbar-end > *"
    )
    tops = {round(items.nth(i).bounding_box()["y"] / 12) for i in range(items.count())}
    assert bar["height"] <= 64, bar
    assert len(tops) == 1, tops  # every item on the same line
    nav = page.locator(".mainnav").bounding_box()
    end = page.locator(".topbar-end").bounding_box()
    assert end["x"] - (nav["x"] + nav["width"]) >= ROOM_LEFT


def test_the_top_bar_is_one_row_at_1280_for_admin_and_supervisor(
    server: str, browser: Any, artifacts: Path, admin: User, supervisor: User, team: Team
) -> None:
    for username, password, shot in [
        (admin.username, "rahasia-admin", "topbar-admin.png"),
        (supervisor.username, "rahasia-spv", "topbar-supervisor.png"),
    ]:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        sign_in(page, server, username, password)
        page.wait_for_url(re.compile(r"/beranda/"))
        one_row(page)
        page.get_by_text("Kelola").click()
        page.get_by_role("link", name="Laporan").wait_for()
        if username == admin.username:
            assert page.get_by_role("link", name="Log keamanan").is_visible()
        page.screenshot(path=str(artifacts / shot))
        page.keyboard.press("Escape")
        assert not page.get_by_role("link", name="Laporan").is_visible()
        assert page.get_by_role("link", name="Notifikasi").count() == 1
        ctx.close()
