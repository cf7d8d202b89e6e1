"""The authority key: created once, whole, even when several processes start together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from immuno.core.authority import Authority

LOAD = (
    "import sys; from immuno.core.authority import Authority; "
    "print(Authority.load_or_create(sys.argv[1]).public_bytes.hex())"
)


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    path = tmp_path / "state" / "authority.pem"
    procs = [
        subprocess.Popen([sys.executable, "-c", LOAD, str(path)], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert keys == {Authority.load(path).public_bytes.hex()}
    assert [p.name for p in path.parent.iterdir()] == ["authority.pem"]  # no drafts left
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_existing_key_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "authority.pem"
    first = Authority.load_or_create(path).public_bytes
    assert Authority.load_or_create(path).public_bytes == first
