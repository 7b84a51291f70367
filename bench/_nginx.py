"""The reverse proxy of deploy/nginx, run for a benchmark: nginx on loopback in front of
one waitress worker, with the repository's own limits.conf, locations.conf and proxy.conf
(only the include paths and the upstream's port differ from a clinic's site.conf).

    proxy = start_nginx(tmp, upstream_port)   # None when nginx is not installed
    ... proxy.base ...
    proxy.stop()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "nginx"


@dataclass
class Proxy:
    base: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stderr.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def start_nginx(tmp: Path, upstream_port: int) -> Proxy | None:
    binary = nginx()
    if binary is None:
        return None
    folder = tmp / "nginx"
    folder.mkdir()
    for name in ("limits.conf", "locations.conf", "proxy.conf"):
        text = (DEPLOY / name).read_text().replace("/etc/nginx/bme/", f"{folder}/")
        (folder / name).write_text(text)
    port = free_port()
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    include {folder}/limits.conf;
    upstream bme {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        include {folder}/locations.conf;
    }}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Proxy(f"http://127.0.0.1:{port}", process)
        if process.poll() is not None:
            raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("nginx did not listen within 5 s")
