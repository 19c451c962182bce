"""HTML from outside (email bodies) goes through nh3 before it is shown."""

from __future__ import annotations

from django.template import Context, Template


def render(html: str) -> str:
    return Template("{% load sigap %}{{ html|sanitize_html }}").render(Context({"html": html}))


def test_scripts_handlers_and_javascript_urls_are_removed() -> None:
    out = render(
        '<p onclick="steal()">Halo <b>Kak</b><script>alert(1)</script>'
        '<a href="javascript:alert(2)">klik</a><img src=x onerror="alert(3)"></p>'
    )
    assert "<script" not in out and "onclick" not in out and "onerror" not in out
    assert "javascript:" not in out
    assert "<b>Kak</b>" in out


def test_links_get_safe_rel() -> None:
    out = render('<a href="https://belanjaku.contoh.id/lacak">Lacak paket</a>')
    assert 'href="https://belanjaku.contoh.id/lacak"' in out
    assert 'rel="noopener noreferrer nofollow"' in out


def test_rupiah_filter() -> None:
    out = Template("{% load sigap %}{{ n|rupiah }}").render(Context({"n": 1250000}))
    assert out == "Rp 1.250.000"
