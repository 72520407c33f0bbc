"""Replicas of the app behind Debian's nginx, started as deploy/serve.py starts them, on free loopback ports."""
import contextlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

from deploy.serve import start_nginx, start_replica, stop, wait_healthy, write_config


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@contextlib.contextmanager
def lecture_hall(replicas):
    """Yields {"url": nginx's address, "replicas": {address: process}}. The run folder is one that nginx's
    unprivileged workers can read (pytest's own temporary folders are private to their owner)."""
    run_dir = tempfile.mkdtemp(prefix="vae-hall-")
    os.chmod(run_dir, 0o755)
    *ports, listen = free_ports(replicas + 1)
    addresses = [f"127.0.0.1:{p}" for p in ports]
    procs = {a: start_replica(p, Path(run_dir)) for a, p in zip(addresses, ports)}
    everything = list(procs.values())
    try:
        for a in addresses:
            wait_healthy(f"http://{a}", everything)
        everything.append(start_nginx(write_config(addresses, f"127.0.0.1:{listen}", Path(run_dir))))
        wait_healthy(f"http://127.0.0.1:{listen}", everything[-1:])
        yield {"url": f"http://127.0.0.1:{listen}", "replicas": procs}
    finally:
        stop(everything)
        shutil.rmtree(run_dir, ignore_errors=True)
