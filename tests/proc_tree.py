"""The app server's training processes, found by walking /proc (psutil is not among the dependencies).

vae.worker starts each training from multiprocessing's fork server, which is itself a child of the
streamlit server: a training is therefore a live process whose parent is the fork server.
"""
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a process, or None once it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may itself hold spaces and parentheses
    return int(fields[1]), fields[0]


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[0] == pid and stat[1] != "Z":  # a zombie has finished; only its exit code is left
                found.append(int(entry.name))
    return found


def server_pid(url: str) -> int:
    """The pid of the `streamlit run` process serving `url` (scripts.appserver puts the port on its command line)."""
    port = url.rsplit(":", 1)[1]
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            args = _cmdline(int(entry.name)).split()
            if "streamlit" in args and f"{port}" in args and "--server.port" in args:
                return int(entry.name)
    raise LookupError(f"no streamlit process serves {url}")


def trainings(server: int) -> list[int]:
    """Pids of the training processes the server runs now."""
    fork_servers = [pid for pid in _children(server) if "forkserver" in _cmdline(pid)]
    return [pid for fs in fork_servers for pid in _children(fs)]
