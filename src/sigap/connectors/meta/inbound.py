"""Facebook Messenger and Instagram messaging webhooks (Meta's Messenger Platform), and the
public comments on the business's posts, as Meta documents them::

    {"object": "page" | "instagram",
     "entry": [{"id": "<page id | IG account id>", "time": 1458692752478,
       "messaging": [{"sender": {"id": "<PSID | IGSID>"}, "recipient": {"id": "..."},
                      "timestamp": 1458692752478,
                      "message": {"mid": "m_...", "text": "...", "is_echo": false,
                                  "attachments": [{"type": "image",
                                                   "payload": {"url": "https://..."}}]}}],
       "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add",
                      "from": {"id": "...", "name": "..."}, "post_id": "<page>_<post>",
                      "comment_id": "<post>_<comment>", "message": "...",
                      "created_time": 1668719001}},
                   {"field": "comments", "value": {"from": {"id": "...", "username": "..."},
                      "media": {"id": "<media id>"}, "id": "<comment id>", "text": "..."}}]}]}

``object`` "page" is the Facebook Page (Messenger, and the ``feed`` field for comments),
"instagram" the Instagram professional account (DMs, and the ``comments`` field). The
envelope must have this shape or the delivery is refused with 400 before anything is
written; inside it, a message that does not have the documented shape is kept as failed
with the reason and the others are accepted (as for WhatsApp). Echoes of the business's
own messages (``is_echo``), delivery/read receipts, postbacks, other change fields,
edited or deleted comments and the business's own comments are ignored (counted in the
report, not stored). A tapped quick reply (``message.quick_reply.payload``, the text is
its title) whose payload is a proposal's signed answer (``prp:…``) is a tap, not a
customer message: stored once and handed to its handler (``messaging``), never filed.

Stored once per ``(provider, id)`` in ``InboundDelivery``: the provider is the ticket
channel ("facebook" / "instagram"; the field holds these values although ``Provider``
lists only WhatsApp and Telegram, to avoid a migration), the id the message's ``mid`` or
``comment:<comment id>``. A job files them on the customer's open ticket of that channel
(``messaging``). A comment's ticket message has the external id ``comment:<comment id>``
and its text ends with the post id and the comment id; that is what ``meta_out`` uses to
answer it publicly and then privately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sigap.connectors import conf, messaging
from sigap.connectors.messaging import Failed, Inbound, ShapeError, item_key, timestamp
from sigap.connectors.whatsapp.inbound import sign
from sigap.core.locale import in_default_language, said_in_default_language
from sigap.customers.models import ContactKind
from sigap.tickets.models import Channel

__all__ = [
    "COMMENT_PREFIX",
    "ROUTE_CODE",
    "ROUTE_LABEL",
    "ROUTE_NAMES",
    "handle",
    "parse",
    "sign",
    "signature_ok",
    "split",
    "verify_handshake",
]

COMMENT_PREFIX = "comment:"
OBJECTS: dict[str, str] = {"page": Channel.FACEBOOK, "instagram": Channel.INSTAGRAM}
COMMENT_FIELDS = {"page": "feed", "instagram": "comments"}
KINDS: dict[str, str] = {
    Channel.FACEBOOK: ContactKind.FACEBOOK,
    Channel.INSTAGRAM: ContactKind.INSTAGRAM,
}
LABELS: dict[str, str] = {Channel.FACEBOOK: "Facebook", Channel.INSTAGRAM: "Instagram"}
ATTACHMENT_LABELS = {  # translated when used: the text is stored in the default language
    "image": gettext_noop("gambar"),
    "video": gettext_noop("video"),
    "audio": gettext_noop("audio"),
    "file": gettext_noop("berkas"),
    "sticker": gettext_noop("stiker"),
    "share": gettext_noop("tautan"),
    "story_mention": gettext_noop("sebutan di story"),
    "ig_reel": gettext_noop("reel"),
    "reel": gettext_noop("reel"),
}


# --- authentication -------------------------------------------------------------------------


def verify_handshake(params: dict[str, str]) -> str | None:
    """The GET Meta sends when the webhook is configured: the challenge to echo, or None."""
    return messaging.hub_challenge(params, conf.meta_verify_token())


def signature_ok(body: bytes, header: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``."""
    return messaging.hub_signature_ok(body, header, conf.meta_app_secret())


# --- which connection: the page or Instagram account each entry is for ----------------------

ROUTE_NAMES = ("SIGAP_META_PAGE_ID", "SIGAP_META_INSTAGRAM_ID")
ROUTE_LABEL = "entry.id"
ROUTE_CODE = "unknown_page_id"


