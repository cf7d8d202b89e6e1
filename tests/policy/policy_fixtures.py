"""Shared test data for the policy tests."""

from __future__ import annotations

BASIC = """\
version: 1
roles:
  payer:
    tools: [bank.transfer, bank.payees]
agents:
  payments:
    roles: [payer]
  helper:
    tools: [bank.payees]
    expansion: approval
tools:
  bank.payees:
    trusted_output: true
  bank.transfer:
    sink: money
    rate: {calls: 3, per: 60}
    args:
      account: {type: string, pattern: "[A-Z]{2}[0-9]{2}[A-Z0-9-]{4,30}", from: trusted}
      amount: {type: number, min: 0.01, max: 10000}
      memo: {type: string, required: false, max_length: 140}
  shell.run:
    sink: shell
    approval: required
    args:
      command: {type: string}
"""


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
