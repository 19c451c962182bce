from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import nh3
from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from sigap.core.money import format_rupiah

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def rupiah(amount: int | None) -> str:
    return format_rupiah(int(amount or 0))


REMOTE_URL = re.compile(r"^(?:https?:)?//[^/\s]", re.IGNORECASE)
LINK_REL = "noopener noreferrer nofollow"
# nh3's defaults, plus the responsive image list (it is checked like ``src`` below).
ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()} | {
    "img": nh3.ALLOWED_ATTRIBUTES["img"] | {"srcset"}
}


@dataclass(frozen=True)
class EmailHtml:
    html: SafeString
    blocked: int  # image sources left out (remote images not loaded)


def _remote_url(url: str) -> str | None:
    """An absolute http(s) URL (a protocol-relative one made https), else ``None``: a
    relative URL would be fetched from Sigap itself, other schemes are not images."""
    url = url.strip()
    if not REMOTE_URL.match(url):
        return None
    return "https:" + url if url.startswith("//") else url


def _image_source(attr: str, value: str) -> str | None:
    """What ``src``/``srcset`` may load when images are shown; ``None``: drop it."""
    if attr == "src":
        return _remote_url(value)
    candidates = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        remote = _remote_url(url)
        if remote is None:
            return None
        candidates.append(f"{remote} {descriptor.strip()}".strip())
    return ", ".join(candidates) or None


def email_html(markup: str, *, images: bool = False) -> EmailHtml:
    """HTML from outside (email) made safe to show: scripts, styles (so CSS ``url()``),
    handlers and unsafe URLs removed. Images are fetched from their senders' servers, so
    a tracking pixel would tell them when and from where an agent read the mail: by
    default no image source is kept (``blocked`` counts those left out, and the image
    keeps ``data-blocked``). ``images=True`` (an agent asked, for this one message) keeps
    the absolute http(s) sources, fetched without a referrer."""
    blocked = 0

    def image_filter(tag: str, attr: str, value: str) -> str | None:
        nonlocal blocked
        if tag != "img" or attr not in ("src", "srcset"):
            return value
        source = _image_source(attr, value)
        if images:
            return source
        blocked += source is not None
        return None

    clean = nh3.clean(
        markup or "",
        attributes=ATTRIBUTES,
        link_rel=LINK_REL,
        attribute_filter=image_filter,
        set_tag_attribute_values={
            "img": {"referrerpolicy": "no-referrer"} if images else {"data-blocked": ""}
        },
    )
    return EmailHtml(mark_safe(clean), blocked)


@register.filter
def sanitize_html(html: str) -> SafeString:
    """HTML from outside (email), sanitized, with remote images blocked (``email_html``)."""
    return email_html(html).html


@register.simple_tag(takes_context=True)
def timeline_items(context: template.Context) -> SafeString:
    """The ticket page's timeline entries (``web.timeline_html``: written in Python)."""
    from sigap.web.timeline_html import timeline_items_html

    return timeline_items_html(
        context["items"],
        ticket=context["ticket"],
        earlier=context.get("earlier"),
        show_images=context.get("show_images"),
    )


# The composer's fields as Django's widgets draw them for a fresh reply form, once per
# (form, language, "then" choices) in each process: only the newest message's id in its
# hidden ``seen`` input changes from page to page (about 1 ms of the ticket page's CPU
# drawn each time; decision 0009, seventh pass). A form shown again (bound, with its
# errors or the unseen messages) is drawn as it is.
_COMPOSER_FIELDS: dict[tuple[Any, ...], str] = {}
_SEEN = 918273645546372819  # stands for the ``seen`` value in the drawing kept


@register.simple_tag
def composer_fields(form: Any, unseen: Any) -> SafeString:
    """``web/_composer_fields.html`` for ``form`` (the composer's reply form)."""
    fields = get_template("web/_composer_fields.html")
    seen = form.initial.get("seen")
    if form.is_bound or unseen or set(form.initial) != {"seen"} or type(seen) is not int:
        return SafeString(fields.render({"form": form, "unseen": unseen}))
    choices = tuple((str(v), str(label)) for v, label in form.fields["then"].choices)
    key = (type(form), form.auto_id, get_language(), choices)
    drawn = _COMPOSER_FIELDS.get(key)
    if drawn is None:
        if len(_COMPOSER_FIELDS) > 256:  # bounded (forms by languages by moves are few)
            _COMPOSER_FIELDS.clear()
        fresh = type(form)(initial={"seen": _SEEN}, auto_id=form.auto_id)
        fresh.fields["then"].choices = form.fields["then"].choices
        drawn = fields.render({"form": fresh, "unseen": unseen})
        _COMPOSER_FIELDS[key] = drawn
    return SafeString(drawn.replace(f'value="{_SEEN}"', f'value="{seen}"'))


# The staff menu's links, drawn once per (language, page, role) in each process: they
# are the same on every request but for those three, and drawing them cost about a
# millisecond of each staff page (a fifth of the inbox's template work).
_STAFF_LINKS: dict[tuple[str, str, str, bool, bool], SafeString] = {}


@register.simple_tag(takes_context=True)
def staff_links(context: template.Context, here: str | None) -> SafeString:
    user = context["user"]
    lead, admin = bool(user.is_supervisor_or_admin), user.role == "admin"
    key = (get_language(), get_script_prefix(), here or "", lead, admin)
    drawn = _STAFF_LINKS.get(key)
    if drawn is None:
        if len(_STAFF_LINKS) > 1024:  # bounded (pages by roles by languages are far fewer)
            _STAFF_LINKS.clear()
        drawn = SafeString(
            get_template("web/_staff_links.html").render(
                {"here": here or "", "lead": lead, "admin": admin}
            )
        )
        _STAFF_LINKS[key] = drawn
    return drawn
