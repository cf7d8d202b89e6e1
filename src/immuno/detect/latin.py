"""Text in any script, read in Latin letters (``anyascii``), for models whose features
should not carry the script itself.

A hashed n-gram model learns a script's bytes as evidence when most text in that
script it saw was an attack; read in Latin letters, "Игнорируй" and "ignoriruy" share
their features, and Russian prose shares the letters of every other prose. Characters
of the wide scripts (U+2E80 on: CJK, kana, Hangul syllables) become words of their
own, as their readings carry no spaces between them.
"""

from __future__ import annotations

import logging
from importlib import metadata

from immuno.core.errors import ConfigError

log = logging.getLogger("immuno.detect")
_WIDE = 0x2E80


def available(fitted: str | None = None) -> None:
    """Raise a ConfigError naming the package when ``anyascii`` is not installed (only
    a model that names Latin channels needs it: ``pip install anyascii``); warn when it
    is not the version the model was fitted with (``fitted``): its readings may differ."""
    try:
        import anyascii  # noqa: F401
    except ImportError:
        raise ConfigError(
            "classifier", "this model reads text in Latin letters: pip install anyascii"
        ) from None
    installed = metadata.version("anyascii")
    if fitted is not None and installed != fitted:
        log.warning(
            "the classifier was fitted with anyascii %s, this is %s: its readings of "
            "other scripts may differ (pip install anyascii==%s)",
            fitted,
            installed,
            fitted,
        )


class _Readings(dict[int, str]):
    """A ``str.translate`` table filled as characters are first met (one lookup each
    after that, in C)."""

    def __missing__(self, codepoint: int) -> str:
        from anyascii import anyascii

        char = chr(codepoint)
        out: str = anyascii(char)
        reading = f" {out} " if codepoint >= _WIDE and out else out
        self[codepoint] = reading  # one dict store: atomic under the GIL
        return reading


_READINGS = _Readings({cp: chr(cp) for cp in range(128)})


def as_latin(text: str) -> str:
    """``text`` with every character outside ASCII read in Latin letters."""
    return text if text.isascii() else text.translate(_READINGS)
