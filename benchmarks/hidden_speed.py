"""Speed of cutting an HTML read into visible, hidden and code (``core/hidden.py``).

    .venv/bin/python benchmarks/hidden_speed.py

Three pages: the 2 KB shipping mail that ``policy_speed.py`` files, and a shop
listing (head with style and script, navigation, product cards, comments) of ~16 KB
(28 cards) and ~58 KB (110 cards). Rows, measured in this run on the same pages:
- standard parser: :class:`html.parser.HTMLParser` with handlers that do nothing;
- lexbor parser: the tree :mod:`selectolax.lexbor` builds, not walked;
- split: :func:`immuno.core.hidden.split` end to end.
The rows take turns; median of the rounds' medians and best call in µs, and the
best call against the standard parser's.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from html.parser import HTMLParser

from selectolax.lexbor import LexborHTMLParser

from _timing import measure
from immuno.core.hidden import split

ROUNDS = 7


def mail() -> str:
    return (
        '<div style="display:none">Your parcel is on its way</div><table>\n'
        + (
            '<tr><td style="padding:4px">Order HL-2045 shipped, 2 items, 64.20 EUR.</td>'
            '<td><a href="https://shop.example/o/2045">Track it</a></td></tr><!-- row -->\n'
        )
        * 20
    )[:2048]


def listing(cards: int = 110, seed: int = 3) -> str:
    rng = random.Random(seed)
    words = [
        "fjord",
        "blue",
        "oat",
        "ember",
        "celadon",
        "shino",
        "tenmoku",
        "matte",
        "gloss",
        "satin",
        "cone",
        "stoneware",
    ]
    nav = "".join(
        f'<li class="nav-item"><a class="nav-link" href="/c/{i}">Category {i}</a></li>'
        for i in range(12)
    )
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Glazes &amp; clays | Kiln Street</title>"
        '<meta name="description" content="Stoneware glazes and clays">'
        '<link rel="stylesheet" href="/static/site.css">'
        "<style>.sr-only{position:absolute;width:1px;height:1px} .card{padding:8px}\n"
        ".promo{display:none} @media (max-width:600px){.wide{display:none}}</style>"
        "<script>window.dataLayer=window.dataLayer||[];"
        "function gtag(){dataLayer.push(arguments)}</script>"
        f'</head><body class="page listing"><header class="site-header"><nav><ul>{nav}'
        '</ul></nav></header><main id="content"><h1>Stoneware glazes</h1>'
        '<div class="promo">Use code SAVE10 at checkout</div><section class="grid">'
    )
    cards_html = []
    for i in range(cards):
        name = " ".join(rng.choice(words).title() for _ in range(2))
        price = rng.randint(5, 90)
        cards_html.append(
            f'<article class="card product" data-sku="KS-{i:04d}" data-price="{price}.00">'
            f'<a href="/p/ks-{i:04d}" class="card-link">'
            f'<img src="https://cdn.kiln.example/p/{i}.jpg" alt="{name} glaze" width="240" '
            'height="240" loading="lazy"></a>'
            f'<h2 class="card-title"><a href="/p/ks-{i:04d}">{name}</a></h2>'
            f'<p class="price"><span class="currency">&euro;</span>{price}.00</p>'
            f'<span class="sr-only">Rated {rng.randint(1, 5)} out of 5</span>'
            f'<button type="button" class="btn btn-primary" aria-label="Add {name} to cart">'
            "Add</button><!-- card --></article>\n"
        )
    tail = (
        '</section></main><footer><p>&copy; 2026 Kiln Street. <a href="/terms">Terms</a>'
        '</p></footer><script src="/static/app.js"></script></body></html>'
    )
    return head + "".join(cards_html) + tail


def parse_only(parser_type: type[HTMLParser], text: str) -> Callable[[], object]:
    def run() -> None:
        parser = parser_type(convert_charrefs=True)
        parser.feed(text)
        parser.close()

    return run


def tree_only(text: str) -> Callable[[], object]:
    def run() -> None:
        LexborHTMLParser(text, scripting=True)

    return run


def main() -> None:
    pages = (
        ("2 KB mail", mail(), 200),
        ("16 KB listing", listing(28), 40),
        ("58 KB listing", listing(), 10),
    )
    for label, page, runs in pages:
        rows: dict[str, Callable[[], object]] = {
            "standard parser, handlers doing nothing": parse_only(HTMLParser, page),
            "lexbor parser, tree not walked": tree_only(page),
            "split()": partial(split, page),
        }
        # the rows take turns, round after round, so a busy spell hits them alike
        medians: dict[str, list[float]] = {name: [] for name in rows}
        bests: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(ROUNDS):
            for name, fn in rows.items():
                median, _ = measure(fn, repeat=runs, warmup=2)
                medians[name].append(median)
                bests[name].append(best_of(fn, runs))
        print(f"{label}: {len(page)} characters, {ROUNDS} rounds of {runs} runs per row")
        floor = min(bests["standard parser, handlers doing nothing"])
        for name in rows:
            median, best = statistics.median(medians[name]), min(bests[name])
            print(
                f"  {name:40s} median {median:8.1f} µs   best {best:8.1f} µs"
                f"   best {best / floor:.2f}x the standard parser"
            )


def best_of(fn: Callable[[], object], runs: int) -> float:
    clock = time.perf_counter_ns
    best = float("inf")
    for _ in range(runs):
        start = clock()
        fn()
        best = min(best, (clock() - start) / 1000)
    return best


if __name__ == "__main__":
    main()
