"""Every page opened once on every replica before nginx sends it students, so that none of them meets cold caches.

The datasets, checkpoints, encodings and the explorer's payload live in st.cache_resource / st.cache_data, filled
by the first run of a page that uses them, once per process. Each replica is a process of its own, and the
teacher's visit before the lesson reaches only the replica nginx gives it: the first students on the others
waited for the loading (with 100 students on `./dev hall 2`, page loads of 1.3-3.8 s at p99). deploy/serve.py
therefore calls warm() when every replica answers its health check and before it starts nginx. Each page is
opened as a browser's first visit opens it (scripts/protocol_client.Tab), in its default view.

A replica that fails its warm-up is still served (its first students wait, as before): one line says so.
"""
import asyncio
import time
from dataclasses import dataclass, field

from ui.navigation import HOME, PAGES


@dataclass
class Warmed:
    address: str  # host:port
    seconds: dict = field(default_factory=dict)  # page key -> seconds its first run took
    failed: dict = field(default_factory=dict)  # page key -> why
    total: float = 0.0

    def line(self) -> str:
        pages = ", ".join(f"{key} {s:.1f} s" for key, s in self.seconds.items())
        return f"warmed {self.address} in {self.total:.1f} s: {pages}"

    def warning(self) -> str:
        why = "; ".join(f"{key}: {reason}" for key, reason in self.failed.items())
        return f"warning: {self.address} is served with cold caches for what failed to warm: {why}"


async def warm_replica(address: str, timeout: float = 120) -> Warmed:
    """Open every page of ui.navigation.PAGES on the replica at `address`, one after another (a replica runs its
    scripts in one Python process: pages at once would only take turns)."""
    from scripts.protocol_client import Tab  # its httpx comes with requirements-dev.txt
    warmed, started = Warmed(address), time.perf_counter()
    for key in PAGES:
        tab = Tab(f"http://{address}", "" if key == HOME else key)
        try:
            warmed.seconds[key] = (await tab.open(timeout)).ms / 1000
        except Exception as exc:  # noqa: BLE001 -- whatever it was, the hall goes on without this page warm
            warmed.failed[key] = f"{type(exc).__name__}: {str(exc)[:160]}"
        finally:
            try:
                await tab.close()
            except Exception:  # noqa: BLE001 -- a connection that never opened
                pass
    warmed.total = time.perf_counter() - started
    return warmed


def warm(addresses: list[str], together: bool = True) -> list[Warmed]:
    """Warm the replicas, all at once (together) or one after another, printing a line for each."""
    async def run():
        if together:
            return await asyncio.gather(*(warm_replica(a) for a in addresses))
        return [await warm_replica(a) for a in addresses]
    try:
        results = asyncio.run(run())
    except ImportError as exc:
        print(f"warning: no warm-up, the replicas' caches are cold ({exc}; pip install -r requirements-dev.txt)",
              flush=True)
        return []
    for warmed in results:
        print(warmed.line(), flush=True)
        if warmed.failed:
            print(warmed.warning(), flush=True)
    return results
