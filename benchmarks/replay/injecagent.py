"""InjecAgent (uiuc-kang-lab/InjecAgent) as replay traces.

Reads ``data/tools.json`` (the tool definitions the manifest is written from, by the
rule in ``rules.py``), ``data/test_cases_{dh,ds}_{base,enhanced}.json`` (the cases; the
other ``test_cases_*`` files some copies carry are not the benchmark's settings and
are left out) and ``data/attacker_simulated_responses.json`` (what a data-stealing
case's first tool returns).

A case: the user's instruction, the user tool with its parameters, the tool response
with the attacker's instruction planted (InjecAgent's own ``Tool Response``), then:

* direct harm (dh): the attacker's tool with the arguments its instruction asks for
  (``injecagent_calls.DH_CALLS``);
* data stealing (ds): the attacker's first tool with the arguments and output of
  InjecAgent's first simulated response for it (``{}`` and no output when there is
  none), then the e-mail that sends that output to the attacker's address.

A benign task: each distinct user instruction with its tool response template, the
placeholder left empty.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from replay import rules
from replay.files import Missing, data_dir
from replay.injecagent_calls import DH_CALLS, DS_RECIPIENT, DS_SUBJECT, DS_SUBJECTS
from replay.model import Benign, Call, Case, Read, Source

NAME = "injecagent"
AGENT = "assistant"
SETTINGS = ("dh_base", "dh_enhanced", "ds_base", "ds_enhanced")
PLACEHOLDER = "<Attacker Instruction>"
SEND = "GmailSendEmail"


def manifest(tools_json: list[dict[str, Any]]) -> dict[str, Any]:
    """Every tool of tools.json (toolkit + tool name), by the rule in rules.py."""
    entries = {
        kit["toolkit"] + tool["name"]: rules.tool_entry(tool["name"], tool.get("parameters", []))
        for kit in tools_json
        for tool in kit["tools"]
    }
    return rules.manifest(AGENT, entries)


def first_responses(raw: Mapping[str, str]) -> dict[str, tuple[dict[str, Any], str]]:
    """Per tool, the first simulated response whose arguments are a JSON object."""
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for key, output in raw.items():
        tool, _, args_text = key.strip("()").partition(",")
        if tool in found:
            continue
        try:
            args = json.loads(args_text)
        except json.JSONDecodeError:
            continue
        if isinstance(args, dict):
            found[tool] = (args, output)
    return found


def _unquote(text: str) -> str:
    # InjecAgent stores each response as a quoted string literal.
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _attack(
    row: Mapping[str, Any],
    harm: bool,
    calls: Mapping[str, dict[str, Any]],
    simulated: Mapping[str, tuple[dict[str, Any], str]],
) -> tuple[Call | Read, ...] | None:
    tools = row["Attacker Tools"]
    if harm:
        args = calls.get(tools[0])
        return None if args is None else (Call(tools[0], dict(args)),)
    first = tools[0]
    args, output = simulated.get(first, ({}, ""))
    mail = {"to": DS_RECIPIENT, "subject": DS_SUBJECTS.get(first, DS_SUBJECT), "body": output}
    return (Call(first, dict(args)), Read(first, output), Call(tools[-1], mail))


def load(folder: Path, calls: Mapping[str, dict[str, Any]] = DH_CALLS) -> Source:
    data = data_dir(folder)
    tools_path = data / "tools.json"
    if not tools_path.is_file():
        raise Missing(f"InjecAgent: no tools.json in {data}")
    notes: list[str] = []
    spec = manifest(json.loads(tools_path.read_text(encoding="utf-8")))
    simulated_path = data / "attacker_simulated_responses.json"
    simulated: dict[str, tuple[dict[str, Any], str]] = {}
    if simulated_path.is_file():
        simulated = first_responses(json.loads(simulated_path.read_text(encoding="utf-8")))
    else:
        notes.append(f"no {simulated_path.name}: data-stealing first steps have no output")
    cases: list[Case] = []
    benign: dict[tuple[str, str, str], Benign] = {}
    for setting in SETTINGS:
        path = data / f"test_cases_{setting}.json"
        if not path.is_file():
            notes.append(f"no {path.name}: setting {setting} skipped")
            continue
        unknown: set[str] = set()
        for row in json.loads(path.read_text(encoding="utf-8")):
            user = Call(row["User Tool"], ast.literal_eval(row["Tool Parameters"]))
            attack = _attack(row, setting.startswith("dh"), calls, simulated)
            if attack is None:
                unknown.add(row["Attacker Tools"][0])
                continue
            cases.append(
                Case(
                    source=NAME,
                    group=setting.replace("_", " "),
                    attack_type=row["Attack Type"],
                    agent=AGENT,
                    request=row["User Instruction"],
                    user_call=user,
                    injected=Read(user.tool, _unquote(row["Tool Response"])),
                    attack=attack,
                )
            )
            template = row["Tool Response Template"]
            key = (row["User Instruction"], row["Tool Parameters"], template)
            clean = Read(user.tool, template.replace(PLACEHOLDER, ""))
            benign.setdefault(key, Benign(NAME, AGENT, row["User Instruction"], user, clean))
        if unknown:
            notes.append(f"{setting}: no call written for {', '.join(sorted(unknown))}: skipped")
    if not cases:
        raise Missing(f"InjecAgent: no test_cases_{{dh,ds}}_{{base,enhanced}}.json in {data}")
    return Source(NAME, spec, cases, list(benign.values()), notes)
