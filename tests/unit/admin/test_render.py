"""Admin rendering: autoescaped templates, Markdown without raw HTML, diffs and SVG charts that escape text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from dialogue.markup import plain
from helpdesk.admin.render import make_environment, map_url, render_markdown, when
from helpdesk.admin.views_kb import diff_table
from helpdesk.charts import bar_chart
from kb_search.model import ArticleStatus, ArticleVersion
from ticket_core.durations import DurationStyle, format_duration

AT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def duration(seconds: float, lang: str = "en") -> str:
    """What the admin's `duration` filter shows."""
    return format_duration(seconds, lang, style=DurationStyle.EXACT)


def test_markdown_renders_but_raw_html_and_script_links_do_not_pass() -> None:
    html = str(render_markdown("# Title\n\n**bold** <script>alert(1)</script>\n\n[x](javascript:alert(1))"))
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html


def test_the_preview_shows_lists_and_line_breaks_as_the_chat_does() -> None:
    # A list right under its lead line and a line break inside a paragraph: the chats showed both (one
    # parser, markdown-it) while the admin's preview (Python-Markdown) ran them into one paragraph.
    source = "Проверьте:\n- дренажный шланг\n- фильтр\n\nЕсли капает дальше,\nпозвоните нам."
    html = str(render_markdown(source))
    chat = plain(source).splitlines()
    items = [line.removeprefix("• ") for line in chat if line.startswith("• ")]
    assert items == ["дренажный шланг", "фильтр"]
    assert [f"<li>{item}</li>" in html for item in items] == [True, True], html
    assert "Если капает дальше," in chat and "позвоните нам." in chat
    assert "Если капает дальше,<br />" in html, html


@pytest.mark.parametrize(
    "source",
    [
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x]( java\tscript:alert(1))",
        "![i](data:image/png;base64,AAAA)",
        "[x](vbscript:msgbox)",
    ],
)
def test_no_spelling_of_a_script_url_survives(source: str) -> None:
    html = str(render_markdown(source))
    # Either a link whose address was refused, or no link at all (a destination with a tab is not one).
    assert re.findall(r'(?:href|src)="([^"]*)"', html) in ([], ["#"]), html


@pytest.mark.parametrize("url", ["https://example.org/a?b=1", "mailto:desk@example.org", "/kb/12", "#part"])
def test_web_mail_and_relative_links_are_kept(url: str) -> None:
    assert f'href="{url}"' in str(render_markdown(f"[x]({url})"))


def test_templates_autoescape_values() -> None:
    env = make_environment()
    out = env.from_string("{{ v }}").render(v="<b>x</b>")
    assert out == "&lt;b&gt;x&lt;/b&gt;"


def test_time_and_duration_filters() -> None:
    assert when(AT) == "2026-03-02 09:05 UTC"
    assert when(None) == ""
    assert duration(90) == "1 min"
    assert duration(3 * 3600 + 300) == "3 h 5 min"
    assert duration(2 * 86400 + 3600) == "2 d 1 h"
    assert duration(-600) == "-10 min"


def _version(n: int, body: str) -> ArticleVersion:
    return ArticleVersion(
        "a", n, "T", body, "public", "en", ("x",), ArticleStatus.DRAFT, "edit", "a-admin", AT
    )


def test_diff_shows_changed_lines_escaped() -> None:
    table = str(diff_table(_version(1, "old line\n<b>same</b>"), _version(2, "new line\n<b>same</b>")))
    assert "version 1" in table and "version 2" in table
    assert "old" in table and "new" in table
    assert "<b>same</b>" not in table and "&lt;b&gt;same&lt;/b&gt;" in table
    assert 'class="diff_chg">old line' in table and 'class="diff_chg">new line' in table
    same = str(diff_table(_version(1, "a"), _version(2, "a")))
    assert "same content" in same


def test_bar_chart_escapes_labels_and_leaves_gaps() -> None:
    svg = str(bar_chart("Opened <x>", ["<day>", "b", "c"], [3, None, 6]))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<day>" not in svg and "&lt;day&gt;" in svg
    assert svg.count("<rect") == 2  # None leaves a gap
    assert 'height="150.0"' in svg  # the largest value fills the bar area


def test_times_in_the_company_zone_and_durations_in_the_readers_language() -> None:
    # A working day (#18): the admin showed "2026-03-02 09:05 UTC" and "4 h 0 min" to a Russian supervisor
    # whose company works on Moscow time.
    from zoneinfo import ZoneInfo

    assert when(AT, ZoneInfo("Europe/Moscow")) == "2026-03-02 12:05 MSK"
    assert when(AT, ZoneInfo("Asia/Dubai")) == "2026-03-02 13:05 UTC+04"
    assert when("2026-03-02T09:05:00+00:00", ZoneInfo("Europe/Moscow")) == "2026-03-02 12:05 MSK"
    assert duration(3 * 3600 + 300, "ru") == "3 ч 5 мин" and duration(2 * 86400 + 3600, "ru") == "2 д 1 ч"
    env = make_environment()
    page = env.from_string("{{ t|when }} / {{ s|duration }}")
    assert (
        page.render(t=AT, s=1800, tz=ZoneInfo("Europe/Moscow"), lang="ru") == "2026-03-02 12:05 MSK / 30 мин"
    )
    assert page.render(t=AT, s=1800, lang="en") == "2026-03-02 09:05 UTC / 30 min"


def test_a_place_is_a_map_link_named_after_the_nearest_town_with_its_numbers_beside() -> None:
    assert (
        map_url(59.96, 30.32)
        == "https://www.openstreetmap.org/?mlat=59.96000&mlon=30.32000#map=15/59.96000/30.32000"
    )
    env = make_environment()
    template = env.from_string('{% from "_place.html" import place with context %}{{ place(lat, lon) }}')
    ru = template.render(lat=59.96, lon=30.32, lang="ru", _=lambda text: {"on the map": "на карте"}[text])
    assert ru == (
        f'<a class="map" href="{map_url(59.96, 30.32).replace("&", "&amp;")}" title="59.9600, 30.3200" '
        'target="_blank" rel="noopener">Петроградский</a> <span class="muted">59.9600, 30.3200</span>'
    )
    en = template.render(lat=55.75, lon=37.62, lang="en", _=str)
    assert ">Moscow</a>" in en
    nowhere = template.render(lat=60.5, lon=100.0, lang="ru", _=lambda text: {"on the map": "на карте"}[text])
    assert ">на карте</a>" in nowhere and "60.5000, 100.0000" in nowhere  # no town within 20 km: still a link
