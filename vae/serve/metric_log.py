"""A training's per-step metrics, kept as columns of numbers rather than one dict per step.

A dict of a dozen floats costs about 1.3 kB in CPython; a 100-epoch run at batch 128 has 47,000 steps, so a
list of dicts held 62 MB per run, and every poll that copied or merged it churned as much again. As columns the
same run holds 5 MB, and a snapshot is a view (no copy): rows already written never change, so a view that
stops at the length it was taken at stays valid while the log grows past it.
"""
import threading
from collections.abc import Sequence

import numpy as np


class Rows(Sequence):
    """A read-only, fixed-length view of a log: indexing gives dicts as the trainer yielded them, `column(key)`
    gives one metric as an array (what the figures want, without building a dict per step)."""

    def __init__(self, columns: dict, constants: dict, n: int):
        self._columns, self._constants, self._n = columns, constants, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        i %= self._n
        return {**self._constants, **{k: c[i].tolist() for k, c in self._columns.items()}}

    def column(self, key: str) -> np.ndarray:
        if self._n == 0:  # an empty log does not know its keys yet
            return np.empty(0)
        if key in self._constants:
            return np.full(self._n, self._constants[key])
        return self._columns[key][:self._n]

    def shifted(self, key: str, offset) -> "Rows":
        """The same rows with `offset` added to one column (a resumed run's steps follow the first run's)."""
        if self._n == 0:
            return self
        return Rows({**self._columns, key: self._columns[key][:self._n] + offset}, self._constants, self._n)

    @staticmethod
    def concat(parts: list["Rows"]) -> "Rows":
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        keys = parts[0]._columns.keys()
        return Rows({k: np.concatenate([p.column(k) for p in parts]) for k in keys}, parts[0]._constants,
                    sum(len(p) for p in parts))


class MetricLog:
    """Append-only rows with the same keys. Numbers go to growing arrays (int64 or float64, as first seen), and a
    list of numbers (the KL of each latent dimension) to a float64 array with a row of that length per step; any other
    value (the trainer's "kind": "step") must stay the same in every row and is kept once."""

    def __init__(self, capacity: int = 1024):
        self._lock = threading.Lock()
        self._capacity, self._n = capacity, 0
        self._columns, self._constants = {}, {}

    def append(self, row: dict) -> None:
        with self._lock:
            if self._n == 0:
                self._start(row)
            elif row.keys() != self._columns.keys() | self._constants.keys():
                raise ValueError(f"a row with other keys than the first: {sorted(row)}")
            if self._n == self._capacity:
                self._grow()
            for k, c in self._columns.items():
                if c.dtype.kind == "i" and row[k] != int(row[k]):
                    raise ValueError(f"{k!r} began as a whole number and is now {row[k]!r}")
                c[self._n] = row[k]
            for k, v in self._constants.items():
                if row[k] != v:
                    raise ValueError(f"{k!r} changed from {v!r} to {row[k]!r}; only numbers may vary")
            self._n += 1  # last: a view taken meanwhile never sees a half-written row

    def view(self) -> Rows:
        with self._lock:
            return Rows(dict(self._columns), dict(self._constants), self._n)

    def _start(self, row: dict) -> None:
        for k, v in row.items():
            if isinstance(v, (list, tuple)) and v and all(isinstance(e, (int, float)) for e in v):
                self._columns[k] = np.empty((self._capacity, len(v)))
            elif isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
                self._constants[k] = v
            else:
                dtype = np.int64 if isinstance(v, (int, np.integer)) else np.float64
                self._columns[k] = np.empty(self._capacity, dtype)

    def _grow(self) -> None:
        # a new array rather than a resize in place: views taken earlier keep the old one, whose rows are final
        self._capacity *= 2
        for k, c in self._columns.items():
            grown = np.empty((self._capacity, *c.shape[1:]), c.dtype)
            grown[:self._n] = c[:self._n]
            self._columns[k] = grown
