"""The 28-agent mesh: the worm spreads everywhere without immuno, and is contained
to patient zero and its direct recipients (whose next actions are all held) with it."""

from pathlib import Path

from mesh_sim import N, name, neighbours, run


def test_without_immuno_the_worm_takes_the_whole_mesh(tmp_path: Path) -> None:
    off = run(False, tmp_path)
    assert len(off.infected) == N
    assert off.attacker_payments > N


def test_with_immuno_the_compromise_is_contained(tmp_path: Path) -> None:
    on = run(True, tmp_path)
    direct = {name(j) for j in neighbours(0)}
    assert set(on.infected) - {name(0)} <= direct
    assert on.beyond_first_hop == []
    assert on.attacker_payments == 0
    # Infected recipients got at most one action out; here none got through.
    assert all(count <= 1 for count in on.recipients_delivered.values())
    assert on.time_to_quarantine is not None and on.time_to_quarantine <= 4
    assert on.false_quarantines == 0
    assert set(on.locked) <= set(on.infected)  # no healthy agent locked
