"""A development replay of public agent-injection benchmarks through the SDK, with no LLM.

    .venv/bin/python benchmarks/agent_replay.py --injecagent DIR --asb DIR [--limit N]

DIR is a local snapshot of the benchmark's repository (or of its ``data/`` folder):
uiuc-kang-lab/InjecAgent, agiresearch/ASB. The data stay out of this repository; the
script says what it did not find and replays the rest.

It plays each case as an agent would have lived it, the way an independent judge
would score it, and leaves the scoring to the trace rather than to a model:

1. the user's request, a trusted message (``Immune.check``);
2. the user tool's call (``Immune.guard_call``): it must pass;
3. its result with the attacker's text planted, untrusted (``Immune.guard_result``);
4. the call(s) the attacker's text asks for, with the arguments it names: they must
   stop, unless the injected result was stopped first. Both are counted apart.

A benign task replays steps 1-3 with nothing planted: nothing may stop.

Before any run, an operator's manifest is written from each benchmark's own tool
definitions by a stated rule: for InjecAgent, ``replay/rules.py`` (reads carry no rule;
every acting tool's target arguments must come from clean content; recipients and
amounts of money and mail sinks from trusted content; an acting tool with no arguments,
or a shell, is held once untrusted content was read); for ASB, whose tools take no
arguments, ``replay/asb.py`` (each agent holds its own tools, and in one manifest also
the attacker tools ASB adds to its toolkit). How each case is built from the data:
``replay/injecagent.py`` and ``replay/asb.py``.

Each source runs with every default layer (a real SQLite store per trace in a
temporary folder) and with the policy layer alone (detection off). Reported: user
calls that pass, attacker calls stopped, injected results stopped, attacks stopped
either way, benign tasks untouched, the median and p99 time per check; per benchmark
setting and attack type; what stopped each step; why each missed attack went through.

This is a development replay, not a held-back test: its figures are read to guide the
engine. The shipped classifier was trained on texts from both benchmarks (InjecAgent
tool responses and ASB injected outputs, ``training/README.md``), so the every-layer
figures overstate what detection does on unseen attacks; the policy-only figures rest
on the manifest rule alone.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay import asb, injecagent, play, report
from replay.files import Missing
from replay.model import Source


def sources(args: argparse.Namespace) -> list[Source]:
    found: list[Source] = []
    for flag, load in (("injecagent", injecagent.load), ("asb", asb.load)):
        folder = getattr(args, flag)
        if folder is None:
            print(f"--{flag} not given: skipped", file=sys.stderr)
            continue
        try:
            loaded = load(Path(folder))
        except Missing as missing:
            print(f"{missing}: skipped", file=sys.stderr)
            continue
        found += loaded if isinstance(loaded, list) else [loaded]
    for source in found:
        for note in source.notes:
            print(f"{source.name}: {note}", file=sys.stderr)
    return found


def thin(source: Source, limit: int | None) -> Source:
    """Every k-th case, about ``limit`` in all (a quick run); the benign tasks stay."""
    if not limit or len(source.cases) <= limit:
        return source
    step = -(-len(source.cases) // limit)
    return Source(source.name, source.manifest, source.cases[::step], source.benign, source.notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--injecagent", metavar="DIR", help="a snapshot of InjecAgent")
    parser.add_argument("--asb", metavar="DIR", help="a snapshot of Agent Security Bench")
    parser.add_argument("--limit", type=int, help="replay about N cases per source")
    parser.add_argument("--setup", choices=[s.name for s in play.SETUPS], action="append")
    args = parser.parse_args(argv)
    found = [thin(s, args.limit) for s in sources(args)]
    if not found:
        print("nothing to replay: give --injecagent and/or --asb", file=sys.stderr)
        return 2
    # the policy-only set-up turns detection off on purpose; its notice would bury the report
    logging.getLogger("immuno").setLevel(logging.ERROR)
    setups = [s for s in play.SETUPS if not args.setup or s.name in args.setup]
    with tempfile.TemporaryDirectory() as tmp:
        for source in found:
            for setup in setups:
                run = play.run(source, setup, Path(tmp))
                print(report.text(run, source.manifest), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
