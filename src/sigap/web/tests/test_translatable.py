"""Every Indonesian string Sigap shows goes through gettext: the Python sources (not the
tests, not the migrations) are read with ``ast`` and a string constant that reads as
Indonesian (one of a list of common words) fails the test unless it is

- the argument of a gettext call (``_``, ``gettext``, ``gettext_lazy``, ``gettext_noop``,
  ``ngettext``, ``pgettext``…), or a docstring;
- not shown to anyone as text: a dict key or a value compared against (``==``, ``in``),
  a pattern (``re.*``), a log message (``log.*``, ``logger.*``, ``logging.*``), a URL
  route (``path(...)``), an argument of ``startswith``/``endswith``;
- in a module of ``ALLOWED`` (each with its reason), or one of ``ALLOWED_STRINGS``.

The other half, "translated", is ``test_english.py``: no entry of the catalog without its
English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]  # src/sigap

# Whole words, case-insensitive: common Indonesian words of Sigap's own sentences, none of
# them English.
WORDS = re.compile(
    r"(?<![\w-])(tiket|pelanggan|tidak|silakan|anda|gagal|belum|sudah|terima kasih|usulan|"
    r"kami|wajib|harus|dengan|untuk|yang|atau|dari|pesan|balasan|keluhan|tautan|berhasil|"
    r"dikirim|terkirim|ditemukan|diisi|nomor|lewat|sedang|akan|bisa|dapat|mohon|maaf|"
    r"petugas|kirim|simpan|hapus|ubah|daftar|buat|tambah|riwayat|salah|"
    # the words of what Sigap stores and shows later: audit details, timeline reasons,
    # notes, errors of a delivery
    r"saluran|kotak surat|templat|aturan|kebijakan|perutean|triase|otomatis|otomasi|sesi|"
    r"perangkat|semua|baris|laporan|sisa|ulang|periode|libur|urutan|matriks|tangga|bawaan|"
    r"eskalasi|tingkat|kalender|obrolan|rekan|pekerjaan|terlampir|lampiran|gangguan|"
    r"jaringan|jawaban|menolak|penyedia|kosong|pengguna|penelepon|panggilan|rincian|"
    r"percobaan|persetujuan|konfirmasi|tenggat|keselamatan|kedaluwarsa|belanja|judul|"
    r"organisasi|pribadi|dokumen|pencarian|mentah|tanpa|dibuat|diubah|dihapus|"
    # and the passive verbs of Indonesian: di…kan (dihubungkan, disinkronkan, dialihkan)
    r"di[a-z]{3,}kan)(?![\w-])",
    re.IGNORECASE,
)

GETTEXT = {
    "said_in_default_language",  # its first argument is a gettext_lazy text
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
LOGGERS = {"log", "logger", "logging", "_log"}
NOT_SHOWN_CALLS = {"startswith", "endswith", "path", "re_path", "removeprefix"}

# Modules whose Indonesian strings are not Sigap's own words to a reader.
ALLOWED = {
    # each message's default text in Indonesian and in English, side by side (a template
    # per language, edited on the settings page), not a string to translate
    "accounts/message_templates.py": "the messages' default texts, one per language",
    # the demo's business: its customers' messages, articles and names are the data
    "demo/": "the demo business's own (Indonesian) content",
    "web/seed.py": "seed data: the business's own content, edited afterwards",
    # word lists that read Indonesian customers' messages, never shown
    "kb/intents.py": "the chatbot's Indonesian keyword lists",
    "kb/search.py": "stop words of the search",
    "kb/sentiment.py": "the sentiment lexicon",
    "text/indonesian.py": "the Indonesian text pipeline's word lists",
    "relations/incidents.py": "generic words left out of incident grouping",
    # operator console output, like log messages (Django's own commands are English only)
    "management/commands/": "console output of command-line tools for the operator",
}

# Single constants that are not text for a reader, with the reason (a string matches when it
# starts with the listed text).
ALLOWED_STRINGS: dict[tuple[str, str], str] = {
    ("metrics/catalog.py", "tiket"): "a metric's unit code (``unit == 'tiket'``), never shown",
    ("connectors/messaging/inbound.py", "jawaban survei (tidak dicatat sebagai pesan tiket)"): (
        "a marker stored on skipped deliveries and queried by prefix (messaging.filing)"
    ),
    (
        "connectors/messaging/inbound.py",
        "jawaban atas usulan (dicatat pada usulan, bukan sebagai pesan)",
    ): "a marker stored on skipped deliveries and queried by prefix (messaging.filing)",
    ("connectors/email/smtpd.py", "451 4.3.0 Pesan belum dapat disimpan; silakan coba lagi"): (
        "an SMTP reply to the sending mail server"
    ),
    ("settings.py", "Layanan Pelanggan"): "the default of SIGAP_BUSINESS_NAME, a name",
    ("sla/defaults.py", "Chat dan pesan"): "the name of a seeded SLA policy (data, editable)",
    ("web/setup_checklist.py", "Pelanggan Uji"): "the name of the checklist's test customer",
    ("web/views/errors.py", '<!doctype html><html lang="id">'): (
        "the last-resort 500 page, already in both languages, for when templates fail"
    ),
    # the name an attachment without a file name is saved under (a file name, not a text)
    ("connectors/email/inbound.py", "lampiran"): "a file name for an unnamed attachment",
    ("connectors/messaging/media.py", "lampiran"): "a file name for an unnamed attachment",
    ("tickets/api.py", "lampiran"): "a file name for an unnamed attachment",
    ("tickets/attachments.py", "lampiran"): "a file name for an unnamed attachment",
    ("relations/campaigns.py", "{tingkat}"): "a placeholder of the message-template syntax",
    ("tickets/transitions.py", "konfirmasi"): "a procedure step's code (its label is _())",
    ("triage/service.py", "keselamatan"): "the safety tag's name (a tag, data)",
    ("web/views/ticket.py", "tenggat"): "a placeholder's name looked up in the values",
}


def _allowed(rel: str, text: str) -> bool:
    """Listed in ``ALLOWED_STRINGS`` (the listed text, or a string starting with it)."""
    return any(module == rel and text.startswith(allowed) for module, allowed in ALLOWED_STRINGS)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _owner(func: ast.expr) -> str:
    """``log`` of ``log.info(...)``."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return ""


