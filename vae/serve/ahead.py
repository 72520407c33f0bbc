"""Work done ahead while the machine is idle. A page names what its user will probably ask for next, most likely
first; one thread per server process computes those wishes, newest first, but only after the CPUs have been
mostly idle for a moment, so a busy server (a class clicking, a training running) never pays for a guess."""
import logging
import threading
import time
from collections import OrderedDict

LOG = logging.getLogger(__name__)
THREAD_NAME = "work-ahead"


def cpu_times(stat_path: str = "/proc/stat") -> tuple[int, int] | None:
    """(idle, total) clock ticks of all CPUs since boot, or None where there is no /proc/stat."""
    try:
        with open(stat_path) as f:
            fields = f.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
    ticks = [int(v) for v in fields[1:9]]
    return ticks[3] + ticks[4], sum(ticks)


def idle_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of all CPU time between two cpu_times readings that the CPUs spent idle."""
    return (after[0] - before[0]) / max(after[1] - before[1], 1)


class WorkAhead:
    """Wishes are (key, fn) pairs: fn() fills a cache, so what it computes is there when the user asks. A key
    wished again moves to the front; past `max_wishes` the oldest are forgotten. `needed_idle` (a share, 0-1) over
    `window` seconds is what counts as idle; a wish that raises is logged and dropped."""

    def __init__(self, needed_idle: float = 0.8, window: float = 0.3, max_wishes: int = 32, read_times=cpu_times):
        self.needed_idle, self.window, self.max_wishes = needed_idle, window, max_wishes
        self.done = 0  # wishes computed (or failed) so far
        self._read_times = read_times
        self._wishes = OrderedDict()  # key -> fn, the newest last
        self._running = None  # key of the wish being computed
        self._changed = threading.Condition()
        threading.Thread(target=self._run, name=THREAD_NAME, daemon=True).start()

    def wish(self, jobs) -> None:
        """Add wishes, [(key, fn), ...] with the most wanted first: it is computed first."""
        with self._changed:
            for key, fn in reversed(jobs):
                self._wishes.pop(key, None)
                self._wishes[key] = fn
            while len(self._wishes) > self.max_wishes:
                self._wishes.popitem(last=False)
            self._changed.notify_all()

    def pending(self) -> list:
        """Keys still to compute, the next one first, then the one being computed, if any."""
        with self._changed:
            return list(reversed(self._wishes)) + ([self._running] if self._running is not None else [])

    def wait_until_done(self, timeout: float) -> bool:
        """Block until no wish is left or being computed; False if `timeout` seconds passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._wishes and self._running is None, timeout)

    def _idle(self) -> bool:
        before = self._read_times()
        time.sleep(self.window)
        after = self._read_times()
        return before is not None and after is not None and idle_share(before, after) >= self.needed_idle

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._wishes)
            if not self._idle():
                continue
            with self._changed:
                if not self._wishes:
                    continue
                self._running, fn = self._wishes.popitem(last=True)
            try:
                fn()
            except Exception:  # a wish is only a guess: a failure must not stop the ones after it
                LOG.exception("work ahead failed for %r", self._running)
            finally:
                with self._changed:
                    self._running = None
                    self.done += 1
                    self._changed.notify_all()
