"""The ticket page's timeline entries written in Python: what ``web/_timeline_items.html``
drew with Django's template engine, byte for byte (about 1.7 ms of the page's CPU there,
~20 variable look-ups, two ``date`` filters and a few translations per entry; decision
0009, seventh pass). Every value goes through ``conditional_escape`` as the template's
autoescaping did; the dates through the ``date`` filter in the current time zone; a
reply's delivery state through its own template (``channels/_delivery_status.html``,
drawn only for the replies that have one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs
from django.utils.translation import gettext

from sigap.tickets.timeline import Item


def _text(value: Any) -> str:
    """``{{ value }}``: a number as the template writes it, anything else escaped."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return str(conditional_escape(value))


def timeline_items_html(
    items: Sequence[Item], *, ticket: Any, earlier: Any, show_images: Any
) -> SafeString:
    """The entries (and the link to the older ones), without the template's last
    newline (the template that calls this keeps it)."""
    from sigap.web.templatetags.sigap import email_html  # the sanitiser, with images blocked

    page_url = reverse("web:ticket", args=[ticket.pk])
    out: list[str] = []
    if earlier:
        images = f"&amp;images={_text(show_images)}" if show_images else ""
        out.append(
            f'<li class="earlier" id="timeline-earlier"><button type="button" hx-get="{page_url}'
            f'?part=timeline&amp;before={_text(earlier)}{images}" hx-target="closest li" '
            f'hx-swap="outerHTML">{conditional_escape(gettext("Tampilkan kronologi sebelumnya"))}'
            "</button></li>"
        )
    out.append("\n")
    internal = ""
    splittable = ticket.is_open and not getattr(ticket, "merged_into_id", None)
    for it in items:
        private = "" if it.public else " private"
        item_id = _text(it.id)
        out.append(
            f'\n<li class="item item-{_text(it.kind)} {_text(it.css)}{private}" '
            f'id="event-{item_id}">\n'
        )
        at = template_localtime(it.at)
        out.append(
            f'  <div class="item-head"><strong>{_text(it.title)}</strong> · {_text(it.actor)} · '
            f'<time datetime="{_text(date_filter(at, "c"))}">'
            f"{_text(date_filter(at, 'j M Y H:i'))}</time>"
        )
        if not it.public:
            if not internal:
                internal = str(conditional_escape(gettext("internal")))
            out.append(f" · <em>{internal}</em>")
        out.append("</div>\n  ")
        message = it.message
        if message:
            out.append("\n    ")
            if message.body_html:
                shown = email_html(message.body_html, images=message.pk == show_images)
                out.append(f'<div class="body body-html">{_text(shown.html)}</div>')
                if shown.blocked:
                    out.append(
                        '<p class="meta blocked-images">'
                        + str(
                            conditional_escape(
                                gettext(
                                    "Gambar dari luar tidak dimuat (dapat memberi tahu "
                                    "pengirim kapan pesan dibaca)."
                                )
                            )
                        )
                        + f' <a href="{page_url}?images={_text(message.pk)}#event-{item_id}">'
                        + str(conditional_escape(gettext("Tampilkan gambar")))
                        + "</a></p>"
                    )
            else:
                out.append(f'<div class="body">{linebreaksbr(message.body, autoescape=True)}</div>')
            out.append("\n    ")
            for a in message.attachments.all():
                out.append(
                    f'<a class="attachment" href="/api/v1/attachments/{_text(a.pk)}">📎 '
                    f"{_text(a.filename)} ({_text(filesizeformat(a.size))})</a>"
                )
            out.append("\n    ")
            if message.kind == "inbound" and splittable:  # split it: web/views/merge.py
                split = reverse("web:ticket_split", args=[ticket.pk, message.pk])
                out.append(
                    f'<a class="msg-action" href="{split}" data-split="{_text(message.pk)}">'
                    f"{conditional_escape(gettext('Pisahkan jadi tiket baru'))}</a>"
                )
            out.append("\n\n    ")
            delivery = getattr(message, "delivery_status", None)
            if delivery:
                out.append(
                    get_template("channels/_delivery_status.html").render({"delivery": delivery})
                )
            out.append("\n  ")
        elif it.body:
            out.append(f'<div class="body">{linebreaksbr(it.body, autoescape=True)}</div>')
        out.append("\n  ")
        for line in it.lines:
            out.append(f'<div class="meta">{_text(line)}</div>')
        out.append("\n</li>\n")
    return SafeString("".join(out))
