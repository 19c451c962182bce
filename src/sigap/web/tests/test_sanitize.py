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


def test_email_html_blocks_every_image_source_by_default() -> None:
    from sigap.web.templatetags.sigap import email_html

    shown = email_html(
        '<img src="https://t.example/p.gif" alt="a"><img srcset="//t.example/a.png 2x">'
        '<img src="/lokal.png"><p style="background:url(https://t.example/b.png)">x</p>'
    )

    assert shown.html == (
        '<img data-blocked="" alt="a"><img data-blocked=""><img data-blocked=""><p>x</p>'
    )
    assert shown.blocked == 2  # the relative one would not have been shown either


def test_email_html_with_images_keeps_only_absolute_http_sources() -> None:
    from sigap.web.templatetags.sigap import email_html

    shown = email_html(
        '<img src="//t.example/p.gif"><img src="/lokal.png">'
        '<img srcset="https://t.example/a.png 1x, //t.example/b.png 2x">'
        '<img srcset="https://t.example/a.png 1x, /lokal.png 2x" onerror="x()">',
        images=True,
    )

    assert shown.html == (
        '<img src="https://t.example/p.gif" referrerpolicy="no-referrer">'
        '<img referrerpolicy="no-referrer">'
        '<img srcset="https://t.example/a.png 1x, https://t.example/b.png 2x"'
        ' referrerpolicy="no-referrer">'
        '<img referrerpolicy="no-referrer">'
    )
    assert shown.blocked == 0
