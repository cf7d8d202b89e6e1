"""The quick parser (markup.py) calls its handlers exactly as the standard one does."""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest

from immuno.policy.markup import QuickParser


def recorder(base: type[HTMLParser]) -> type[HTMLParser]:
    class Recorder(base):  # type: ignore[valid-type,misc]
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.events: list[tuple[object, ...]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.events.append(("start", tag, attrs, self.get_starttag_text()))

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.events.append(("startend", tag, attrs, self.get_starttag_text()))

        def handle_endtag(self, tag: str) -> None:
            self.events.append(("end", tag))

        def handle_data(self, data: str) -> None:
            self.events.append(("data", data, self.cdata_elem))

        def handle_comment(self, data: str) -> None:
            self.events.append(("comment", data))

        def handle_decl(self, decl: str) -> None:
            self.events.append(("decl", decl))

        def handle_pi(self, data: str) -> None:
            self.events.append(("pi", data))

        def unknown_decl(self, data: str) -> None:
            self.events.append(("unknown", data))

    return Recorder


STANDARD, QUICK = recorder(HTMLParser), recorder(QuickParser)


def events(parser_type: type[HTMLParser], text: str) -> list[tuple[object, ...]]:
    parser = parser_type()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError as error:  # the standard parser's own limits, kept as they are
        return [("error", str(error))]
    return parser.events  # type: ignore[attr-defined, no-any-return]


def quick_reads(text: str) -> int:
    """How many tags of ``text`` the quick path takes (so the cases below test it)."""
    taken = 0

    class Count(QuickParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            nonlocal taken
            taken += self._quick_text is not None

    Count().feed(text)
    return taken


# pieces a start tag is built from, with those the quick path must leave alone
NAMES = ["p", "TD", "h1", "x_y", "o:p", "a@b.example", "br", "script", "title", "img", "Span"]
GAPS = [" ", "  ", "\t", "\n", "\x0b", "\xa0", "/", " / ", "", "\r\n"]
ATTR_NAMES = ["href", "CLASS", "data-x", "hidden", "a:b", "x.y", "_z", "!x", "a=b", "'q'"]
VALUES = [
    '="x"',
    "='y z'",
    "=plain",
    "=/a/b/",
    '=""',
    "=",
    " = 'spaced'",
    "==x",
    "=a&amp;b",
    '="&#88;&euro"',
    "=a'b",
    '="a>b"',
    "=x/",
    '="open',
    "=a\xa0b",
    "=`t`",
    "",
]
ENDS = [">", "/>", " >", " />", "", "\n>", "//>", " x>"]


def random_tag(rng: random.Random) -> str:
    attrs = "".join(
        rng.choice(GAPS) + rng.choice(ATTR_NAMES) + rng.choice(VALUES)
        for _ in range(rng.randint(0, 3))
    )
    return f"<{rng.choice(NAMES)}{attrs}{rng.choice(ENDS)}"


def random_text(rng: random.Random) -> str:
    pieces = [random_tag(rng) for _ in range(rng.randint(1, 6))]
    pieces += rng.choices(
        ["text &amp; more", "</p>", "</TD >", "</x_y>", "</script>", "<!-- c -->", "<", "&", "\n"],
        k=rng.randint(0, 4),
    )
    rng.shuffle(pieces)
    return "".join(pieces)


def test_random_tags_are_read_alike() -> None:
    rng = random.Random(2027)
    taken = 0
    for _ in range(4000):
        text = random_text(rng)
        assert events(QUICK, text) == events(STANDARD, text), text
        taken += quick_reads(text)
    assert taken > 1000  # the quick path was exercised, not only the fallback


@pytest.mark.parametrize(
    "text",
    [
        "<td class=\"x\" colspan=2 data-a='b c' hidden>Order</td>",
        "<a href=/p/1/>x</a><br/><br /><img src=a.png alt=''/>",
        '<p title="a &amp; b" data-x="&#88;">&euro;5</p>',
        "<script>if (a<b) { x = '<p>' }</script><p>after</p>",
        "<style>p{}</style><textarea><b>raw?</b></textarea><title><i>t</i></title>",
        "<iframe><p hidden>x</p></iframe><xmp><b></xmp>",
        '<A HREF="X">Y</A><Div\nclass="k"\n>z</DIV>',
    ],
)
def test_pages_are_read_alike(text: str) -> None:
    assert events(QUICK, text) == events(STANDARD, text)


def test_the_quick_path_takes_plain_tags_only() -> None:
    assert quick_reads('<td class="x" colspan=2>') == 1
    for odd in ["<x_y a=1>", "<a b = 'c'>", '<a b="c"d>', "<a\x0bb>", "<script>", "<a b=c'd>"]:
        assert quick_reads(odd) == 0, odd