def _exempt(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Is this string constant fine where it stands (see the module's docstring)?"""
    child, parent = node, parents.get(node)
    # climb out of f-strings, concatenations and conditional expressions: the text they make
    while isinstance(parent, (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.IfExp)):
        child, parent = parent, parents.get(parent)
    if isinstance(parent, ast.Expr):
        return True  # a docstring (or a bare string: not shown)
    if isinstance(parent, ast.Call):
        name, owner = _name(parent.func), _owner(parent.func)
        if name in GETTEXT or name in NOT_SHOWN_CALLS:
            return True
        if owner in LOGGERS or owner == "re":
            return True
    if isinstance(parent, ast.Dict) and any(child is k for k in parent.keys):
        return True
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, (ast.Tuple, ast.List, ast.Set)) and isinstance(
        parents.get(parent), ast.Compare
    ):
        return True  # x in ("a", "b")
    # a key looked up (``d["tiket"]``), not a text cut to length (``f"Tiket {n}"[:80]``)
    return isinstance(parent, ast.Subscript) and child is not parent.value


def untranslated(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and WORDS.search(node.value)
            and not _exempt(node, parents)
        ):
            found.append((node.lineno, node.value))
    return sorted(found)


def sources() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        parts = rel.split("/")
        if "tests" in parts or "migrations" in parts or parts[-1].startswith("test_"):
            continue
        if any(rel.startswith(a) or f"/{a}" in f"/{rel}" for a in ALLOWED):
            continue
        out.append((rel, path))
    return out


def test_the_scan_finds_an_untranslated_string(tmp_path: Path) -> None:
    """The test can fail: it sees Indonesian outside gettext, and only there."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.utils.translation import gettext as _\n"
        "import logging\n"
        "log = logging.getLogger(__name__)\n"
        "def f(n):\n"
        '    """Tiket dan pelanggan (a docstring)."""\n'
        '    log.info("tiket %s tidak ada", n)\n'
        '    ok = _("Tiket %(n)s sudah ditutup.") % {"n": n}\n'
        '    keys = {"tidak ada": 1}\n'
        '    if n in ("sudah", "belum"):\n'
        "        pass\n"
        '    shown = f"Tiket {n} gagal dikirim."\n'
        '    also = "Pelanggan " + str(n) + " tidak ditemukan."\n'
        '    cut = f"Pesan dari {n}"[:80]\n'
        '    looked_up = keys["tidak ada"]\n'
        "    return ok, keys, shown, also, cut, looked_up, 'Ticket closed.'\n"
    )
    assert [line for line, _text in untranslated(sample)] == [11, 11, 12, 12, 13]


def test_every_indonesian_string_shown_goes_through_gettext() -> None:
    over = [
        f"{rel}:{line}: {text[:70]!r}"
        for rel, path in sources()
        for line, text in untranslated(path)
        if not _allowed(rel, text)
    ]
    assert over == [], (
        "Indonesian strings outside gettext (wrap them in _(), gettext_lazy at module "
        "level, and add the English to django.po):\n" + "\n".join(over)
    )


# Keyword arguments whose text is stored and shown later (an audit log's detail, a
# timeline's reason, a note): prose given to them goes through gettext_lazy and
# ``said_in_default_language`` (or ``gettext`` in code run in the default language), in any
# language: an English literal there is as untranslated as an Indonesian one.
STORED = {"detail", "reason", "note", "error", "description", "help_text", "verbose_name"}
# a code, not prose: one lowercase token (``reason="manual"``)
CODE = re.compile(r"[a-z0-9_.:*-]*")
TRANSLATED = GETTEXT - {"gettext_noop"}


def _prose(node: ast.expr) -> bool:
    """A string constant or an f-string that reads as words, not a code or a format."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        return bool(re.search(r"[A-Za-z]{3,}", text)) and not CODE.fullmatch(text)
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return bool(re.search(r"[a-z]{3,}", text))
    return False


def _loose(node: ast.AST) -> list[ast.expr]:
    """The prose in ``node`` outside a gettext call."""
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return []
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        return [node] if _prose(node) else []
    if isinstance(node, ast.Compare):
        return []
    return [found for child in ast.iter_child_nodes(node) for found in _loose(child)]


def stored_untranslated(path: Path) -> list[tuple[int, str]]:
    """(line, source) of each keyword argument of ``STORED`` given prose outside gettext."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _name(node.func) in GETTEXT:
            continue
        for keyword in node.keywords:
            if keyword.arg in STORED:
                found += [(n.lineno, ast.unparse(n)) for n in _loose(keyword.value)]
    return sorted(found)


# Keyword arguments of ``STORED`` given literal text on purpose, with the reason.
STORED_ALLOWED: dict[tuple[str, str], str] = {
    (
        "triage/subscribers.py",
        "f\"severity=penting, priority=P1 ({', '.join(safety.signals)})\"",
    ): "the fields set, as codes (field=value), like an automation rule's applied actions",
}


def test_the_stored_text_scan_finds_prose_outside_gettext(tmp_path: Path) -> None:
    """It can fail: prose stored for later outside gettext, in either language, is found;
    codes, formats and texts through gettext or said_in_default_language are not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.utils.translation import gettext as _, gettext_lazy\n"
        "from sigap.core.locale import said_in_default_language\n"
        "def f(audit, label, created, n):\n"
        "    audit.record(detail=f\"saluran {label} {'dihubungkan' if created else 'diubah'}\")\n"
        '    audit.record(detail="loyalty programme")\n'
        '    audit.record(reason="Perutean otomatis: " + label)\n'
        '    audit.record(note="Impor")\n'
        '    audit.record(detail=said_in_default_language(gettext_lazy("sesi %(n)s"), n=n))\n'
        '    audit.record(reason=_("Triase otomatis: %(c)s") % {"c": label})\n'
        '    audit.record(reason="manual", detail=f"{label}: {n}", note=f"SSO {label}")\n'
        '    audit.record(detail="x" if n == "semua perangkat" else label)\n'
    )
    assert [line for line, _text in stored_untranslated(sample)] == [4, 5, 6, 7]
    # and the word list reads the stored texts' Indonesian, wherever it stands
    assert [line for line, _text in untranslated(sample)] == [4, 4, 4, 6]


