"""An unknown key or field, wherever it is reported, lists the ones that exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from immuno.core.config import Config, StoreConfig, parse_config
from immuno.core.errors import ConfigError, InputError
from immuno.core.known import explain_validation, fields_at, listing, unknown
from immuno.core.signal import Signal, parse_signal
from immuno.detect.signatures import load_pack
from immuno.identity.envelope import parse_envelope
from immuno.identity.errors import EnvelopeRejected
from immuno.policy.manifest import parse_manifest


def test_fields_at_walks_structs_lists_and_optionals() -> None:
    assert fields_at(Config)[:3] == ["store", "thresholds", "detect"]
    assert fields_at(Config, "thresholds") == ["flag", "block"]
    assert "cusum_scale" in fields_at(Config, "identity.drift")
    assert fields_at(Config, "gateway.tls") == ["cert", "key", "ca"]
    assert fields_at(Config, "thresholds.flag") == []  # a number has no fields
    assert fields_at(Config, "no.such.path") == []


def test_the_phrases() -> None:
    assert unknown("x", ["a", "b"]) == "unknown field; x has: a, b"
    assert unknown("x", [], "key") == "unknown key"
    assert listing("a line", ["id"]) == "; a line has: id"
    assert explain_validation("Expected `int`, got `str` - at `$.a`", Config, "c") is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "thresholds:\n  flagg: 0.2\n",
            "line 2: thresholds.flagg: unknown key; thresholds has: flag, block",
        ),
        (
            "colour: red\n",
            "line 1: colour: unknown key; the configuration has: store, thresholds, detect,",
        ),
        (
            "identity:\n  drift:\n    windw: 3\n",
            "identity.drift.windw: unknown key; identity.drift has: enabled, warmup, window,",
        ),
        (
            "gateway:\n  tls:\n    crt: x\n",
            "gateway.tls.crt: unknown key; gateway.tls has: cert, key, ca",
        ),
    ],
)
def test_config_keys(document: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document, "cfg.yaml")
    assert message in str(caught.value)


def test_signal_fields() -> None:
    with pytest.raises(InputError) as caught:
        parse_signal({"kind": "message", "agent": "a", "text": "hi"})
    assert caught.value.field == "text"
    assert str(caught.value).startswith(
        "text: unknown field; a signal has: kind, agent, content, peer, tool, args,"
    )
    with pytest.raises(InputError) as missing:
        parse_signal({"kind": "message"})
    assert missing.value.field == "agent"
    assert "required field is missing; a signal has: kind, agent" in str(missing.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "agents:\n  a:\n    rolez: [x]\n",
            "line 3: agents.a.rolez: unknown key; agents.a has: "
            "roles, tools, expansion, description",
        ),
        (
            "versio: 1\n",
            "line 1: (top level).versio: unknown key; a manifest has: version, "
            "roles, agents, tools",
        ),
        ("tools:\n  t:\n    sinc: shell\n", "tools.t.sinc: unknown key; tools.t has: "),
    ],
)
def test_manifest_keys(document: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_manifest(document, "m.yaml")
    assert message in str(caught.value)


def test_signature_pack_keys(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("pack: x\nversion: 1\nsignatures:\n - id: a\n   famly: x\n")
    with pytest.raises(ConfigError) as caught:
        load_pack(pack)
    assert (
        f"{pack}: signatures[0].famly: unknown key; signatures[0] has: id, family, severity"
        in str(caught.value)
    )


def test_envelope_fields() -> None:
    with pytest.raises(EnvelopeRejected) as caught:
        parse_envelope({"v": 1, "colour": "red"})
    assert "colour: unknown field; an envelope has: v, alg, kid, sender" in str(caught.value)


def test_request_body_fields() -> None:
    from immuno.gateway.replies import HTTPError
    from immuno.gateway.schemas import ScanRequest, decode

    with pytest.raises(HTTPError) as caught:
        decode(b'{"texts": ["hi"], "sorce": "user"}', ScanRequest)
    assert caught.value.field == "sorce"
    assert "unknown field; the body has: texts, source" in str(caught.value)


def test_scan_contract_names_its_fields() -> None:
    from immuno.cli.scan_cmd import scan_line
    from immuno.core.pipeline import Immune

    immune = Immune(Config(store=StoreConfig(path=":memory:")))
    reply, parsed = scan_line(immune, b'{"id": "x", "text": "hi"}')
    assert not parsed
    assert b"missing required field `source`; a line has: id, text, source" in reply


def test_undeclared_references_list_what_is_declared(tmp_path: Path) -> None:
    from immuno.policy.manifest import load_manifests

    path = tmp_path / "m.yaml"
    path.write_text(
        "agents:\n  a:\n    tools: [shel.run]\ntools:\n  shell.run: {}\n  web.get: {}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_manifests([path])
    assert "agents.a.tools: undeclared 'shel.run'; the manifests declare: shell.run, web.get" in (
        str(caught.value)
    )


def test_a_long_listing_is_cut_and_counted() -> None:
    names = [f"t{i:02d}" for i in range(30)]
    assert listing("x", names).endswith("t22, t23, and 6 more")


def test_an_unknown_provenance_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("memory:\n  quarantine: [dubious]\n")
    assert "unknown provenance 'dubious'; one of trusted, internal, untrusted" in str(caught.value)


def test_a_value_an_enum_does_not_hold_lists_the_ones_it_does() -> None:
    with pytest.raises(InputError) as caught:
        parse_signal({"kind": "user_message", "agent": "a", "content": "hi"})
    assert caught.value.field == "kind"
    assert "invalid value 'user_message'; kind is one of: message, tool_call, tool_result" in str(
        caught.value
    )
    # a literal in the configuration, nested
    with pytest.raises(ConfigError, match=r"audit\.durability is one of: full, normal"):
        parse_config("audit:\n  durability: always\n")
    from immuno.gateway.replies import HTTPError
    from immuno.gateway.schemas import decode

    with pytest.raises(HTTPError) as body:
        decode(b'{"kind": "mail", "agent": "a"}', Signal)
    assert body.value.field == "kind" and "kind is one of: message" in str(body.value)
