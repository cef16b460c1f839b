"""A live `postil serve` for the documentation's examples, laid out as `scripts/serve.sh` leaves
the repository's root: `./postil-data` with the database and `first-user.txt` for `reader`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

PASSWORD = "tea-and-margins"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    port = free_port()
    data = tmp_path / "postil-data"
    env = dict(os.environ, POSTIL_DATA_DIR=str(data), POSTIL_CORS_ORIGINS="")
    env.pop("POSTIL_DATABASE_URL", None)
    cli = [sys.executable, "-m", "postil.cli"]
    subprocess.run([*cli, "user", "add", "reader", "--password-stdin"], input=PASSWORD + "\n",
                   text=True, env=env, check=True, capture_output=True)
    (data / "first-user.txt").write_text(f"username: reader\npassword: {PASSWORD}\n")
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"postil serve did not start: {proc.stdout.read()}")
    yield f"http://127.0.0.1:{port}", PASSWORD
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()
