"""Which parts of a read a person looking at it would not see.

A web page or an HTML mail can carry text that a browser never shows but an agent
reading the raw markup does: an HTML comment, a ``display:none`` block, a 1-pixel
image whose address is the real target. :func:`split` cuts a read into

``visible``
    the rendered text, plus the ``href``, ``src``, ``alt`` and ``title`` of visible
    elements (a person sees a link's address on hover and an image where it loads);
``hidden``
    prose nobody sees: HTML comments (and ``<![...]>`` sections) and Markdown comments
    (``[//]: # (...)``), ``template``, ``noscript``, ``iframe``, ``noembed`` and
    ``noframes`` content (a browser shows the page an ``iframe`` loads, never what it
    wraps), ``meta``/``link``/``base`` attributes, the text of elements with the
    ``hidden`` attribute, ``aria-hidden="true"``, an ``input type="hidden"``, an
    inline style that hides (``display:none``, ``visibility:hidden``, ``opacity:0``,
    ``font-size:0``, ``mso-hide:all``, off-screen positions, 0 or 1 pixel sizes, text
    in the colour of its own background), a hiding class (``sr-only``,
    ``visually-hidden``, ``d-none``, ``hidden``) or a class, id or tag a ``<style>``
    block of the read hides (outside ``@media``), a 0 or 1 pixel image, the rest of
    the read after a hiding element that is never closed or a comment or tag that
    never ends, and all of a read too deeply nested to parse quickly
    (:data:`MAX_DEEPENING`);
``code``
    ``script`` and ``style`` content and attribute values no one reads as text
    (``class``, ``style``, ``data-*``): code is full of imperative-looking words.

Elements that are not HTML (``<INFORMATION>``, ``<system_note>``, ``<tool-output>``)
render like a ``span`` in a browser, the tag itself unseen; but a tag of this kind
wrapping prose is how an injection frames itself for a model, and the model reads the
tag. So the content of such an element is handled as any element's (visible unless
something hides it), and the tag is kept as evidence: written, lower-cased and
without its attributes, on a line of its own where it stood (``<information>`` ...
``</information>``), in the part its content went to, where the cue check sees it.
Only a name that is a plain word (letters, ``_``, ``-``) is kept: a name with a digit,
dot, colon or ``@`` could carry an address or a number, and a tag a browser never
shows must not vouch for it. Inside ``svg`` and ``math`` every name is markup.
Text that is no tag at all (``<|system|>``, ``3 < 5``) is text.

Errors lean towards hidden: text wrongly taken for hidden vouches for nothing
(``flow.py``), text wrongly taken for visible would. External stylesheets, rules
under ``@media`` and text coloured like a background set on another element are not
seen. A ``<style>`` block counts from where it stands on, not for what came before.

The read is parsed by lexbor (through ``selectolax``): it follows the HTML Standard's
tokenizer and tree construction as browsers do (implied and misnested end tags, text
after ``</html>``, ``<noscript>`` read as with scripts on), so "visible" is what a
browser shows. lxml was the other candidate: libxml2 builds its tree by older rules
of its own and drops what follows ``</html>``, where an injection can sit. A tag that
never ends swallows the rest of the read and the parser drops it; one regular
expression (:data:`_SCAN`, one pass in C) finds where that starts, and the rest is
filed as hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

_HIDING = frozenset({"template", "noscript"})
# elements whose content a browser never shows, though their attributes count
_FALLBACK = frozenset({"iframe", "noembed", "noframes"})
_CODE = frozenset({"script", "style"})
_FOREIGN = frozenset({"svg", "math"})  # inside them, every name is markup
# The HTML elements, obsolete ones included: any other name is a tag of someone's
# own making (see the module doc).
_HTML = frozenset(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo
    bgsound big blink blockquote body br button canvas caption center cite code col
    colgroup data datalist dd del details dfn dialog dir div dl dt em embed fieldset
    figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header
    hgroup hr html i iframe image img input ins isindex kbd keygen label legend li link
    listing main map mark marquee menu menuitem meta meter multicol nav nextid nobr
    noembed noframes noscript object ol optgroup option output p param picture
    plaintext pre progress q rb rp rt rtc ruby s samp script search section select
    selectedcontent slot small source spacer span strike strong style sub summary sup svg
    table tbody td template textarea tfoot th thead time title tr track tt u ul var math
    video wbr xmp""".split()  # noqa: SIM905  (a word list, read as one)
)
_PSEUDO = re.compile(r"[a-z][a-z_-]{0,39}")  # a made-up tag kept as evidence
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


# Where a tag that never ends starts: the tokenizer of the HTML Standard read in one
# expression, text, comments, raw text elements and whole tags, and where it stops
# is a tag with no ">" (outside its quoted values) before the end of the read.
_ATTRS = (
    r"(?:[\s/]++|[^\s/>][^\s/>=]*+(?:\s*+=\s*+(?:\"[^\"]*+\"?+|'[^']*+'?+|[^\s>\"'][^\s>]*+)?+)?)*+"
)
# (one alternative per name: a group with a back-reference inside a possessive
# repeat trips a bug of the re module in Python 3.11)
_RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")
_RAW = "".join(
    rf"|<{name}(?=[\s/>]){_ATTRS}>.*?(?:</{name}(?=[\s/>]){_ATTRS}>|\Z)"
    for name in (*_RAW_TEXT, "noscript")  # noscript: read as with scripts on
)
_SCAN = re.compile(
    r"(?is)(?:[^<]++"
    r"|<!--(?:-?>|.*?--!?>|.*+)"  # a comment, to the end of the read if it never ends
    r"|<[!?][^>]*+>?"  # a doctype, a processing instruction, "<![CDATA[": a comment
    r"|</(?![a-z])[^>]*+>?" + _RAW + rf"|<plaintext(?=[\s/>]){_ATTRS}>.*+"
    rf"|</?[a-z][^\s/>]*+{_ATTRS}>"
    r"|<(?![a-z!?/]))*+"
)

