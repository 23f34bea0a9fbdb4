"""Two real processes promoting the same model at once: the registry serializes them, the
alias history forms one unbroken chain, and every attempt is in the audit log."""

from __future__ import annotations

import multiprocessing as mp

from studio.registry import Registry

ROUNDS = 4


def _promoter(url: str, artifacts: str, home: str, version: str, barrier, results) -> None:
    import os

    os.environ["KNOTWORK_HOME"] = home
    with Registry(url, artifacts=artifacts) as reg:
        barrier.wait(timeout=60)
        statuses = []
        for _ in range(ROUNDS):
            statuses.append(
                reg.promote(f"churn:{version}", "dev", reason=f"process {version}").status
            )
        results.put((version, statuses))


def test_concurrent_promotions_from_two_processes_stay_consistent(
    registry, bundles, db_url, _isolated_home
):
    registry.register(bundles(version="1"))
    registry.register(bundles(version="2", C=2.0))
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_promoter,
            args=(db_url, str(registry.artifacts.root), str(_isolated_home), v, barrier, results),
        )
        for v in ("1", "2")
    ]
    for p in procs:
        p.start()
    outcomes = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert set(outcomes) == {"1", "2"}
    assert all(s in ("promoted", "unchanged") for statuses in outcomes.values() for s in statuses)

    moves = registry.alias_history("churn", "dev")
    for before, after in zip(moves, moves[1:], strict=False):
        assert after.from_ == before.to, moves  # no lost update: each move saw the previous one
    assert registry.alias_target("churn", "dev").version == moves[-1].to
    promoted = sum(s == "promoted" for statuses in outcomes.values() for s in statuses)
    assert len(moves) == promoted

    attempts = [e for e in registry.log("churn") if e.action == "promote"]
    assert len(attempts) == 2 * ROUNDS
    assert {e.reason for e in attempts} == {"process 1", "process 2"}
    assert registry.verify_audit().ok  # the hash chain stayed linear under contention
