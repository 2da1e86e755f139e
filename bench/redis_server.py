"""A private redis-server for a benchmark: no persistence, a free port, its own directory."""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time


def private_redis(prefix: str) -> tuple[str, str, subprocess.Popen]:
    """Start one; return (work directory, URL of its DB 0, process)."""
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server not found: apt-get install -y redis-server")
    workdir = tempfile.mkdtemp(prefix=prefix)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return workdir, f"redis://127.0.0.1:{port}/0", process
        time.sleep(0.05)
    process.terminate()
    raise SystemExit(f"redis-server did not start on port {port}")
