"""Manifests several test packages use alike."""

# payments may run shell.run only with an operator's approval.
SHELL_WITH_APPROVAL = """\
agents:
  payments:
    tools: [shell.run]
tools:
  shell.run:
    sink: shell
    approval: required
    args:
      command: {type: string}
"""
