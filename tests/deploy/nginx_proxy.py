"""Run docs/examples/nginx-postil.conf in front of a Postil server, for the tests: a self-signed
certificate made with `openssl`, the example's ports, certificate paths and upstream replaced,
and nginx as a foreground child with its own prefix, pid file, logs and temporary directories
under a given directory. The machine's nginx configuration and ports 80/443 are never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

NGINX = "/usr/sbin/nginx"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "nginx-postil.conf"
MISSING = (f"{NGINX} is missing (Debian: apt-get install nginx; scripts/system-deps.sh "
           "installs it)")


def available() -> bool:
    return os.access(NGINX, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, f"{what} stopped: {log.read_text(errors='replace')}"
        assert time.monotonic() < deadline, f"{what} did not listen: {log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def render(example: str, **values) -> str:
    """The example with this test's ports and paths; each line replaced must be there."""
    replacements = {
        "    listen 80;\n": f"    listen 127.0.0.1:{values['http_port']};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{values['https_port']} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/certs/postil.pem": str(values["cert"]),
        "/etc/ssl/private/postil.key": str(values["key"]),
        "http://127.0.0.1:8000;": f"http://127.0.0.1:{values['backend_port']};",
    }
    for old, new in replacements.items():
        assert old in example, f"the example no longer has {old!r}; update this test with it"
        example = example.replace(old, new)
    return example


def main_config(tmp: Path, servers: Path) -> str:
    """A whole nginx.conf around the example's server blocks, everything under `tmp`."""
    temp = "\n".join(f"    {name}_temp_path {tmp / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
master_process on;
worker_processes 1;
pid {tmp / 'nginx.pid'};
error_log {tmp / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    access_log {tmp / 'access.log'};
{temp}
    include {servers};
}}
"""


@dataclass(frozen=True)
class Proxy:
    https_port: int
    http_port: int
    cert: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def make_certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, valid two days."""
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@contextmanager
def nginx_in_front(tmp: Path, backend_port: int):
    """nginx running the example, passing to 127.0.0.1:`backend_port`, until the block ends."""
    cert, key = make_certificate(tmp)
    http_port, https_port = free_port(), free_port()
    servers = tmp / "postil.conf"
    servers.write_text(render(EXAMPLE.read_text(), http_port=http_port, https_port=https_port,
                              cert=cert, key=key, backend_port=backend_port))
    conf = tmp / "nginx.conf"
    conf.write_text(main_config(tmp, servers))
    log = tmp / "nginx.out"
    with open(log, "w") as out:
        nginx = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(conf), "-e",
                                  str(tmp / "error.log")], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(https_port, nginx, log, "nginx")
        yield Proxy(https_port, http_port, cert)
    finally:
        stop(nginx, signal.SIGQUIT)  # nginx's graceful stop