def split(payload: Any) -> dict[str, Any]:
    """The payload in parts by the page (or Instagram account) each entry is for
    (``entry[].id``): {id: the payload with only those entries}. Read leniently (the
    shape is checked when a part is parsed); always at least one part."""
    entries = payload.get("entry") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or not entries:
        return {"": payload}
    parts: dict[str, list[Any]] = {}
    for entry in entries:
        account = entry.get("id") if isinstance(entry, dict) else None
        key = str(account) if isinstance(account, str | int) and account != "" else ""
        parts.setdefault(key, []).append(entry)
    if len(parts) == 1:
        return {next(iter(parts)): payload}
    return {key: {**payload, "entry": found} for key, found in parts.items()}


# --- shape helpers --------------------------------------------------------------------------


_obj = messaging.shape_obj
_text = messaging.shape_text


def _list(value: Any, path: str) -> list[Any]:
    return messaging.shape_list(value, path, optional=True)  # a missing list is empty


def _id(value: Any, path: str) -> str:
    """Meta's ids are strings; a number is accepted too (some test tools send them)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value, path)


def _moment(value: Any, path: str, *, millis: bool) -> datetime:
    """Messaging timestamps are in milliseconds, comment times in seconds."""
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ShapeError(_("%(path)s: harus berupa cap waktu Unix") % {"path": path})
    seconds = int(value) // 1000 if millis else int(value)
    return timestamp(seconds, path)


# --- the payload ----------------------------------------------------------------------------


@dataclass
class Batch:
    messages: list[Inbound | Failed] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)

    def ignore(self, why: str) -> None:
        self.ignored[why] = self.ignored.get(why, 0) + 1


@in_default_language  # the stand-in texts are stored
def parse(payload: Any) -> Batch:
    """Check the envelope (``ShapeError`` → 400), then parse every item in it."""
    body = _obj(payload, "payload")
    kind = body.get("object")
    if kind not in OBJECTS:
        raise ShapeError(
            _("object: harus 'page' atau 'instagram', diterima %(kind)r") % {"kind": kind}
        )
    channel = OBJECTS[kind]
    items: list[tuple[str, str, str, dict[str, Any]]] = []  # (what, path, account, item)
    for e, entry in enumerate(_list(body.get("entry"), "entry") or _missing("entry")):
        path = f"entry[{e}]"
        entry = _obj(entry, path)
        account = _id(entry.get("id"), f"{path}.id")
        for m, item in enumerate(_list(entry.get("messaging"), f"{path}.messaging")):
            items.append(("messaging", f"{path}.messaging[{m}]", account, item))
        for c, change in enumerate(_list(entry.get("changes"), f"{path}.changes")):
            change_path = f"{path}.changes[{c}]"
            change = _obj(change, change_path)
            if _text(change.get("field"), f"{change_path}.field") != COMMENT_FIELDS[kind]:
                items.append(("ignored", change_path, account, {"why": _("perubahan lain")}))
                continue
            value = _obj(change.get("value"), f"{change_path}.value")
            items.append(("comment", f"{change_path}.value", account, value))
    batch = Batch()
    for what, path, account, item in items:  # the envelope is valid: item by item
        if what == "ignored":
            batch.ignore(item["why"])
            continue
        parsed = (
            _messaging(item, path, channel, account)
            if what == "messaging"
            else _comment(item, path, channel, account)
        )
        if isinstance(parsed, str):
            batch.ignore(parsed)
        else:
            batch.messages.append(parsed)
    return batch


def _missing(name: str) -> list[Any]:
    raise ShapeError(_("%(name)s: harus berupa array JSON yang tidak kosong") % {"name": name})


def _failed(channel: str, item: Any, key: Any, error: ShapeError) -> Failed:
    raw: dict[str, Any] = item if isinstance(item, dict) else {"item": item}
    external_id = key if isinstance(key, str) and key else item_key(item)
    return Failed(channel, external_id, str(error), raw)


def _messaging(item: Any, path: str, channel: str, account: str) -> Inbound | Failed | str:
    """One ``messaging[]`` event: a customer message, or why it is ignored."""
    if not isinstance(item, dict) or not isinstance(item.get("message"), dict):
        return _("bukan pesan (tanda terima, postback, reaksi …)")
    message: dict[str, Any] = item["message"]
    if message.get("is_echo") is True:
        return _("gema pesan bisnis sendiri (is_echo)")
    mid = message.get("mid")
    try:
        mid = _text(mid, f"{path}.message.mid")
        sender = _id(_obj(item.get("sender"), f"{path}.sender").get("id"), f"{path}.sender.id")
        sent_at = _moment(item.get("timestamp"), f"{path}.timestamp", millis=True)
        if message.get("is_deleted") is True:
            return _("pesan dihapus pengirim")
        text = _message_text(message, f"{path}.message")
    except ShapeError as exc:
        return _failed(channel, item, mid, exc)
    label = LABELS[channel]
    inbound = Inbound(
        provider=channel,
        external_id=mid,
        message_id=mid,
        address=sender,
        sender=sender,
        contact_kind=KINDS[channel],
        contact_value=sender,
        # the webhook carries no name
        name=said_in_default_language(
            gettext_lazy("Pengguna %(channel)s %(id)s"), channel=label, id=sender
        ),
        text=text,
        sent_at=sent_at,
        payload={"kind": "message", "account": account, "event": item},
    )
    quick = message.get("quick_reply")
    tapped = quick.get("payload") if isinstance(quick, dict) else None
    if isinstance(tapped, str) and messaging.is_tap(tapped):  # a proposal's answer button
        inbound.ignored, inbound.survey_reply = messaging.tap_ignored(tapped), tapped
    return inbound


def _message_text(message: dict[str, Any], path: str) -> str:
    """The text, then one line per attachment with its URL (the file is not fetched)."""
    lines = []
    text = _text(message.get("text"), f"{path}.text", optional=True).strip()
    if text:
        lines.append(text)
    for a, attachment in enumerate(_list(message.get("attachments"), f"{path}.attachments")):
        a_path = f"{path}.attachments[{a}]"
        attachment = _obj(attachment, a_path)
        kind = _text(attachment.get("type"), f"{a_path}.type")
        payload = attachment.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        label = _(ATTACHMENT_LABELS[kind]) if kind in ATTACHMENT_LABELS else kind
        # never starts with "[": ``messaging`` reads that as a placeholder-only text
        said = _("Lampiran %(what)s: %(url)s") if isinstance(url, str) else _("Lampiran %(what)s")
        lines.append(said % {"what": label, "url": url})
    if not lines:
        raise ShapeError(_("%(path)s: pesan tanpa text maupun attachments") % {"path": path})
    return "\n".join(lines)


def _comment(
    value: dict[str, Any], path: str, channel: str, account: str
) -> Inbound | Failed | str:
    """A ``feed`` (Facebook) or ``comments`` (Instagram) change: a new comment by a
    customer, or why it is ignored."""
    facebook = channel == Channel.FACEBOOK
    if facebook and (value.get("item") != "comment" or value.get("verb") != "add"):
        return _("bukan komentar baru (kiriman, reaksi, suntingan, hapus …)")
    comment_key = value.get("comment_id" if facebook else "id")
    try:
        comment_id = _id(comment_key, f"{path}.{'comment_id' if facebook else 'id'}")
        author = _obj(value.get("from"), f"{path}.from")
        author_id = _id(author.get("id"), f"{path}.from.id")
        if author_id == account:
            return _("komentar bisnis sendiri")
        if facebook:
            post_id = _id(value.get("post_id"), f"{path}.post_id")
            text = _text(value.get("message"), f"{path}.message")
            sent_at = _moment(value.get("created_time"), f"{path}.created_time", millis=False)
            name = _text(author.get("name"), f"{path}.from.name", optional=True)
        else:
            post_id = _id(_obj(value.get("media"), f"{path}.media").get("id"), f"{path}.media.id")
            text = _text(value.get("text"), f"{path}.text")
            sent_at = timezone.now()  # Instagram sends no time with the comment
            name = _text(author.get("username"), f"{path}.from.username", optional=True)
    except ShapeError as exc:
        return _failed(channel, value, f"{COMMENT_PREFIX}{comment_key}", exc)
    label = LABELS[channel]
    key = f"{COMMENT_PREFIX}{comment_id}"
    return Inbound(
        provider=channel,
        external_id=key,
        message_id=key,
        address=author_id,
        sender=author_id,
        contact_kind=KINDS[channel],
        contact_value=author_id,
        name=name.strip()
        or said_in_default_language(
            gettext_lazy("Pengguna %(channel)s %(id)s"), channel=label, id=author_id
        ),
        text=(
            f"{text.strip()}\n\n"
            + _("(Komentar publik %(channel)s pada kiriman %(post)s, id komentar %(comment)s)")
            % {"channel": label, "post": post_id, "comment": comment_id}
        ),
        sent_at=sent_at,
        payload={
            "kind": "comment",
            "account": account,
            "post_id": post_id,
            "comment_id": comment_id,
            "value": value,
        },
    )


# --- handling -------------------------------------------------------------------------------


def handle(payload: Any) -> dict[str, Any]:
    """Accept a verified webhook delivery (a job files the messages); the report."""
    batch = parse(payload)
    accepted = messaging.accept(batch.messages)
    return {
        "messages": accepted["counts"],
        "ignored": batch.ignored,
        "failed": [
            {"id": item.external_id, "error": item.error}
            for item in batch.messages
            if isinstance(item, Failed)
        ],
    }
