"""The HTML report is well-formed and shows hostile text as text; the scorecard has
exactly the dashboard's keys."""

from __future__ import annotations

from html.parser import HTMLParser

from immuno.redteam import html, report
from immuno.redteam.runner import Score

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
VOID = {"meta", "br", "img", "hr", "input", "link"}


class Balanced(HTMLParser):
    """Checks that every element is closed in order; collects the text."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _run() -> report.Run:
    hostile = Score(HOSTILE, attacks=2, stopped=1, benign=2, passed=2, latencies=[5.0, 9.0])
    hostile.codes = {f"detect.{HOSTILE}": 1}
    hostile.techniques = {HOSTILE: [2, 1]}
    skipped = Score("sandbox escape", skipped=f"bwrap: not found {HOSTILE}")
    return report.Run(f"immuno {HOSTILE}", "2026-12-07T00:00:00Z", 1.5, "tmp", [hostile, skipped])


def test_the_html_is_well_formed_and_escapes_hostile_text() -> None:
    page = html.render(_run())
    parser = Balanced()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    assert "script" not in parser.tags and "img" not in parser.tags
    assert HOSTILE in "".join(parser.text)  # shown as text
    assert "&lt;script&gt;" in page and "<style>" in page


def test_the_scorecard_has_the_dashboards_keys_only() -> None:
    card = report.scorecard(_run())
    assert set(card) == {
        "version",
        "generated_at",
        "target",
        "attacks",
        "stopped",
        "families",
        "notes",
    }
    assert card["attacks"] == 2 and card["stopped"] == 1
    assert [set(f) for f in card["families"]] == [{"name", "attacks", "stopped"}]
    assert "sandbox escape skipped" in card["notes"]