def test_every_stored_text_goes_through_gettext() -> None:
    over = [
        f"{rel}:{line}: {text[:70]}"
        for rel, path in sources()
        for line, text in stored_untranslated(path)
        if (rel, text) not in STORED_ALLOWED
    ]
    assert over == [], (
        "Texts stored and shown later outside gettext: write them as "
        'said_in_default_language(gettext_lazy("… %(name)s …"), name=value) and add the '
        "English to django.po:\n" + "\n".join(over)
    )


def gettext_msgids(path: Path) -> list[tuple[int, str, str]]:
    """(line, context, msgid) of each gettext call with constant text in ``path``; an
    f-string given to gettext is a msgid no catalog can hold: (line, "", "<f-string>")."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _name(node.func) not in GETTEXT or not node.args:
            continue
        contextual = _name(node.func).startswith(("pgettext", "npgettext"))
        args = node.args[1:] if contextual else node.args
        context = node.args[0] if contextual else None
        if not args:
            continue
        first = args[0]
        if isinstance(first, ast.JoinedStr):
            out.append((node.lineno, "", "<f-string>"))
        elif isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
            ctx = context.value if isinstance(context, ast.Constant) else ""
            out.append((node.lineno, str(ctx), first.value))
    return out


def test_every_gettext_string_is_in_the_english_catalog() -> None:
    """The other half: a string wrapped in gettext but missing from django.po (makemessages
    not run) would show in Indonesian on an English page."""
    from sigap.web.tests.test_english import CATALOGS, parse_po

    known = {(e.msgctxt, e.msgid) for e in parse_po(CATALOGS / "django.po")}
    missing = [
        f"{rel}:{line}: {msgid[:70]!r}"
        for rel, path in sources()
        for line, ctx, msgid in gettext_msgids(path)
        if (ctx, msgid) not in known
    ]
    assert missing == [], "run makemessages and translate:\n" + "\n".join(missing)
