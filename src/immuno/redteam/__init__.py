"""``immuno redteam``: generated attacks and benign workloads against a deployment's
configuration, in process, scored per family (docs/redteam.md)."""
