"""What runs inside the sandbox: the standard library only, never immuno itself.

    python -I -S -B child.py call RESULT_FD [PROXY_PORT]
        read a callable's reference and its arguments (marshal, from the caller) on
        stdin, import it, call it, write {"ok": true, "value": ...} (JSON) or
        {"ok": false, "error": ...} to RESULT_FD. Replies travel as JSON, never as
        pickle or marshal: the caller must not load those from a sandboxed process.
    python -I -S -B child.py run PROXY_PORT -- COMMAND...
        serve the egress proxy on 127.0.0.1:PROXY_PORT, run COMMAND, exit as it did.

With a proxy port, a forwarder listens on the sandbox's own loopback and carries each
connection to the egress proxy's unix socket (bound at /run/immuno/egress.sock); the
proxy outside decides where it may go.
"""

from __future__ import annotations

import marshal
import os
import sys

# Imports are made where needed (typing and contextlib not at all): the child's
# start-up is part of every call's cost. mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    from typing import Any

EGRESS_SOCKET = "/run/immuno/egress.sock"
MAIN_ALIAS = "__immuno_sandbox_main__"


def _copy(src: socket.socket, dst: socket.socket) -> None:
    import socket

    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:  # noqa: SIM105  (contextlib is not imported here: start-up time)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _forward(port: int) -> None:
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)

    def serve() -> None:
        while True:
            client, _ = server.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(EGRESS_SOCKET)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_copy, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()


def _resolve(header: dict[str, Any]) -> Any:
    for root in reversed(header["roots"]):
        sys.path.insert(0, root)
    sys.path.extend(p for p in header.get("site", ()) if p not in sys.path)
    if header["module"] == "__main__":
        import runpy

        target: Any = runpy.run_path(header["file"], run_name=MAIN_ALIAS)
        parts = header["qualname"].split(".")
        target = target[parts[0]]
        parts = parts[1:]
    else:
        __import__(header["module"])
        target = sys.modules[header["module"]]
        parts = header["qualname"].split(".")
    for part in parts:
        target = getattr(target, part)
    while hasattr(target, "__wrapped__"):  # a guarded tool: call what it wraps
        target = target.__wrapped__
    return target


_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)} | {ord('"'): '\\"', ord("\\"): "\\\\"}
_SPECIAL = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _string(text: str) -> str:
    out = text.translate(_ESCAPES)
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them, as JSON allows
        out = "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in out)
    return f'"{out}"'


def to_json(value: object, depth: int = 0) -> str:
    """JSON without the json module (its import, with re and enum, costs more than the
    rest of the child's start-up). Plain data only; anything else is a TypeError."""
    if depth > 64:
        raise ValueError("nested deeper than 64 levels")
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        text = repr(value)
        return _SPECIAL.get(text, text)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(to_json(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dictionary keys must be strings")
        items = (f"{_string(k)}:{to_json(v, depth + 1)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    raise TypeError(f"{type(value).__name__} is not plain data")


def _error(exc: BaseException) -> dict[str, Any]:
    import errno

    name = type(exc).__name__
    reply: dict[str, Any] = {"ok": False, "error": name, "message": str(exc)[:2000]}
    if isinstance(exc, OSError):
        if exc.errno == errno.EFBIG:
            reply["error"] = f"OSError:{errno.EFBIG}"
        if isinstance(exc.filename, str):  # the parent judges whether the sandbox hid it
            reply["errno"], reply["filename"] = exc.errno, exc.filename[:4096]
    return reply


def call(result_fd: int, port: int | None) -> int:
    import resource

    header, args, kwargs = marshal.loads(sys.stdin.buffer.read())
    nproc = header.get("nproc")
    if nproc:  # counted in this user namespace; root ignores it (limits.py watches too)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if port is not None:
        _forward(port)
    reply: dict[str, Any]
    encoded: str
    try:
        func = _resolve(header)
        value = func(*args, **kwargs)
        try:
            encoded = '{"ok":true,"value":' + to_json(value) + "}"
        except (TypeError, ValueError) as exc:
            reply = {"ok": False, "error": "TypeError", "message": f"result is not JSON: {exc}"}
            encoded = to_json(reply)
    except MemoryError:
        encoded = '{"ok": false, "error": "MemoryError", "message": "out of memory"}'
    except BaseException as exc:  # the tool's failure is reported, not raised
        import traceback

        traceback.print_exc()
        encoded = to_json(_error(exc))
    sys.stdout.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        out.write(encoded)
    return 0


def run(port: int, command: list[str]) -> int:
    import subprocess

    _forward(port)
    done = subprocess.run(command, check=False)
    code = done.returncode
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> int:
    if argv[:1] == ["call"]:
        return call(int(argv[1]), int(argv[2]) if len(argv) > 2 else None)
    if argv[:1] == ["run"] and argv[2:3] == ["--"]:
        return run(int(argv[1]), argv[3:])
    print("usage: child.py call RESULT_FD [PORT] | run PORT -- COMMAND...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
