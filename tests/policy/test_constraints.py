from __future__ import annotations

import os
from pathlib import Path

import pytest

from immuno.policy.constraints import compile_arg
from immuno.policy.spec import ArgSpec, PathRule, UrlRule


def check(value: object, **spec: object) -> str | None:
    return compile_arg(ArgSpec(name="a", where="t", **spec))(value)  # type: ignore[arg-type]


def test_types_reject_lookalikes() -> None:
    assert check(3, type="integer") is None
    assert check(True, type="integer") is not None  # a bool is not an integer here
    assert check(2.5, type="number") is None
    assert check("2.5", type="number") is not None
    assert check([1], type="array") is None
    assert check({"k": 1}, type="array") is not None


def test_enum_compares_type_and_value() -> None:
    assert check("eur", enum=("eur", "usd")) is None
    assert check("gbp", enum=("eur", "usd")) is not None
    assert check(True, enum=(1,)) is not None
    assert check(["eur"], enum=("eur",)) is not None  # unhashable never matches


def test_pattern_must_match_the_whole_value() -> None:
    spec = {"pattern": "[A-Z]{2}[0-9]{2}"}
    assert check("DE89", **spec) is None
    assert check("DE89; rm -rf /", **spec) is not None
    assert check(89, **spec) is not None


def test_numeric_range_refuses_nan_and_bounds() -> None:
    assert check(10, min=0.01, max=100) is None
    assert check(0, min=0.01) is not None
    assert check(101, max=100) is not None
    assert check(float("nan"), min=0, max=1) is not None
    assert check(float("inf"), min=0) is not None


def test_sizes() -> None:
    assert check("x" * 10, max_length=10) is None
    assert check("x" * 11, max_length=10) is not None
    assert check("é" * 6, max_bytes=11) is not None  # counted in UTF-8 bytes
    assert check({"k": "v" * 50}, max_bytes=20) is not None


def test_paths_stay_under_their_roots(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("s")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    rule = PathRule(roots=(str(root),), globs=("*.txt", "sub/*"))
    assert check("notes.txt", path=rule) is None
    assert check(str(root / "sub" / "a.md"), path=rule) is None
    assert check("../secret.txt", path=rule) == "must not contain '..'"
    assert "outside" in str(check("link.txt", path=rule))  # a symlink out of the root
    assert "outside" in str(check("/etc/passwd", path=rule))
    assert "matches none" in str(check("notes.md", path=rule))
    assert check("a\x00b.txt", path=rule) is not None


def test_urls_need_allowed_scheme_and_host_and_no_credentials() -> None:
    rule = UrlRule(schemes=("https",), hosts=("api.example.com", "*.cdn.example"))
    assert check("https://api.example.com/v1?q=1", url=rule) is None
    assert check("https://img.cdn.example/a.png", url=rule) is None
    assert check("https://cdn.example/a.png", url=rule) is not None  # wildcard needs a label
    assert check("http://api.example.com/", url=rule) is not None
    assert check("https://evil.example/", url=rule) is not None
    assert check("https://api.example.com@evil.example/", url=rule) is not None
    assert check("https://evil.example\\@api.example.com/", url=rule) is not None
    assert check("https://api.example.com.evil.example/", url=rule) is not None


@pytest.mark.parametrize("value", [None, 5, ["https://api.example.com"]])
def test_url_must_be_a_string(value: object) -> None:
    assert check(value, url=UrlRule(hosts=("api.example.com",))) is not None


def test_nullable_lets_none_through_every_constraint() -> None:
    assert check(None, type="string", pattern="x") == "must be string, got NoneType"
    assert check(None, type="string", pattern="x", nullable=True) is None
    assert check("y", type="string", pattern="x", nullable=True) is not None


def test_fields_and_items_are_checked_at_any_depth_and_named_by_place() -> None:
    email = ArgSpec(name="email", where="t", type="string", pattern="[^@]+@[^@]+")
    name = ArgSpec(name="name", where="t", type="string", required=False, max_length=5)
    person = ArgSpec(name="items", where="t", type="object", fields={"email": email, "name": name})
    people = {"type": "array", "items": person}
    assert check([{"email": "a@b"}, {"email": "c@d", "name": "Cy"}], **people) is None
    assert check([{"email": "a@b"}, {"email": "cd"}], **people) == (
        "[1].email does not match '[^@]+@[^@]+'"
    )
    assert check([{"name": "Ana"}], **people) == "[0].email is required"
    assert check([{"email": "a@b", "cc": "x"}], **people) == "[0].cc is not a declared field"
    assert check([{"email": "a@b", "name": "Annabel"}], **people) == "[0].name longer than 5 (7)"
    assert check(["a@b"], **people) == "[0] must be object, got str"
    assert check({"email": "a@b"}, **people) == "must be array, got dict"
