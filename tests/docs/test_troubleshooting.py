"""Every finding code the source can produce has its entry in docs/troubleshooting.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "immuno"
PAGE = ROOT / "docs" / "troubleshooting.md"

# How findings are made: a code literal (or an f-string, whose constant head names a
# family of codes) passed to a finding's constructor or to a helper that makes one.
_MADE = re.compile(
    r"""(?:\bcode\s*(?::\s*str\s*)?=\s*|\b(?:block|hold|_finding)\(\s*|_CODE\s*=\s*)"""
    r"""(f?)"([a-z_][a-z0-9_.]*)(\{)?"""
)
_IDENTITY = re.compile(r"""(?:\b_block|EnvelopeRejected)\(\s*"([a-z_]+)\"""")
_HEADING = re.compile(r"^###\s+`([^`]+)`", re.MULTILINE)


def codes_in_source() -> set[str]:
    """Exact codes, and families written ``prefix*``."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for is_f, code, brace in _MADE.findall(text):
            if "." not in code and code not in _BARE:
                continue
            found.add(f"{code}*" if is_f and brace else code)
        if path.parent.name == "identity":  # its own helper adds the prefix
            found.update(f"identity.{code}" for code in _IDENTITY.findall(text))
    found.discard("identity.*")  # _block's f-string; its codes are listed one by one
    return found


# Codes without a dot of their own (a detector's, a failing layer's).
_BARE = {"excised", "layered"}


def documented() -> set[str]:
    return set(_HEADING.findall(PAGE.read_text(encoding="utf-8")))


def test_every_code_has_an_entry() -> None:
    missing = codes_in_source() - documented()
    assert not missing, f"docs/troubleshooting.md has no entry for {sorted(missing)}"


def test_the_scan_finds_codes_of_every_kind() -> None:
    found = codes_in_source()
    for code in (
        "policy.flow.untrusted_value",
        "identity.replay",
        "identity.unsigned",
        "sig.*",
        "anomaly.*",
        "response.ladder.*",
        "classifier.injection",
        "layer.error",
        "excised",
        "obfuscation.*",
        "identity.drift",
    ):
        assert code in found, code


def test_every_entry_is_a_real_code() -> None:
    stale = documented() - codes_in_source()
    assert not stale, f"entries for codes nothing makes: {sorted(stale)}"
