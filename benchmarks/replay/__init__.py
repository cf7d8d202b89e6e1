"""Replay of public agent-injection benchmarks through the SDK, without any LLM
(see ``benchmarks/agent_replay.py``): loaders turn each benchmark's data into traces
and a manifest written by a stated rule, ``play`` runs the traces, ``report`` counts."""
