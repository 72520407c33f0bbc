"""A lecture hall on one machine: N replicas of the app and Debian's nginx in front of them, in one command.

    python deploy/serve.py [--replicas 3] [--port 8500] [--first-replica-port 8501] [--run-dir deploy/run]
    python deploy/serve.py --upstream 10.0.0.5:8501 10.0.0.6:8501 --config-only   # nginx for replicas elsewhere
    python deploy/serve.py --replicas 2 --no-warm   # students meet cold caches (to measure what warming saves)

Each replica is `streamlit run server.py` (the app) on its own port, told its own address (VAE_REPLICA) so that it can
tell a student who was moved to it from a replica that stopped. nginx's configuration is deploy/nginx.conf.template
filled in and written to the run folder with its logs. Before nginx starts, every page is opened once on every
replica (deploy/warm.py says why). Ctrl-C stops nginx and every replica.
Each replica runs its own training slots: VAE_MAX_TRAININGS (default 1) trainings at once per replica. The replicas
share the class board (VAE_BOARD_DB: by default one SQLite file on this machine) and one teacher key, printed here.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import streamlit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: deploy.warm, and the app's modules it reads
from deploy.warm import warm  # noqa: E402
from vae.serve.published import STATIC_DIR  # noqa: E402
from vae.serve.teacher import teacher_key_at_start  # noqa: E402

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def config(addresses: list[str], listen: str, run_dir: Path) -> str:
    """nginx's configuration for replicas at `addresses` (host:port, as nginx will write them in $upstream_addr)."""
    pools = [f"r{i}" for i in range(len(addresses))]
    pool_map = "\n".join(f'        "{a}" {p};' for a, p in zip(addresses, pools))
    newcomers = "\n".join(f"        server {a} max_fails=1 fail_timeout=10s;" for a in addresses)
    upstreams = "\n".join(
        f"    upstream {p} {{\n        server {a} max_fails=1 fail_timeout=10s;\n"
        + "".join(f"        server {b} backup;\n" for b in addresses[i + 1:] + addresses[:i])  # taking turns
        + "    }" for i, (a, p) in enumerate(zip(addresses, pools)))
    filled = {"run_dir": str(run_dir), "pool_map": pool_map, "newcomer_servers": newcomers,
              "replica_upstreams": upstreams, "listen": listen,
              "streamlit_static": str(run_dir / "streamlit-static"), "published": str(run_dir / "published")}
    text = TEMPLATE.read_text()
    for name, value in filled.items():
        text = text.replace(f"@{name}@", value)
    return text


def write_config(addresses, listen, run_dir: Path) -> Path:
    """The configuration, and a copy of Streamlit's front-end files for nginx to serve: nginx's workers run as an
    unprivileged user, who may not read the Python installation's folder."""
    run_dir.mkdir(parents=True, exist_ok=True)
    files = run_dir / "streamlit-static" / "static"
    if not files.is_dir():
        shutil.copytree(Path(streamlit.__file__).parent / "static" / "static", files)
    closed = [d for d in [run_dir.resolve(), *run_dir.resolve().parents] if not d.stat().st_mode & 0o001]
    if closed and os.geteuid() == 0:  # then nginx's workers run as an unprivileged user
        raise PermissionError(f"nginx's workers could not read {files}: {closed[0]} is closed to other users; "
                              "choose another --run-dir")
    link_published(run_dir)
    path = run_dir / "nginx.conf"
    path.write_text(config(addresses, listen, run_dir.resolve()))
    return path


def link_published(run_dir: Path) -> None:
    """<run_dir>/published/files: the folder the app publishes its files to (vae/serve/published.STATIC_DIR), for nginx
    to serve /files/... from disk. Left empty where nginx's workers could not read it: the replicas serve them."""
    folder = run_dir / "published"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "files"
    if link.is_symlink():
        link.unlink()
    readable = all(d.stat().st_mode & 0o005 == 0o005 for d in [STATIC_DIR, *STATIC_DIR.parents])
    if readable or os.geteuid() != 0:  # nginx's workers run as this user unless it is root
        link.symlink_to(STATIC_DIR, target_is_directory=True)


def server_env(extra=None) -> dict:
    """The environment of an app server: ./dev's defaults (it says why), unless already set, then `extra`."""
    return {"OMP_WAIT_POLICY": "PASSIVE", "MALLOC_ARENA_MAX": "2", **os.environ, **(extra or {})}


def start_replica(port: int, run_dir: Path, env=None) -> subprocess.Popen:
    log = open(run_dir / f"replica-{port}.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=server_env({"VAE_REPLICA": f"127.0.0.1:{port}", **(env or {})}))


def start_nginx(conf: Path) -> subprocess.Popen:
    check = subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(conf.parent)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx refused {conf}: {check.stderr.strip()}")
    return subprocess.Popen([NGINX, "-c", str(conf), "-p", str(conf.parent), "-g", "daemon off;"],
                            stderr=open(conf.parent / "nginx.stderr", "wb"))


def wait_healthy(url: str, procs=(), timeout: float = 120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a process exited with code {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicas", type=int, default=3)
    p.add_argument("--port", type=int, default=8500, help="nginx listens here (all interfaces)")
    p.add_argument("--first-replica-port", type=int, default=8501)
    p.add_argument("--run-dir", default=str(ROOT / "deploy" / "run"), help="nginx.conf, logs, temporary files")
    p.add_argument("--upstream", nargs="+", help="replicas running elsewhere (host:port): only nginx is started")
    p.add_argument("--config-only", action="store_true", help="write nginx.conf and print its path, start nothing")
    p.add_argument("--no-warm", action="store_true", help="do not open every page on every replica before nginx")
    args = p.parse_args()
    run_dir = Path(args.run_dir)
    ports = [args.first_replica_port + i for i in range(args.replicas)]
    addresses = args.upstream or [f"127.0.0.1:{port}" for port in ports]
    conf = write_config(addresses, str(args.port), run_dir)
    if args.config_only:
        print(conf)
        return
    # One teacher key for the whole hall (each replica would otherwise make its own); replicas on other machines
    # must be started with the same VAE_TEACHER_KEY, and the same VAE_BOARD_DB (a PostgreSQL URL).
    teacher_key_at_start()
    procs = [] if args.upstream else [start_replica(port, run_dir) for port in ports]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for address in addresses if not args.upstream else ():
            wait_healthy(f"http://{address}", procs)
        if not args.no_warm:
            warm(addresses)
        procs.append(start_nginx(conf))
        wait_healthy(f"http://127.0.0.1:{args.port}", procs[-1:])
        print(f"{len(addresses)} replicas behind nginx: http://localhost:{args.port} (logs in {run_dir})", flush=True)
        while all(proc.poll() is None for proc in procs):
            time.sleep(1)
        print("a process stopped: stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
