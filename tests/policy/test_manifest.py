from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from policy_fixtures import BASIC

from immuno import ConfigError, parse_config
from immuno.policy import load_manifests, parse_manifest
from immuno.policy.spec import Source


def test_basic_manifest_parses_with_grants_and_rules() -> None:
    manifest = load_manifests_text(BASIC)
    payments = manifest.agents["payments"]
    assert manifest.granted(payments) == {"bank.transfer", "bank.payees"}
    transfer = manifest.tools["bank.transfer"]
    assert transfer.sink == "money"
    assert transfer.args["account"].source is Source.TRUSTED
    assert transfer.args["memo"].required is False
    assert manifest.tools["shell.run"].approval is True


def load_manifests_text(text: str):  # type: ignore[no-untyped-def]
    from immuno.policy.manifest import merge

    return merge([parse_manifest(text, "m.yaml")])


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        ("agents:\n  a:\n    rolez: [x]\n", 3, "agents.a.rolez", "unknown key"),
        (
            "tools:\n  t:\n    args:\n      n: {type: number, max: ten}\n",
            4,
            "tools.t.args.n.max",
            "must be int/float",
        ),
        ("tools:\n  t:\n    sink: moneyy\n", 3, "tools.t.sink", "must be one of"),
        (
            "tools:\n  t:\n    args:\n      s: {pattern: '(unclosed'}\n",
            4,
            "tools.t.args.s.pattern",
            "not a valid RE2 pattern",
        ),
        ("tools:\n  t: {}\n  t: {}\n", 3, "tools.t", "duplicate key"),
        (
            "tools:\n  t:\n    args:\n      p: {path: {roots: [relative/dir]}}\n",
            4,
            "tools.t.args.p.path.roots",
            "absolute path",
        ),
        ("tools:\n  t:\n    rate: {calls: 0, per: 5}\n", 3, "tools.t.rate", "calls must be"),
        ("version: 2\n", 1, "version", "only version 1"),
        (
            "tools:\n  t:\n    args:\n      b: {type: string, from: trusted, values: [urls]}\n",
            4,
            "tools.t.args.b.values",
            "must be among url, email, phone, account, amount, date, got 'urls'",
        ),
        (
            "tools:\n  t:\n    args:\n      b: {type: string, from: trusted, values: []}\n",
            4,
            "tools.t.args.b.values",
            "must name at least one",
        ),
        (
            "tools:\n  t:\n    args:\n      b: {type: string, values: [url]}\n",
            4,
            "tools.t.args.b.values",
            "needs from: trusted or clean",
        ),
        (
            "tools:\n  t:\n    args:\n      b: {type: array, from: clean, values: [url]}\n",
            4,
            "tools.t.args.b.values",
            "needs type: string, not array",
        ),
        (
            "tools:\n  t:\n    args:\n      o:\n        fields: {a: {}}\n",
            5,
            "tools.t.args.o.fields",
            "needs type: object, not any",
        ),
        (
            "tools:\n  t:\n    args:\n      l: {type: object, items: {}}\n",
            4,
            "tools.t.args.l.items",
            "needs type: array, not object",
        ),
        (
            "tools:\n  t:\n    args:\n      l:\n        type: array\n"
            "        items: {type: string, required: false}\n",
            6,
            "tools.t.args.l.items.required",
            "unknown key",
        ),
        (
            "tools:\n  t:\n    args:\n      n: {nullable: yes please}\n",
            4,
            "tools.t.args.n.nullable",
            "must be bool",
        ),
        (
            "tools:\n  t:\n    args:\n      n: {on_violation: warn}\n",
            4,
            "tools.t.args.n.on_violation",
            "must be one of block, hold, got 'warn'",
        ),
        (
            "tools:\n  t:\n    args:\n      to:\n        type: array\n        items:\n"
            "          type: object\n          fields:\n"
            "            email: {type: string, from: sometimes}\n",
            9,
            "tools.t.args.to.items.fields.email.from",
            "must be one of any, clean, trusted",
        ),
        (
            "tools:\n  t:\n    args:\n      o:\n        type: object\n        fields: [a, b]\n",
            6,
            "tools.t.args.o.fields",
            "must be a mapping",
        ),
    ],
)
def test_invalid_manifest_names_file_line_and_field(
    text: str, line: int, field: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_manifest(text, "bad.yaml")
    assert caught.value.where == f"bad.yaml, line {line}: {field}"
    assert problem in caught.value.problem


def test_reference_to_undeclared_tool_or_role_is_an_error(
    write: Callable[[str, str], Path],
) -> None:
    path = write("agents:\n  a:\n    tools: [ghost]\n", "m.yaml")
    with pytest.raises(ConfigError, match=r"m.yaml, line 3: agents.a.tools: undeclared 'ghost'"):
        load_manifests([path])
    path = write("agents:\n  a:\n    roles: [nobody]\n", "r.yaml")
    with pytest.raises(ConfigError, match=r"agents.a.roles: no 'nobody'"):
        load_manifests([path])


def test_manifests_merge_across_files_but_never_redeclare(
    write: Callable[[str, str], Path],
) -> None:
    roles = write("roles:\n  r:\n    tools: [t]\ntools:\n  t: {}\n", "roles.yaml")
    agents = write("agents:\n  a:\n    roles: [r]\n", "agents.yaml")
    merged = load_manifests([roles, agents])
    assert merged.granted(merged.agents["a"]) == {"t"}
    again = write("tools:\n  t: {}\n", "again.yaml")
    with pytest.raises(ConfigError, match=r"again.yaml, line 2: tools.t.*roles.yaml, line 5"):
        load_manifests([roles, again])


def test_empty_or_unreadable_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty manifest"):
        parse_manifest("", "e.yaml")
    with pytest.raises(ConfigError, match="cannot read manifest"):
        load_manifests([tmp_path / "missing.yaml"])
    with pytest.raises(ConfigError, match=r"y.yaml, line 2: not valid YAML"):
        parse_manifest("tools: [\n", "y.yaml")


def test_policy_config_section_is_validated() -> None:
    config = parse_config("policy:\n  manifests: [a.yaml]\n  session_reads: 10\n")
    assert config.policy.manifests == ["a.yaml"]
    with pytest.raises(ConfigError, match=r"line 2: policy.session_ttl"):
        parse_config("policy:\n  session_ttl: 0\n")
    with pytest.raises(ConfigError, match=r"policy.manifest: unknown key"):
        parse_config("policy:\n  manifest: [a.yaml]\n")


def test_bad_manifest_fails_loading_the_pipeline(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    from immuno import Config, Immune
    from immuno.core.config import PolicyConfig

    path = write("agents:\n  a:\n    expansion: maybe\n", "x.yaml")
    with pytest.raises(ConfigError, match=r"x.yaml, line 3: agents.a.expansion"):
        Immune(Config(policy=PolicyConfig(manifests=[str(path)])))


def test_init_template_declares_the_policy_section() -> None:
    from immuno.cli.init_cmd import TEMPLATE

    config = parse_config(TEMPLATE)
    assert config.policy.enabled is True
    assert config.policy.manifests == []


def test_nested_fields_items_and_values_parse() -> None:
    manifest = load_manifests_text(
        "tools:\n"
        "  mail.send:\n"
        "    on_violation: hold\n"
        "    args:\n"
        "      to:\n"
        "        type: array\n"
        "        from: trusted\n"
        "        items:\n"
        "          type: object\n"
        "          fields:\n"
        "            email: {type: string, on_violation: block}\n"
        "            name: {type: string, required: false, nullable: true}\n"
        "            note: {type: string, required: false, values: [url, url, phone]}\n"
    )
    to = manifest.tools["mail.send"].args["to"]
    assert to.items is not None and to.items.fields is not None
    fields = to.items.fields
    assert fields["email"].on_violation == "block" and fields["email"].required
    assert fields["name"].nullable and not fields["name"].required
    # values: holds under the from: of an enclosing argument; repeats are dropped
    assert fields["note"].values == ("url", "phone")
    assert [spec.name for spec in to.walk()] == ["to", "items", "email", "name", "note"]


def test_nesting_is_bounded() -> None:
    text = "tools:\n  t:\n    args:\n      a:\n"
    indent = "        "
    for _ in range(20):
        text += f"{indent}type: array\n{indent}items:\n"
        indent += "  "
    text += f"{indent}type: string\n"
    with pytest.raises(ConfigError, match="nested deeper than 16 levels"):
        parse_manifest(text, "deep.yaml")
