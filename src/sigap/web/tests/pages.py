"""The ticket page as the browser ends up showing it: the first paint, then the parts it
loads by itself (the side column) and the workbench's forms an agent opens."""

from __future__ import annotations

import re

from django.test import Client


def ticket_html(c: Client, ticket_id: int, query: str = "", *, steps: bool = True) -> str:
    """The first paint of ``/tickets/<id>/`` followed by its side column and, with
    ``steps``, every workbench form that loads when opened: what an agent sees after
    opening each part of the page. Each part must answer 200."""
    sep = "&" if query else ""
    response = c.get(f"/tickets/{ticket_id}/?{query}")
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    parts = [f"part=side{sep}{query}"]
    if steps:
        parts += [
            f"part=step&step={name}{sep}{query}"
            for name in re.findall(r"\?part=step&amp;step=(\w+)", html)
        ]
    for part in parts:
        extra = c.get(f"/tickets/{ticket_id}/?{part}")
        assert extra.status_code == 200, (part, extra.status_code)
        html += extra.content.decode()
    return html
