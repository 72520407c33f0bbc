"""The pool of random picks a server's sessions share (vae/serve/shared_draws.py)."""
import random
import threading

import pytest

from vae.serve.shared_draws import SharedDraws


def test_a_session_gets_each_pool_index_once_in_its_own_order_then_any_index():
    draws = SharedDraws(10_000, most=8, rng=random.Random(0))
    for _ in range(8):
        draws.add(draws.fresh())
    pool = set(draws._pool)
    orders = []
    for _ in range(2):  # two sessions
        seen, order = set(), []
        for _ in range(8):
            index = draws.draw(seen)
            assert index in pool and index not in seen
            seen.add(index)
            order.append(index)
        orders.append(order)
        assert seen == pool
        beyond = {draws.draw(seen) for _ in range(50)}  # all seen: any index, mostly outside the pool
        assert len(beyond - pool) > 40 and all(0 <= i < 10_000 for i in beyond)
    assert orders[0] != orders[1]  # each session its own random order (1 in 8! to fail by chance)


def test_the_pool_stops_growing_at_most_and_never_takes_an_index_twice():
    draws = SharedDraws(20, most=5, rng=random.Random(1))
    for _ in range(5):
        index = draws.fresh()
        assert index not in draws._pool
        draws.add(index)
        draws.add(index)  # offered twice: kept once
    assert len(draws) == 5 and len(set(draws._pool)) == 5 and draws.full()
    draws.add(draws.fresh())
    assert len(draws) == 5
    assert SharedDraws(20, most=5).draw(set()) in range(20)  # an empty pool: any index


def test_every_index_in_the_pool_leaves_nothing_fresh():
    draws = SharedDraws(3, most=3)
    for _ in range(3):
        draws.add(draws.fresh())
    with pytest.raises(ValueError):
        draws.fresh()


def test_sessions_drawing_while_the_pool_grows_see_only_indices_in_range():
    draws = SharedDraws(1000, most=200)
    seen_by = [set() for _ in range(4)]

    def session(seen):
        for _ in range(300):
            seen.add(draws.draw(seen))

    threads = [threading.Thread(target=session, args=(s,)) for s in seen_by]
    for t in threads:
        t.start()
    for _ in range(200):
        draws.add(draws.fresh())
    for t in threads:
        t.join()
    assert len(draws) == 200 and len(set(draws._pool)) == 200
    assert all(s <= set(range(1000)) for s in seen_by)
