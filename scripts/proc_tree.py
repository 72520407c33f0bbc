"""Processes, memory and CPU time of an app server's tree, read from /proc (Linux; psutil is not a dependency),
for the tests that watch its training processes and for the load benchmarks.

The app server is a tree: the Streamlit process, and once someone trains, a fork server and the training
process under it. Their resident sets overlap (forked children share pages with their parent until they
write to them), so the sum of RSS counts shared pages more than once; PSS splits each shared page between
the processes that map it, and its sum is the tree's real share of memory.
"""
import os
import signal
import time
from collections import defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()


def parents() -> dict[int, int]:
    """pid -> parent pid, for every process visible now."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = int(_stat(entry.name)[1])
            except (OSError, ValueError, IndexError):  # it ended while we were reading
                pass
    return out


def descendants(root: int, ppid_of: dict[int, int]) -> list[int]:
    children = defaultdict(list)
    for pid, ppid in ppid_of.items():
        children[ppid].append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children[pid]
    return out


def server_pid(port) -> int:
    """The `streamlit run` child of this process that listens on `port` (a number, or the server's URL);
    scripts.appserver keeps no handle."""
    port = str(port).rsplit(":", 1)[-1]
    for pid, ppid in parents().items():
        if ppid == os.getpid():
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in argv and port.encode() in argv:
                return pid
    raise RuntimeError(f"no streamlit child of this process on port {port}")


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def trainings(server: int) -> list[int]:
    """Pids of the training processes the server runs now: vae.serve.worker starts each from multiprocessing's fork
    server, itself a child of the streamlit process."""
    ppid_of = parents()
    fork_servers = [pid for pid, ppid in ppid_of.items() if ppid == server and "forkserver" in command_line(pid)]
    return [pid for pid, ppid in ppid_of.items() if ppid in fork_servers and alive(pid)]


def _kb(path: str, key: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def usage(pids) -> dict:
    """Summed RSS and PSS (MB) and CPU time (s, user + system) of the processes still alive in `pids`."""
    rss = pss = cpu = alive = 0
    for pid in pids:
        try:
            fields = _stat(pid)
            rss += _kb(f"/proc/{pid}/status", "VmRSS:")
            pss += _kb(f"/proc/{pid}/smaps_rollup", "Pss:")
        except (OSError, ValueError):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15 of proc(5)
        alive += 1
    return {"rss_mb": rss / 1024, "pss_mb": pss / 1024, "cpu_s": cpu, "procs": alive}


def identity(pid: int):
    """(pid, start time): a pid alone may be reused by an unrelated process once the first one is gone."""
    try:
        return pid, _stat(pid)[19]
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    try:
        return _stat(pid)[0] not in ("Z", "X")  # a zombie has exited, only its parent has not reaped it
    except OSError:
        return False


def end_leftovers(seen, grace: float = 10.0) -> list[int]:
    """Give the processes recorded with identity() `grace` seconds to end by themselves, then SIGTERM those
    still running; returns their pids."""
    deadline = time.monotonic() + grace
    while True:
        left = [ident[0] for ident in seen if ident and identity(ident[0]) == ident]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return left
