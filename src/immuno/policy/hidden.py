"""Which parts of a read a person looking at it would not see.

A web page or an HTML mail can carry text that a browser never shows but an agent
reading the raw markup does: an HTML comment, a ``display:none`` block, a 1-pixel
image whose address is the real target. :func:`split` cuts a read into

``visible``
    the rendered text, plus the ``href``, ``src``, ``alt`` and ``title`` of visible
    elements (a person sees a link's address on hover and an image where it loads);
``hidden``
    prose nobody sees: HTML comments (and ``<![...]>`` sections) and Markdown comments
    (``[//]: # (...)``),
    ``template`` and ``noscript`` content, ``meta``/``link``/``base`` attributes, the
    text of elements with the ``hidden`` attribute, ``aria-hidden="true"``, an
    ``input type="hidden"``, an inline style that hides (``display:none``,
    ``visibility:hidden``, ``opacity:0``, ``font-size:0``, ``mso-hide:all``, off-screen
    positions, 0 or 1 pixel sizes, text in the colour of its own background), a hiding
    class (``sr-only``, ``visually-hidden``, ``d-none``, ``hidden``) or a class, id or
    tag a ``<style>`` block of the read hides (outside ``@media``), a 0 or 1 pixel
    image, and the rest of the read after a hiding element that is never closed or a
    comment or tag that never ends;
``code``
    ``script`` and ``style`` content and attribute values no one reads as text
    (``class``, ``style``, ``data-*``): code is full of imperative-looking words.

Errors lean towards hidden: text wrongly taken for hidden vouches for nothing
(``flow.py``), text wrongly taken for visible would. External stylesheets, rules
under ``@media`` and text coloured like a background set on another element are not
seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from immuno.policy.markup import QuickParser

_HIDING = frozenset({"template", "noscript"})
_META = frozenset({"meta", "link", "base"})
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
# elements that start a line of their own, so sentences do not run across them
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "title",
        "tr",
        "ul",
    }
)
_SHOWN_ATTRS = frozenset({"href", "src", "alt", "title"})
_HIDING_CLASSES = frozenset(
    {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "d-none", "hidden"}
)
_END = r"(?:[;!}]|$)"
_HIDING_STYLE = re.compile(
    r"(?:^|[;{])(?:display:none|visibility:(?:hidden|collapse)|color:transparent|mso-hide:all|"
    r"font:0+(?:\.0*)?(?:px|pt|em|rem|%)?/|"
    rf"opacity:(?:0+(?:\.0*)?|0*\.0\d*)%?{_END}|"
    rf"font-size:(?:0*\.?0+[a-z%]*|0?\.\d+(?:px|pt)|1(?:px|pt)){_END}|"
    rf"(?:max-)?(?:width|height):0*[01](?:\.0*)?(?:px)?{_END}|"
    r"(?:left|top|right|bottom|text-indent):-\d{3,}|margin(?:-left|-top)?:-\d{4,}|"
    r"transform:(?:translate[xy]?\(-\d{3,}|scale\(0(?:[,)]|\.0+[,)]))|"
    r"clip:rect\((?:[01](?:px)?,?){4}\)|clip-path:inset\(50%)"
)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_COLOUR = re.compile(r"(?:^|;)(color|background(?:-color)?):([^;!]+)")


def hiding_style(css: str) -> bool:
    """Does this declaration list (an inline ``style``, a rule's body) hide its element:
    a hiding property, or text in the colour of its own background?"""
    compact = "".join(_CSS_COMMENT.sub("", css).lower().split())
    if _HIDING_STYLE.search(compact):
        return True
    colours = dict(_COLOUR.findall(compact))
    text = colours.pop("color", None)
    return text is not None and text in colours.values()


_TINY = re.compile(r"0*[01](?:\.0*)?(?:px)?")
_MARKDOWN_COMMENT = re.compile(r"(?m)^[ \t]{0,3}\[(?://|comment|#)\]:[ \t]*(?:#|<>)?(.*)$")
# where the HTML parser sees markup: "<b>", "<x_y hidden>", "</p>", "<!--" (not "<3")
_TAG_START = re.compile(r"<(?:[A-Za-z][^\t\n\r\f />\x00]*(?:[\s/>]|$)|[/!?])")
# ... except a bare address in angle brackets, which a mail shows as text:
# "<dan@example.com>", "<https://example.com/a>" (one with attributes is an element)
_ADDRESS = re.compile(r"<(?:[^\s<>\"'@]+@[^\s<>\"'@]+|[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"']*)>")


_BRACE = re.compile(r"[{}]")
_COMPOUND = re.compile(r"[\s>+~]+")  # between the parts of a selector
_NAMES = re.compile(r"([.#]?)([a-z_][a-z0-9_-]*)")


@dataclass
class _Sheet:
    """What a ``<style>`` block in the read hides: rules whose body hides (as an inline
    style would), outside ``@media`` and other at-rules, by class, id or tag."""

    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)

    def learn(self, css: str) -> None:
        depth, start, selector, body = 0, 0, "", 0
        for brace in _BRACE.finditer(css):
            if brace.group() == "{":
                if depth == 0:
                    selector, body = css[start : brace.start()], brace.end()
                depth += 1
                continue
            depth -= 1
            if depth == 0:
                rule = css[body : brace.start()]
                if "{" not in rule and hiding_style(rule):
                    self._add(selector)
            depth = max(depth, 0)
            start = brace.end()

    def _add(self, selectors: str) -> None:
        for selector in selectors.lower().split(","):
            if "@" in selector or ":" in selector:
                continue  # an at-rule, or a state (":hover") the reader may never see
            # the element the rule applies to: the last part ("span.z" in "p.y > span.z"),
            # by its classes and id, or by its tag when it names nothing else
            names = _NAMES.findall(_COMPOUND.split(selector.strip())[-1])
            for kind, name in names:
                if kind == ".":
                    self.classes.add(name)
                elif kind == "#":
                    self.ids.add(name)
                elif len(names) == 1:
                    self.tags.add(name)

    def hides(self, tag: str, attrs: dict[str, str]) -> bool:
        if tag in self.tags:
            return True
        if self.ids and attrs.get("id", "").strip().lower() in self.ids:
            return True
        classes = attrs.get("class")
        if not (self.classes and classes):
            return False
        return not self.classes.isdisjoint(classes.lower().split())


@dataclass(frozen=True)
class Split:
    visible: str
    hidden: str = ""  # prose a reader does not see
    code: str = ""  # script, style and markup attributes

    @property
    def hides(self) -> bool:
        return bool(self.hidden.strip() or self.code.strip())


def has_markup(text: str) -> bool:
    """Could ``text`` hide anything (HTML or a Markdown comment)? A cheap test first."""
    if "<" in text:
        for tag in _TAG_START.finditer(text):
            if _ADDRESS.match(text, tag.start()) is None:
                return True
    return "]:" in text and _MARKDOWN_COMMENT.search(text) is not None


def split(text: str) -> Split:
    """Cut ``text`` into what a reader sees, hidden prose and code (see module doc)."""
    if not has_markup(text):
        return Split(text)
    comments: list[str] = []
    if "]:" in text:
        comments = _MARKDOWN_COMMENT.findall(text)
        text = _MARKDOWN_COMMENT.sub("", text)
    parser = _Splitter()
    parser.feed(text)
    parser.finish()
    return Split(
        "".join(parser.visible),
        "\n".join(comments) + "".join(parser.hidden),
        "\n".join(parser.code),
    )


def _hides(tag: str, attrs: dict[str, str]) -> bool:
    if tag in _HIDING:
        return True
    if not attrs:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden", "").strip().lower() == "true":
        return True
    if tag == "input" and attrs.get("type", "").strip().lower() == "hidden":
        return True
    style = attrs.get("style")
    if style and hiding_style(style):
        return True
    classes = attrs.get("class")
    if classes and not _HIDING_CLASSES.isdisjoint(classes.lower().split()):
        return True
    # a tracking pixel: an image (or frame) 0 or 1 pixels wide or high
    for side in ("width", "height"):
        size = attrs.get(side)
        if size is not None and _TINY.fullmatch(size.strip()):
            return True
    return False


# (hides by itself, attribute values a reader sees, attribute values that are code)
_Look = tuple[bool, tuple[str, ...], tuple[str, ...]]


class _Splitter(QuickParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.code: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hidden from here in)
        self._hiding = False
        self._sheet = _Sheet()
        self._seen: dict[tuple[str, tuple[tuple[str, str | None], ...]], _Look] = {}

    def _start(self, tag: str, pairs: list[tuple[str, str | None]], void: bool) -> None:
        raw = self.get_starttag_text() or ""
        # an address in angle brackets is text, not an element (it holds "@" or ":")
        if ("@" in raw or ":" in raw) and _ADDRESS.fullmatch(raw):
            self.handle_data(raw)
            return
        # pages repeat the same tags ("<td class=x>"): judge each kind once per sheet
        key = (tag, tuple(pairs))
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = self._look(tag, pairs)
        hides, shown, code = seen
        hidden = self._hiding or hides
        out = self.hidden if hidden else self.visible
        if hidden and not self._hiding:
            out.append("\n")  # a hidden region of its own
        out.extend(shown)
        self.code.extend(code)
        if tag in _BLOCK:
            out.append("\n")
        if not void and tag not in _VOID:
            self._open.append((tag, hidden))
            self._hiding = hidden

    def _look(self, tag: str, pairs: list[tuple[str, str | None]]) -> _Look:
        """Does the tag hide its content by itself, and which of its attribute values
        are text a reader sees (if the element is shown) and which are code."""
        meta = tag in _META
        attrs = {name: value or "" for name, value in pairs}
        hides = meta or _hides(tag, attrs) or self._sheet.hides(tag, attrs)
        shown: list[str] = []
        code: list[str] = []
        for name, value in attrs.items():
            if not value.strip():
                continue
            if name in _SHOWN_ATTRS or (meta and name == "content"):
                shown.append(f" {value} ")
            else:
                code.append(value)
        return hides, tuple(shown), tuple(code)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, void=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, void=True)

    def handle_endtag(self, tag: str) -> None:
        # close up to the matching opener; a stray closer closes nothing
        if tag in _BLOCK:
            (self.hidden if self._hiding else self.visible).append("\n")
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                self._hiding = self._open[-1][1] if self._open else False
                break

    def handle_data(self, data: str) -> None:
        if self.cdata_elem is not None:  # inside script or style
            self.code.append(data)
            if self.cdata_elem == "style":
                self._sheet.learn(data)
                self._seen.clear()  # the sheet may hide tags judged before
        else:
            (self.hidden if self._hiding else self.visible).append(data)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:  # "<![1]", "<![x[": the parser gives up, a browser sees a comment
            return self.parse_bogus_comment(i)

    def handle_comment(self, data: str) -> None:
        self.hidden.append(f"\n{data}\n")

    def unknown_decl(self, data: str) -> None:
        self.hidden.append(f"\n{data}\n")  # <![CDATA[ ... ]]>

    def handle_pi(self, data: str) -> None:
        self.hidden.append(f"\n{data}\n")

    def finish(self) -> None:
        """What the parser still holds at the end: an unclosed script or style is
        code, an unterminated comment or tag is hidden, the rest is ordinary text."""
        tail, self.rawdata = self.rawdata, ""
        if not tail:
            return
        if self.cdata_elem is not None:
            self.code.append(tail)
        elif _TAG_START.match(tail):
            self.hidden.append(unescape(tail))
        else:
            self.handle_data(unescape(tail))
