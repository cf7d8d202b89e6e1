"""``immuno audit``: verify, prove, export, tail, head through the real CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from immuno.audit import verify_inclusion
from immuno.audit.merkle import leaf_hash
from immuno.cli import app
from immuno.core.config import parse_config
from immuno.core.errors import NoStore
from immuno.core.pipeline import Immune

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "immuno.yaml"
    path.write_text(
        f"store: {{path: {tmp_path / 'state' / 'immuno.db'}}}\naudit: {{head_every: 4}}\n"
    )
    immune = Immune(parse_config(path.read_text()))
    for i in range(10):
        immune.scan(f"message {i}: ignore previous instructions" if i == 3 else f"hi {i}", "tool")
    immune.close()
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_verify_passes_on_an_honest_log(config: Path) -> None:
    code, out = run("audit", "verify", "--config", str(config))
    assert code == 0, out
    assert "OK" in out and "10 entries" in out and "3 signed tree heads verified" in out
    assert "newest entries" not in out  # closing signed a head for the tail


def test_verify_names_an_unsigned_tail(config: Path) -> None:
    immune = Immune(parse_config(config.read_text()))
    immune.scan("hi 10", "tool")
    immune.scan("hi 11", "tool")  # sealed after the head at 10; no close, no head yet
    code, out = run("audit", "verify", "--config", str(config))
    immune.store.close()
    assert code == 0, out
    assert "12 entries" in out and "2 newest entries" in out


def test_verify_fails_and_names_the_entry(config: Path, tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state" / "immuno.db", isolation_level=None)
    db.execute("DELETE FROM audit_entries WHERE seq = 6")
    db.close()
    code, out = run("audit", "verify", "--config", str(config))
    assert code == 1 and "TAMPERED" in out and "entry 6" in out


def test_verify_with_the_wrong_pinned_key_fails(config: Path) -> None:
    code, out = run("audit", "verify", "--config", str(config), "--public-key", "11" * 32)
    assert code == 1 and "not the expected" in out


def test_prove_prints_a_proof_a_third_party_can_check(config: Path) -> None:
    code, out = run("audit", "prove", "3", "--config", str(config))
    assert code == 0, out
    proof = json.loads(out)
    assert proof["tree_size"] == 10  # the newest signed head (closing signed the tail)
    leaf = leaf_hash(proof["entry"].encode())
    assert leaf.hex() == proof["leaf_hash"]
    path = [bytes.fromhex(node) for node in proof["path"]]
    verify_inclusion(3, 10, leaf, path, bytes.fromhex(proof["root"]))


def test_export_verifies_offline_and_catches_an_edit(config: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "audit.jsonl"
    code, out = run("audit", "export", "--config", str(config), "--out", str(out_file))
    assert code == 0, out
    code, out = run("audit", "verify", "--export", str(out_file), "--config", str(config))
    assert code == 0 and "10 entries" in out and "10 entries" in out.split("covering")[1]
    lines = out_file.read_bytes().splitlines()
    lines[5] = lines[5].replace(b'\\"allow\\"', b'\\"block\\"')  # entry 4, rewritten
    assert lines[5] != out_file.read_bytes().splitlines()[5]
    out_file.write_bytes(b"\n".join(lines) + b"\n")
    code, out = run("audit", "verify", "--export", str(out_file), "--config", str(config))
    assert code == 1 and "TAMPERED" in out and "entries 4..7" in out


def test_tail_and_head(config: Path) -> None:
    code, out = run("audit", "tail", "-n", "3", "--config", str(config))
    assert code == 0 and "last 3 of 10" in out
    code, out = run("audit", "head", "--config", str(config))
    assert code == 0 and "size 10" in out


def test_commands_refuse_a_store_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "immuno.yaml"
    path.write_text(f"store: {{path: {tmp_path / 'nowhere' / 'x.db'}}}\n")
    result = runner.invoke(app, ["audit", "tail", "--config", str(path)])
    assert isinstance(result.exception, NoStore) and "no store yet" in str(result.exception)
    assert not (tmp_path / "nowhere").exists()


def test_a_saved_head_catches_a_tail_cut_with_its_heads(config: Path, tmp_path: Path) -> None:
    code, out = run("audit", "head", "--json", "--config", str(config))
    assert code == 0
    saved = tmp_path / "head.json"
    saved.write_text(out)
    assert json.loads(out)["size"] == 10
    db = sqlite3.connect(tmp_path / "state" / "immuno.db", isolation_level=None)
    db.execute("DELETE FROM audit_entries WHERE seq >= 8")
    db.execute("DELETE FROM audit_heads WHERE size > 8")
    db.close()
    code, out = run("audit", "verify", "--config", str(config))
    assert code == 0  # the store alone cannot tell: everything left is consistent
    code, out = run("audit", "verify", "--config", str(config), "--head", str(saved))
    assert code == 1 and "entry 8" in out and "missing" in out
