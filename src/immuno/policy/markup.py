"""The standard library's HTML parser, quicker on the plain tags that make up most pages.

:class:`html.parser.HTMLParser` spends most of its time on start tags: a regular
expression to find where the tag ends, another for its name, one per attribute, all
in Python. :class:`QuickParser` first tries one expression that takes only a narrow,
regular form of tag (``<td class="x" colspan=2>``, ``</td>``, ``<br/>``): ASCII names,
single spaces or tabs or newlines between attributes, ``=`` right after the name,
values quoted or made of plain characters. For such a tag the standard parser's
result is certain (the same name and attributes, lower-cased and unescaped), so the
handlers see exactly the same calls. Anything else, and any tag whose content the
parser reads as raw text (``script``, ``style``, ``textarea`` ...), goes to the
standard parser unchanged; ``tests/policy/test_markup.py`` compares the two.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_SPACE = r"[ \t\n\r\f]"
_NAME = r"[a-zA-Z_:][-a-zA-Z0-9_:.]*+"
# an unquoted value stops, for the standard parser, at whitespace or ">"; one holding
# a quote, "=", "<" or a backtick is left to it
_BARE = r"[^\s\"'<>=`]++"
_ATTR = re.compile(rf"{_SPACE}++({_NAME})(=(?:\"([^\"]*+)\"|'([^']*+)'|({_BARE})))?+")
_START = re.compile(
    rf"<(?P<tag>[a-zA-Z][a-zA-Z0-9]*+)(?P<attrs>(?:{_ATTR.pattern})*+){_SPACE}*+(?P<void>/?)>"
)
_END = re.compile(r"</([a-zA-Z][a-zA-Z0-9]*+)>")
# elements whose content some version of the parser reads as raw text, not markup
_RAW_TEXT = frozenset(
    {
        "script",
        "style",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
        "textarea",
        "title",
    }
)


class QuickParser(HTMLParser):
    """An :class:`HTMLParser` that reads plain start and end tags with one expression
    each; its handlers are called exactly as the standard parser calls them."""

    _quick_text: str | None = None  # the last start tag, when read here

    def updatepos(self, i: int, j: int) -> int:
        # the parser counts lines and columns for getpos(); a subclass that asks for
        # them must not use this class
        return j

    def get_starttag_text(self) -> str | None:
        if self._quick_text is not None:
            return self._quick_text
        return super().get_starttag_text()

    def parse_starttag(self, i: int) -> int:
        match = None if self.cdata_elem is not None else _START.match(self.rawdata, i)
        tag = match["tag"].lower() if match else ""
        if match is None or tag in _RAW_TEXT or tag in self.CDATA_CONTENT_ELEMENTS:
            self._quick_text = None
            return super().parse_starttag(i)
        self._quick_text = match.group()
        self.lasttag = tag
        attrs: list[tuple[str, str | None]] = []
        for name, equals, double, single, bare in _ATTR.findall(match["attrs"]):
            value = double or single or bare
            if "&" in value:
                value = unescape(value)
            attrs.append((name.lower(), value if equals else None))
        if match["void"]:
            self.handle_startendtag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
        return match.end()

    def parse_endtag(self, i: int) -> int:
        match = None if self.cdata_elem is not None else _END.match(self.rawdata, i)
        if match is None:
            return super().parse_endtag(i)
        self.handle_endtag(match.group(1).lower())
        return match.end()
