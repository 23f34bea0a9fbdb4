"""One lease holder at a time among processes sharing a monitoring store."""

from __future__ import annotations

from studio.monitor import leases


def test_a_lease_is_held_by_one_holder_until_it_expires_or_is_released(store_factory):
    store = store_factory()
    engine = store.engine
    assert leases.hold(engine, "monitoring:churn", "a", ttl=30, now=100.0)
    assert not leases.hold(engine, "monitoring:churn", "b", ttl=30, now=110.0)
    assert leases.hold(engine, "monitoring:churn", "a", ttl=30, now=125.0)  # renewed to 155
    assert not leases.hold(engine, "monitoring:churn", "b", ttl=30, now=150.0)
    assert leases.hold(engine, "monitoring:churn", "b", ttl=30, now=156.0)  # a stopped renewing
    assert leases.hold(engine, "monitoring:other", "a", ttl=30, now=156.0)  # one per name
    leases.release(engine, "monitoring:churn", "b")
    assert leases.hold(engine, "monitoring:churn", "a", ttl=30, now=157.0)


def test_store_leases_name_a_holder_per_process():
    assert leases.holder_id() != leases.holder_id()