# Start tags that make the parser look down its whole stack of open elements (to close
# a ``p``): nested, its time grows with the square of their number (0.6 s for 64 KB of
# ``<ul>``). A read with more of them than this is not parsed, and all of it is hidden.
MAX_DEEPENING = 4000
_DEEPENING = re.compile(
    r"(?i)<(?:div|ul|ol|dl|p|section|article|aside|nav|header|footer|main|blockquote|"
    r"address|center|details|dialog|dir|fieldset|figcaption|figure|hgroup|menu|search|"
    r"summary|h[1-6]|pre|listing|form)(?=[\s/>])"
)

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
    if text.count("<") > MAX_DEEPENING and len(_DEEPENING.findall(text)) > MAX_DEEPENING:
        return Split("", "\n".join([*comments, text]))
    if ("@" in text or ":" in text) and _ADDRESS.search(text) is not None:
        # an address in angle brackets is text, not an element
        text = _ADDRESS.sub(lambda address: "&lt;" + address.group()[1:], text)
    splitter = _Splitter()
    end = _SCAN.match(text).end()  # type: ignore[union-attr]  # it matches "" at least
    splitter.walk(text[:end])
    if end < len(text):
        splitter.hidden.append(unescape(text[end:]))  # a tag that never ends
    return Split(
        "".join(splitter.visible),
        "\n".join(comments) + "".join(splitter.hidden),
        "\n".join(splitter.code),
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
# an element being walked: (the element, hidden around it, hidden inside it, text
# that closes it, inside svg or math around it)
_Open = tuple[LexborNode, bool, bool, str, bool]


class _Splitter:
    """Walks the tree lexbor builds, in document order, into the three parts."""

    def __init__(self) -> None:
        self.visible: list[str] = []
        self.hidden: list[str] = []
        self.code: list[str] = []
        self._sheet = _Sheet()
        self._seen: dict[object, _Look] = {}

    def walk(self, text: str) -> None:
        document = LexborHTMLParser(text, scripting=True).root
        if document is None or document.parent is None:
            return
        self._walk(document.parent.child)

    def _walk(self, node: LexborNode | None) -> None:
        # a loop with a stack, not recursion: a read may nest elements very deep
        stack: list[_Open] = []
        hiding = foreign = False
        while True:
            while node is None:
                if not stack:
                    return
                element, hiding, inside, closer, foreign = stack.pop()
                if closer:
                    (self.hidden if inside else self.visible).append(closer)
                node = element.next
            tag = node.tag or ""
            if tag == "-text":
                (self.hidden if hiding else self.visible).append(node.text_content or "")
            elif tag == "-comment":
                self.hidden.append(f"\n{node.comment_content or ''}\n")
            elif not tag.startswith("-"):  # an element ("-doctype" is none)
                child, opened = self._element(node, tag, hiding, foreign)
                if child is not None and opened is not None:
                    stack.append((node, hiding, *opened, foreign))
                    hiding = opened[0] or tag in _FALLBACK
                    foreign = foreign or tag in _FOREIGN
                    node = child
                    continue
            node = node.next

    def _element(
        self, node: LexborNode, tag: str, hiding: bool, foreign: bool
    ) -> tuple[LexborNode | None, tuple[bool, str] | None]:
        """File an element's attributes (and a script or style whole); return its first
        child and (hidden inside it, text that closes it) when it is to be walked."""
        attrs = node.attributes
        key: object = (tag, tuple(attrs.items())) if attrs else tag
        # pages repeat the same tags ("<td class=x>"): judge each kind once per sheet
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = self._look(tag, attrs)
        hides, shown, code = seen
        hidden = hiding or hides
        out = self.hidden if hidden else self.visible
        if hidden and not hiding:
            out.append("\n")  # a hidden region of its own
        out.extend(shown)
        self.code.extend(code)
        if tag in _CODE:
            script = node.text(deep=True)
            self.code.append(script)
            if tag == "style":
                self._sheet.learn(script)
                self._seen.clear()  # the sheet may hide tags judged before
            return None, None
        closer = ""
        if tag in _BLOCK:
            out.append("\n")
            closer = "\n"
        if not foreign and tag not in _HTML and _PSEUDO.fullmatch(tag):
            out.append(f"\n<{tag}>\n")
            closer += f"\n</{tag}>\n"
        if tag == "template":  # its content is a fragment of its own, not its children
            fragments = node.template_fragments()
            child = fragments[0].child if fragments else None
        else:
            child = node.child
        if child is None and closer and tag not in _VOID:  # closed at once: "<p></p>"
            out.append(closer)
        return child, (hidden, closer)

    def _look(self, tag: str, pairs: dict[str, str | None]) -> _Look:
        """Does the tag hide its content by itself, and which of its attribute values
        are text a reader sees (if the element is shown) and which are code."""
        meta = tag in _META
        attrs = {name: value or "" for name, value in pairs.items()}
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
