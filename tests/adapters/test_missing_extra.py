"""Without its framework, an adapter says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Blocks the framework's import the way a missing package would.
HIDE = "import sys; sys.modules[{module!r}] = None; import {adapter}"


@pytest.mark.parametrize(
    ("module", "adapter", "extra"),
    [
        ("langchain_core.tools", "immuno.adapters.langchain", "immuno[langchain]"),
        ("agents", "immuno.adapters.openai_agents", "immuno[openai-agents]"),
    ],
)
def test_a_missing_framework_names_the_extra(module: str, adapter: str, extra: str) -> None:
    code = HIDE.format(module=module, adapter=adapter)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ImportError: {adapter} needs {module}")
    assert f"pip install '{extra}'" in last


def test_immuno_imports_without_any_framework() -> None:
    code = "import sys; sys.modules['langchain_core'] = None; sys.modules['agents'] = None; "
    code += "import immuno, immuno.adapters; print('ok')"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
