"""The protocol client that plays a class in bench/classroom_ws.py makes the server do what Chromium makes it do:
bench/ws_fidelity.py runs the same actions through both, and every run's messages and bytes agree within 5%, and so
do the files each page fetches over HTTP as it loads (requests and bytes)."""
import re
import subprocess
import sys

from conftest import ROOT


def test_the_client_and_chromium_cost_the_server_the_same(app_url):
    out = subprocess.run([sys.executable, "bench/ws_fidelity.py", "--only", "explorer", "lesson", "elbo_lab",
                          "--url", app_url], cwd=ROOT, capture_output=True, text=True, timeout=600)
    rows = [line for line in out.stdout.splitlines() if re.match(r"\| (explorer|lesson|elbo_lab): ", line)]
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    # each action: its page load, the action itself and the files at load, two rows each (the tables printed as it
    # goes repeat the rows; the last 18 are the final table)
    assert len(rows) >= 18 and {r.split(":")[0][2:] for r in rows} == {"explorer", "lesson", "elbo_lab"}
    assert sum("files at load" in r for r in rows[-18:]) == 6
    assert all(float(r.rsplit("|", 2)[1].strip(" %")) <= 5.0 for r in rows[-18:])
