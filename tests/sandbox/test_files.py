"""Which refused file calls are reaches outside the sandbox (files.py), and the network
counters' parsing (netcount.py): no bubblewrap needed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from immuno.sandbox.files import Judge
from immuno.sandbox.netcount import Counters
from immuno.sandbox.trace import Refusal


def judge(tmp_path: Path, declared: tuple[str, ...] = ()) -> Judge:
    shown = ("/usr", "/etc/passwd", *declared)
    return Judge.of(shown, declared, (str(tmp_path / "store"),), home=str(tmp_path / "home"))


def miss(path: str, writing: bool = False, code: int = errno.ENOENT) -> Refusal:
    return Refusal("openat", path, code, writing)


def test_a_refused_write_is_a_reach_wherever_it_is(tmp_path: Path) -> None:
    j = judge(tmp_path)
    for path in ("/etc/cron.d/x", "/usr/bin/x", f"{tmp_path}/store/db", "/proc/sys/kernel/x"):
        for code in (errno.EROFS, errno.EACCES, errno.EPERM):
            assert j(miss(path, writing=True, code=code)) == path
    assert j(miss("/tmp/x/../../etc/x", writing=True, code=errno.EROFS)) == "/etc/x"
    assert j(miss("/tmp/nothing/x", writing=True)) is None  # ENOENT: its parent is not there


def test_ordinary_misses_are_not_reaches(tmp_path: Path) -> None:
    j = judge(tmp_path)
    for path in (
        "/etc/resolv.conf",  # on the host, not in the sandbox: many programs try it
        "/etc/gai.conf",
        "/usr/lib/python3/nothing.py",  # an import tried in each folder
        "/tmp/.config/tool.toml",  # its own home
        "/sys/devices/system/cpu/online",
        "/proc/999999999/environ",  # no such process anywhere
        "/proc/self/root/nowhere-at-all",
    ):
        assert j(miss(path)) is None, path


def test_secrets_hidden_paths_and_ways_round_are_reaches(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    j = judge(tmp_path)
    assert j(miss("/etc/shadow")) == "/etc/shadow"
    assert j(miss("/root/.ssh/id_rsa")) == "/root/.ssh/id_rsa"
    assert j(miss(f"{tmp_path}/home/.aws/credentials")) == f"{tmp_path}/home/.aws/credentials"
    assert j(miss(f"{tmp_path}/store/immuno.db")) == f"{tmp_path}/store/immuno.db"
    assert j(miss(f"/proc/self/root{secret}")) == str(secret)
    assert j(miss(f"/proc/1/cwd/../..{secret}")) == str(secret)
    assert j(miss(f"/proc/{os.getpid()}/environ")) == f"/proc/{os.getpid()}/environ"


def test_a_link_in_a_declared_folder_to_a_host_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "link").symlink_to(secret)
    (folder / "inside").symlink_to(folder / "missing")
    j = judge(tmp_path, declared=(str(folder),))
    assert j(miss(str(folder / "link"))) == str(secret)
    assert j(miss(str(folder / "inside"))) is None  # leads nowhere outside
    assert j(miss(str(folder / "absent"))) is None


def test_the_counters_of_this_process_namespace_parse() -> None:
    counters = Counters(os.getpid())
    try:
        first = counters.read()
        assert min(first.unroutable, first.refused, first.undelivered) >= 0
        assert counters.read().total >= first.total  # they only grow
    finally:
        counters.close()
