"""The server-wide limit on trainings, and how long a run has left: what the app needs to tell the next user
that the server is busy, and for about how long."""
import math
import threading


class TrainingSlots:
    """At most `limit` trainings at once on this server; shared by every session, holds no model or data."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._active = {}  # id(worker) -> worker

    def try_start(self, worker) -> bool:
        """Start `worker` (a vae.serve.worker.TrainingWorker) if a slot is free; False if the server is full."""
        with self._lock:
            self._active = {k: w for k, w in self._active.items() if w.running}
            if len(self._active) >= self.limit:
                return False
            self._active[id(worker)] = worker
            worker.start()
        return True

    def free_in(self) -> float:
        """Estimated seconds until a slot frees up: the soonest expected end among running trainings."""
        with self._lock:
            workers = [w for w in self._active.values() if w.running]
        return min((eta(w.snapshot()["steps"]) for w in workers), default=0.0)


def eta(steps: list) -> float:
    """Seconds left for a run, from its step metrics so far (elapsed time per step times steps to go)."""
    if not steps:
        return math.inf
    last = steps[-1]
    return last["elapsed"] / max(1, last["step"]) * (last["total_steps"] - last["step"])
