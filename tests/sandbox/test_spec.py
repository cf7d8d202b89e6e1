"""The manifest's ``sandbox:`` block: parsed with file, line and key on every error."""

from __future__ import annotations

import pytest

from immuno import ConfigError
from immuno.policy import parse_manifest
from immuno.sandbox.spec import STRICT, HostRule, Limits, host_rule


def tool_with(block: str) -> str:
    return "agents:\n  a: {tools: [t]}\ntools:\n  t:\n    sandbox:\n" + block


def test_a_full_block() -> None:
    manifest = parse_manifest(
        tool_with(
            "      paths:\n"
            "        read: [/srv/data, /srv/ref/]\n"
            "        write: [/srv/out]\n"
            '      hosts: [api.example.com, "*.cdn.example:8443", "127.0.0.1:8080", "[::1]:9"]\n'
            "      limits: {cpu_seconds: 2.5, memory_mb: 128, processes: 4, file_size_mb: 2,\n"
            "               wall_seconds: 5, output_bytes: 4096}\n"
        ),
        "agents.yaml",
    )
    spec = manifest.tools["t"].sandbox
    assert spec is not None
    assert spec.read == ("/srv/data", "/srv/ref") and spec.write == ("/srv/out",)
    assert spec.hosts == (
        HostRule("api.example.com"),
        HostRule("*.cdn.example", 8443),
        HostRule("127.0.0.1", 8080),
        HostRule("::1", 9),
    )
    assert spec.limits == Limits(2.5, 128, 4, 2, 5.0, 4096)
    assert spec.where == "agents.yaml, line 6"


def test_an_empty_block_is_the_strictest_sandbox() -> None:
    spec = parse_manifest(tool_with("      {}\n"), "agents.yaml").tools["t"].sandbox
    assert spec is not None
    assert (spec.read, spec.write, spec.hosts, spec.limits) == (
        STRICT.read,
        STRICT.write,
        STRICT.hosts,
        STRICT.limits,
    )
    no_block = parse_manifest("agents:\n  a: {tools: [t]}\ntools:\n  t: {}\n", "agents.yaml")
    assert no_block.tools["t"].sandbox is None


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ("      path: {read: [/x]}\n", r"line 6: tools.t.sandbox.path: unknown key"),
        ("      paths: {read: [x/y]}\n", r"line 6: tools.t.sandbox.paths.read: must be an abs"),
        ("      paths: {write: [/srv/../etc]}\n", r"paths.write: must not contain \. or \.\."),
        ("      paths: {read: [/]}\n", r"paths.read: must not be / \(the whole host\)"),
        ("      paths: {read: /srv}\n", r"tools.t.sandbox.paths.read: must be a list"),
        ("      paths: {exec: [/srv]}\n", r"tools.t.sandbox.paths.exec: unknown key"),
        ("      hosts: [http://x.example]\n", r"line 6: tools.t.sandbox.hosts: not a host name"),
        ('      hosts: ["x.example:99999"]\n', r"sandbox.hosts: port must be in 1..65535"),
        ('      hosts: ["0.0.0.0:80"]\n', r"sandbox.hosts: not a destination address"),
        ("      hosts: ['*']\n", r"sandbox.hosts: not a host name"),
        ("      limits: {memory_mb: 1}\n", r"line 6: tools.t.sandbox.limits.memory_mb: must be in"),
        ("      limits: {processes: many}\n", r"limits.processes: must be int, got 'many'"),
        ("      limits: {cpu_seconds: .nan}\n", r"limits.cpu_seconds: must be a finite number"),
        (
            "      limits: {wall: 5}\n",
            r"limits.wall: unknown key; tools.t.sandbox.limits has: cpu_seconds, memory_mb",
        ),
        ("      limits:\n        output_bytes: 10\n", r"line 7: tools.t.sandbox.limits.output"),
        ("      true\n", r"line 6: tools.t.sandbox: must be a mapping"),
    ],
)
def test_errors_name_file_line_and_key(block: str, error: str) -> None:
    with pytest.raises(ConfigError, match=r"agents\.yaml, " + error if "line" in error else error):
        parse_manifest(tool_with(block), "agents.yaml")


def test_host_rules_match_names_and_ports() -> None:
    assert host_rule("API.Example.com").matches("api.example.com.", 443)
    assert not host_rule("api.example.com").matches("api.example.com", 8080)
    assert host_rule("*.example.com").matches("a.b.example.com", 80)
    assert not host_rule("*.example.com").matches("example.com", 80)
    assert not host_rule("*.example.com").matches("evil-example.com", 80)
    assert host_rule("10.0.0.7:5432").matches("10.0.0.7", 5432)
    assert str(host_rule("[::1]:9")) == "[::1]:9"


def test_every_public_name_of_the_package_resolves() -> None:
    import immuno.sandbox as package

    for name in package.__all__:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = package.nothing
