"""Random picks that a server's sessions share, so that what a page computes for one is ready for the next.

A page's "Random digit" button costs the server a fraction of a second of work per digit. Drawn independently, a room
of students pressing it at once asks for as many different digits as there are presses, each computed from scratch
while the room is still arriving. Drawn from a pool the server computed while it could (at start, then whenever it
is idle), each press is a cache hit. Each session still gets every pool item at most once, in its own random order,
and once it has seen them all it gets any index at all, as before.
"""
import random
import threading


class SharedDraws:
    """Indices in range(n). The pool grows one index at a time, by `add`, once whatever a page shows for that index
    is computed; it stops at `most`. `draw(seen)` gives a pool index not in `seen`, at random, or else any index."""

    def __init__(self, n: int, most: int, rng: random.Random | None = None):
        self.n, self.most = n, most
        self._rng = rng or random.Random()
        self._pool: list[int] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pool)

    def full(self) -> bool:
        return len(self._pool) >= self.most

    def fresh(self) -> int:
        """An index not yet in the pool: the next one to compute and then `add`."""
        with self._lock:
            taken = set(self._pool)
            while len(taken) < self.n:
                index = self._rng.randrange(self.n)
                if index not in taken:
                    return index
        raise ValueError("every index is in the pool already")

    def add(self, index: int) -> None:
        with self._lock:
            if index not in self._pool and len(self._pool) < self.most:
                self._pool.append(index)

    def draw(self, seen) -> int:
        with self._lock:
            unseen = [i for i in self._pool if i not in seen]
            return self._rng.choice(unseen) if unseen else self._rng.randrange(self.n)
