"""The demo network's capability manifest, added to the protected configuration."""

from __future__ import annotations

from pathlib import Path

import msgspec

from immuno.core.config import Config

MANIFEST = Path(__file__).with_name("manifest.yaml")


def with_manifest(config: Config) -> Config:
    """``config`` with the demo manifest as its policy (the demo agents are its agents)."""
    policy = msgspec.structs.replace(config.policy, manifests=[str(MANIFEST)])
    return msgspec.structs.replace(config, policy=policy)
