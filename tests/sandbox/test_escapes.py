"""The escape suite: each attempt is refused or killed, and leaves a finding.

Every case runs a real process under real bubblewrap, its network through a real egress
proxy, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from immuno import ConfigError
from immuno.sandbox import Options, Outcome, run_callable, run_command, trace, watch
from immuno.sandbox.netcount import Attempts
from immuno.sandbox.outcome import findings
from immuno.sandbox.run import python_runtime
from immuno.sandbox.spec import Limits, SandboxSpec, host_rule
from tests.sandbox import tools
from tests.sandbox.conftest import SUPPORT, Server

pytestmark = pytest.mark.needs_sandbox


def options(hidden: Sequence[str] = (), resolver: Any = None) -> Options:
    if resolver is None:
        return Options(bwrap=SUPPORT.bwrap, hidden=tuple(hidden))
    return Options(bwrap=SUPPORT.bwrap, hidden=tuple(hidden), resolver=resolver)


def call(
    func: Callable[..., Any], *args: Any, spec: SandboxSpec | None = None, **opts: Any
) -> Outcome:
    return run_callable(spec or SandboxSpec(), func, args, {}, tool="t", options=options(**opts))


def codes(outcome: Outcome) -> set[str]:
    return {f.code for f in findings(outcome)}


def denied_paths(outcome: Outcome) -> set[str]:
    """What each ``sandbox.denied.path`` finding names."""
    return {f.evidence for f in findings(outcome) if f.code == "sandbox.denied.path"}


def shell(script: str, spec: SandboxSpec | None = None, **opts: Any) -> Outcome:
    """A command (sh), which reports nothing of its own: findings come from outside."""
    return run_command(
        spec or SandboxSpec(), ["sh", "-c", script], tool="t", options=options(**opts)
    )


def value(outcome: Outcome) -> Any:
    assert outcome.reply is not None and outcome.reply["ok"], outcome.summary()
    return outcome.reply["value"]


# -- files -------------------------------------------------------------------------


def test_writing_outside_declared_paths_is_refused(folder: Path, tmp_path: Path) -> None:
    readable = folder / "in.txt"
    readable.write_text("original")
    spec = SandboxSpec(read=(str(folder),))
    for target in (str(readable), "/etc/immuno-planted", "/usr/bin/immuno-planted"):
        outcome = call(tools.write_file, target, "overwritten", spec=spec)
        assert outcome.reply is not None and outcome.reply["errno"] == errno.EROFS, target
        assert "sandbox.denied.path" in codes(outcome), outcome.summary()
        assert not os.path.exists(target) or Path(target).read_text() == "original"
        kept = call(tools.try_write, target, "overwritten", spec=spec)  # error swallowed
        assert value(kept) == f"error {errno.EROFS}"
        assert denied_paths(kept) == {target}, kept.summary()
        command = shell(f"echo overwritten > {target}", spec=spec)
        assert command.exit_code != 0 and denied_paths(command) == {target}, command.summary()
        assert not os.path.exists(target) or Path(target).read_text() == "original"
    # elsewhere under /tmp: the write lands in the sandbox's own /tmp, gone with it
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("original")
    call(tools.write_file, str(elsewhere), "overwritten", spec=spec)
    assert elsewhere.read_text() == "original"


def test_a_command_changing_things_outside_its_paths_is_found(folder: Path) -> None:
    """Every kind of change a program makes to a path, each refused and named."""
    (folder / "in.txt").write_text("original")
    spec = SandboxSpec(read=(str(folder),))
    script = (
        f"touch {folder}/new; mkdir /etc/cron.d; rm -f {folder}/in.txt; "
        f"mv {folder}/in.txt {folder}/moved; ln -s /tmp/x /usr/bin/planted; "
        f"chmod 777 {folder}/in.txt; echo done"
    )
    outcome = shell(script, spec=spec)
    assert outcome.stdout == b"done\n", outcome.summary()  # each refused, none fatal
    assert denied_paths(outcome) == {
        f"{folder}/new",
        "/etc/cron.d",
        f"{folder}/in.txt",
        f"{folder}/moved",
        "/usr/bin/planted",
    }, outcome.summary()
    assert sorted(os.listdir(folder)) == ["in.txt"]
    assert (folder / "in.txt").read_text() == "original"
    assert {f.action.value for f in findings(outcome) if f.code == "sandbox.denied.path"} == {
        "block"
    }


def test_a_declared_write_path_is_writable(folder: Path) -> None:
    target = folder / "out.txt"
    outcome = call(tools.write_file, str(target), "made", spec=SandboxSpec(write=(str(folder),)))
    assert value(outcome) == f"wrote {target}"
    assert target.read_text() == "made"
    assert codes(outcome) == {"sandbox.outcome"}
    declared = shell(
        f"echo made > {folder}/cmd.txt; mkdir {folder}/sub; ls /nowhere /usr/nothing; true",
        spec=SandboxSpec(write=(str(folder),)),
    )
    assert declared.exit_code == 0 and (folder / "cmd.txt").read_text() == "made\n"
    assert codes(declared) == {"sandbox.outcome"}, declared.summary()  # misses are not reaches


def test_ssh_keys_and_shadow_are_not_there(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    key = home / ".ssh" / "id_ed25519"
    key.write_text("PRIVATE KEY")
    monkeypatch.setenv("HOME", str(home))
    spec = SandboxSpec(read=(str(folder),))
    for secret in (str(key), os.path.expanduser("~/.ssh/id_ed25519"), "/etc/shadow"):
        outcome = call(tools.read_file, secret, spec=spec)
        assert outcome.reply is not None and not outcome.reply["ok"], secret
        assert outcome.reply["errno"] == errno.ENOENT
        assert denied_paths(outcome) == {secret}
        assert "PRIVATE KEY" not in outcome.text()
        command = shell(f"cat {secret}", spec=spec)
        assert command.exit_code != 0 and denied_paths(command) == {secret}, command.summary()
        assert b"PRIVATE KEY" not in command.stdout


def test_the_parents_environment_does_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMMUNO_TEST_SECRET", "s3cr3t-token")
    seen = value(call(tools.environment))
    assert not any("s3cr3t-token" in v for v in seen.values())
    assert not any(k.endswith("IMMUNO_TEST_SECRET") for k in seen)
    assert seen["HOME"] == "/tmp"
    inside = shell("env; cat /proc/1/environ")
    assert b"s3cr3t-token" not in inside.stdout and inside.exit_code == 0
    assert codes(inside) == {"sandbox.outcome"}  # its own environment: nothing withheld
    # the caller's, by its number on the host: not in the sandbox's pid namespace
    caller = f"/proc/{os.getpid()}/environ"
    for outcome in (shell(f"cat {caller}"), call(tools.read_file, caller)):
        assert b"s3cr3t-token" not in outcome.stdout
        assert denied_paths(outcome) == {caller}, outcome.summary()


def test_symlinks_lead_nowhere_outside(folder: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    (folder / "planted").mkdir()
    (folder / "planted" / "link").symlink_to(secret)  # planted before the run
    spec = SandboxSpec(read=(str(folder / "planted"),), write=(str(folder / "w"),))
    (folder / "w").mkdir()
    for where in (folder / "planted", folder / "w"):
        outcome = call(tools.symlink_read, str(where), str(secret), spec=spec)
        assert outcome.reply is not None and not outcome.reply["ok"]
        assert outcome.reply["errno"] == errno.ENOENT
        assert "sandbox.denied.path" in codes(outcome)
        assert "TOP SECRET" not in outcome.text()
        command = shell(f"ln -s {secret} {where}/cmd-link; cat {where}/link {where}/cmd-link", spec)
        assert b"TOP SECRET" not in command.stdout
        assert str(secret) in denied_paths(command), command.summary()


def test_proc_self_and_pid_1_show_only_the_sandbox(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    tricks = call(tools.proc_tricks, str(secret))
    seen = value(tricks)
    assert all(v == f"error {errno.ENOENT}" for v in seen.values()), seen
    assert denied_paths(tricks) == {str(secret)}, tricks.summary()  # errors it kept
    shadow = call(tools.proc_tricks, "/etc/shadow")
    assert all(v.startswith("error") for v in value(shadow).values()), shadow
    assert denied_paths(shadow) == {"/etc/shadow"}
    for way in (f"/proc/self/root{secret}", f"/proc/1/cwd/../..{secret}"):
        command = shell(f"cat {way}")
        assert b"TOP SECRET" not in command.stdout
        assert denied_paths(command) == {str(secret)}, command.summary()


@pytest.mark.parametrize("who", ["the sandbox's init", "the caller", "the caller's parent"])
def test_ptrace_of_the_parent_kills_the_tool(who: str) -> None:
    pid = {"the sandbox's init": 1, "the caller": os.getpid(), "the caller's parent": os.getppid()}
    outcome = call(tools.ptrace, [pid[who]])
    assert outcome.killed == "syscall" and outcome.reply is None, outcome.summary()
    assert "sandbox.killed.syscall" in codes(outcome)
    script = f"import ctypes; ctypes.CDLL(None).ptrace(16, {pid[who]}, 0, 0); print('alive')"
    command = run_command(
        SandboxSpec(read=python_runtime()),
        [sys.executable, "-c", script],
        tool="t",
        options=options(),
    )
    assert command.killed == "syscall" and command.stdout == b"", command.summary()
    assert "sandbox.killed.syscall" in codes(command)
    mounting = shell("mount -t tmpfs x /tmp; echo $?")
    assert mounting.stdout.strip() not in (b"", b"0")  # refused (EPERM), not fatal


def test_the_immuno_store_is_hidden_and_untouched(tmp_path: Path) -> None:
    store = tmp_path / ".immuno"
    store.mkdir()
    db = store / "immuno.db"
    db.write_bytes(b"the real store")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    spec = SandboxSpec(write=(str(tmp_path),))
    hidden = [os.path.realpath(store)]
    assert value(call(tools.listing, str(store), spec=spec, hidden=hidden)) == []
    outcome = call(tools.write_file, str(db), "poisoned", spec=spec, hidden=hidden)
    assert outcome.reply is not None and outcome.reply["errno"] == errno.EROFS
    assert denied_paths(outcome) == {str(db)}
    command = shell(
        f"cat {db}; echo poisoned > {db}; touch {store}/planted", spec=spec, hidden=hidden
    )
    assert denied_paths(command) == {str(db), f"{store}/planted"}, command.summary()
    assert b"the real store" not in command.stdout
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with pytest.raises(ConfigError, match="is inside immuno's own"):
        call(tools.listing, str(store), spec=SandboxSpec(read=(str(store),)), hidden=hidden)


# -- resources ---------------------------------------------------------------------


def test_a_fork_bomb_is_killed() -> None:
    spec = SandboxSpec(limits=Limits(processes=8, wall_seconds=20))
    outcome = call(tools.fork_bomb, 3.0, spec=spec)
    assert outcome.killed == "processes"
    assert "sandbox.killed.processes" in codes(outcome)
    assert outcome.wall_seconds < 2.5


def test_a_command_fork_bomb_is_killed() -> None:
    spec = SandboxSpec(limits=Limits(processes=8, wall_seconds=20))
    outcome = shell("bomb() { bomb | bomb & }; bomb; sleep 3", spec=spec)
    assert outcome.killed == "processes", outcome.summary()
    assert "sandbox.killed.processes" in codes(outcome)
    assert outcome.wall_seconds < 2.5


def test_one_process_means_no_fork_at_all() -> None:
    spec = SandboxSpec(limits=Limits(processes=1))
    outcome = run_command(
        spec, ["sh", "-c", "true & wait; echo forked"], tool="t", options=options()
    )
    assert b"forked" not in outcome.stdout
    assert outcome.exit_code != 0


def test_a_memory_bomb_is_stopped() -> None:
    spec = SandboxSpec(limits=Limits(memory_mb=256))
    outcome = call(tools.memory_bomb, spec=spec)
    assert outcome.killed == "memory", outcome.summary()
    assert "sandbox.killed.memory" in codes(outcome)
    command = [sys.executable, "-c", "a = []\nwhile True: a.append(bytearray(4 << 20))"]
    with_python = SandboxSpec(read=python_runtime(), limits=spec.limits)  # as a command
    as_command = run_command(with_python, command, tool="t", options=options())
    assert as_command.killed == "memory", as_command.summary()
    assert "sandbox.killed.memory" in codes(as_command)


def test_a_runaway_loop_is_killed_by_cpu_time() -> None:
    spec = SandboxSpec(limits=Limits(cpu_seconds=1, wall_seconds=20))
    outcome = call(tools.spin, 30.0, spec=spec)
    assert outcome.killed == "cpu", outcome.summary()
    assert "sandbox.killed.cpu" in codes(outcome)
    assert outcome.wall_seconds < 10
    command = shell("while :; do :; done", spec=spec)
    assert command.killed == "cpu" and "sandbox.killed.cpu" in codes(command), command.summary()


def test_a_process_that_waits_forever_is_killed_by_wall_time() -> None:
    spec = SandboxSpec(limits=Limits(wall_seconds=1))
    outcome = call(tools.sleep, 60.0, spec=spec)
    assert outcome.killed == "wall" and outcome.exit_code is None
    assert "sandbox.killed.wall" in codes(outcome)
    assert 1 <= outcome.wall_seconds < 5


def test_a_huge_output_is_cut_and_killed() -> None:
    spec = SandboxSpec(limits=Limits(output_bytes=65536))
    outcome = call(tools.flood, 64, spec=spec)
    assert outcome.killed == "output" and outcome.truncated
    assert len(outcome.stdout) + len(outcome.stderr) <= 65536
    assert "sandbox.killed.output" in codes(outcome)
    command = run_command(spec, ["yes"], tool="t", options=options())
    assert command.killed == "output" and len(command.stdout) <= 65536
    assert "sandbox.killed.output" in codes(command)


def test_a_huge_file_is_refused() -> None:
    spec = SandboxSpec(limits=Limits(file_size_mb=1))
    outcome = call(tools.big_file, "/tmp/big", 8, spec=spec)
    assert outcome.killed == "file_size", outcome.summary()
    assert "sandbox.killed.file_size" in codes(outcome)


# -- network -----------------------------------------------------------------------


def _net(server: Server) -> SandboxSpec:
    return SandboxSpec(hosts=(host_rule(f"127.0.0.1:{server.port}"),))


def test_a_declared_host_is_reached_through_the_proxy(servers: tuple[Server, Server]) -> None:
    allowed, _ = servers
    outcome = call(tools.fetch, f"http://127.0.0.1:{allowed.port}/ok", spec=_net(allowed))
    assert value(outcome) == "200 allowed server"
    assert allowed.requests == [f"127.0.0.1:{allowed.port} /ok"]
    assert [c.allowed for c in outcome.connections] == [True]
    assert codes(outcome) == {"sandbox.outcome"}


def test_an_undeclared_host_by_ip_is_refused(servers: tuple[Server, Server]) -> None:
    allowed, forbidden = servers
    outcome = call(tools.fetch, f"http://127.0.0.1:{forbidden.port}/x", spec=_net(allowed))
    assert value(outcome).startswith("403")
    assert "sandbox.denied.connect" in codes(outcome)
    assert forbidden.requests == []


def test_an_undeclared_name_is_refused_without_a_lookup(servers: tuple[Server, Server]) -> None:
    allowed, _ = servers
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    outcome = call(tools.fetch, "http://evil.example/", spec=_net(allowed), resolver=resolver)
    assert value(outcome).startswith("403")
    assert "sandbox.denied.connect" in codes(outcome)
    assert asked == []


def test_a_direct_connection_around_the_proxy_finds_no_network(
    servers: tuple[Server, Server],
) -> None:
    allowed, forbidden = servers
    for spec in (SandboxSpec(), _net(allowed)):
        outcome = call(tools.connect_raw, "127.0.0.1", forbidden.port, spec=spec)
        assert value(outcome) == "error ECONNREFUSED"  # the sandbox's own, empty loopback
        assert outcome.direct == Attempts(refused=1), outcome.summary()
        assert "sandbox.denied.network" in codes(outcome)
    for address in ("1.1.1.1", "2606:4700:4700::1111"):
        outcome = call(tools.connect_raw, address, 80)
        assert value(outcome).startswith("error ENETUNREACH")
        assert outcome.direct == Attempts(unroutable=1), outcome.summary()
        assert "sandbox.denied.network" in codes(outcome)
    assert forbidden.requests == []


@pytest.mark.parametrize("declared", [False, True], ids=["no hosts", "hosts declared"])
def test_a_command_connecting_around_the_proxy_is_found(
    servers: tuple[Server, Server], declared: bool
) -> None:
    """By IP to the host's loopback, by IP outside, and by name (a DNS query of its
    own): each a finding for a command, whatever it prints."""
    allowed, forbidden = servers
    script = (
        "import socket, sys\n"
        "for host, port in ((sys.argv[1], int(sys.argv[2])), ('192.0.2.1', 443)):\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=3)\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        "    socket.getaddrinfo('evil.example', 443)\n"
        "except OSError:\n"
        "    pass\n"
    )
    hosts = _net(allowed).hosts if declared else ()
    spec = SandboxSpec(read=python_runtime(), hosts=hosts)
    command = [sys.executable, "-c", script, "127.0.0.1", str(forbidden.port)]
    outcome = run_command(spec, command, tool="t", options=options())
    assert outcome.exit_code == 0 and outcome.stdout == b"", outcome.summary()
    assert outcome.direct.refused == 1 and outcome.direct.unroutable == 1, outcome.summary()
    assert outcome.direct.undelivered >= 1  # the name server it looked for at 127.0.0.1:53
    assert "sandbox.denied.network" in codes(outcome)
    assert outcome.connections == ()  # none of it went through the proxy
    assert forbidden.requests == []


def test_dns_rebinding_to_loopback_is_refused(servers: tuple[Server, Server]) -> None:
    allowed, _ = servers
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        """A name the manifest declares, answered with loopback (alone, or after a
        public address): the proxy must judge the address it would connect to."""
        asked.append(host)
        return ["127.0.0.1"] if len(asked) == 1 else ["93.184.216.34", "127.0.0.1"]

    spec = SandboxSpec(hosts=(host_rule(f"rebind.test:{allowed.port}"),))
    url = f"http://rebind.test:{allowed.port}/"
    for _ in range(2):
        outcome = call(tools.fetch, url, spec=spec, resolver=rebinding)
        assert value(outcome).startswith("403")
        assert "non-public address (127.0.0.1)" in outcome.connections[0].reason
        assert "sandbox.denied.connect" in codes(outcome)
    assert asked == ["rebind.test", "rebind.test"]
    assert allowed.requests == []


def test_a_forged_host_header_is_refused(servers: tuple[Server, Server]) -> None:
    allowed, _ = servers
    outcome = call(
        tools.fetch, f"http://127.0.0.1:{allowed.port}/", "evil.example", spec=_net(allowed)
    )
    assert value(outcome).startswith("403")
    assert "sandbox.denied.connect" in codes(outcome)
    assert allowed.requests == []


def test_connect_to_another_host_is_refused(servers: tuple[Server, Server]) -> None:
    allowed, forbidden = servers
    outcome = call(tools.proxy_connect, f"127.0.0.1:{forbidden.port}", spec=_net(allowed))
    assert value(outcome).startswith("HTTP/1.1 403")
    assert "sandbox.denied.connect" in codes(outcome)
    tunnel = call(tools.proxy_connect, f"127.0.0.1:{allowed.port}", spec=_net(allowed))
    assert value(tunnel) == (
        "HTTP/1.1 200 Connection established | HTTP/1.0 200 OK | ['allowed', 'server']"
    )
    assert allowed.requests == [f"127.0.0.1:{allowed.port} /tunnelled"]
    assert forbidden.requests == []


def test_every_connection_is_logged(
    servers: tuple[Server, Server], caplog: pytest.LogCaptureFixture
) -> None:
    allowed, forbidden = servers
    with caplog.at_level(logging.INFO, logger="immuno.sandbox.egress"):
        call(tools.fetch, f"http://127.0.0.1:{allowed.port}/", spec=_net(allowed))
        call(tools.fetch, f"http://127.0.0.1:{forbidden.port}/", spec=_net(allowed))
    said = [r.getMessage() for r in caplog.records if r.name == "immuno.sandbox.egress"]
    assert said == [
        f"sandbox t: connect 127.0.0.1:{allowed.port} allowed",
        f"sandbox t: connect 127.0.0.1:{forbidden.port} refused: "
        f"127.0.0.1:{forbidden.port} is not a declared host",
    ]


def test_a_command_reaches_its_hosts_through_the_proxy(servers: tuple[Server, Server]) -> None:
    allowed, forbidden = servers
    script = (
        "import sys, urllib.request as u\n"
        "for port in sys.argv[1:]:\n"
        "    try:\n"
        "        print(u.urlopen(f'http://127.0.0.1:{port}/cmd', timeout=5).read().decode())\n"
        "    except Exception as exc:\n"
        "        print('refused', exc)\n"
    )
    spec = SandboxSpec(read=python_runtime(), hosts=_net(allowed).hosts)
    command = [sys.executable, "-c", script, str(allowed.port), str(forbidden.port)]
    outcome = run_command(spec, command, tool="t", options=options())
    assert outcome.stdout.decode().splitlines() == [
        "allowed server",
        "refused HTTP Error 403: Forbidden",
    ]
    # through the proxy only: refused there, and no direct attempt counted
    assert codes(outcome) == {"sandbox.outcome", "sandbox.denied.connect"}
    assert forbidden.requests == []


def test_no_write_path_may_expose_the_callers_python(tmp_path: Path) -> None:
    for code in python_runtime():
        outer = os.path.dirname(code)
        for path in (code, outer):
            with pytest.raises(ConfigError, match="could rewrite the Python code"):
                call(tools.echo, "x", spec=SandboxSpec(write=(path,)))
    reading = call(tools.echo, "x", spec=SandboxSpec(read=(os.path.dirname(python_runtime()[0]),)))
    assert value(reading) == "x"  # reading it is fine


# -- watching ----------------------------------------------------------------------


@pytest.mark.parametrize("part", ["tracer", "network counters"])
def test_a_sandbox_that_cannot_be_watched_does_not_run(
    folder: Path, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    """Fails closed: unwatched, the tool never starts (bubblewrap holds it back)."""

    def refuse(*args: Any) -> Any:
        raise PermissionError(errno.EPERM, f"{part} refused")

    if part == "tracer":
        monkeypatch.setattr(trace, "_ptrace", refuse)
    else:
        monkeypatch.setattr(watch, "Counters", refuse)
    spec = SandboxSpec(write=(str(folder),))
    with pytest.raises(OSError, match=f"could not be watched: .*{part} refused"):
        shell(f"touch {folder}/ran", spec=spec)
    assert not (folder / "ran").exists()


def test_the_tracer_follows_threads_and_children(folder: Path) -> None:
    script = (
        "import os, threading, subprocess\n"
        "def write(path):\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "    except OSError:\n"
        "        pass\n"
        "t = threading.Thread(target=write, args=('/etc/from-a-thread',)); t.start(); t.join()\n"
        "if os.fork() == 0:\n"
        "    write('/etc/from-a-child'); os._exit(0)\n"
        "os.wait()\n"
        "subprocess.run(['sh', '-c', 'echo > /etc/from-a-grandchild'])\n"
    )
    spec = SandboxSpec(read=python_runtime())
    outcome = run_command(spec, [sys.executable, "-c", script], tool="t", options=options())
    assert denied_paths(outcome) == {
        "/etc/from-a-thread",
        "/etc/from-a-child",
        "/etc/from-a-grandchild",
    }, outcome.summary()
