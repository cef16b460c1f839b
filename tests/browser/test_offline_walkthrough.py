"""The README's "Reading offline" step, followed as written in real Chromium: the sample blog in a
process of its own (`postil sample serve`), the annotation server stopped, a highlight made and
the page reloaded, then the server started again.

The step once told readers to stop the server that also served the page they were reading, so
the reload was "connection refused"; here the page must load while the server is down.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request

import pytest
from browser_helpers import ROOT, open_sidebar, select, wait_painted, wait_ready, wait_until

PHRASE = "Barnacles and limpets tolerate long spells in the air"


def readme_offline_step() -> tuple[list[str], str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    step = readme[readme.index("**Reading offline.**"):]
    step = step[:step.index("\n- ")]
    command = re.search(r"`\.venv/bin/(postil sample serve --port (\d+))`", step)
    assert command, "the README's offline step no longer serves the sample blog on its own"
    url = re.search(r"<(http://127\.0\.0\.1:(\d+)/sample/[^>]+)>", step)
    assert url and url.group(2) == command.group(2), "the step's page is not the command's"
    assert "bash scripts/serve.sh" in step and "Not synced yet" in step
    return command.group(1).split()[1:-1], url.group(1)[len(f"http://127.0.0.1:{url.group(2)}"):]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sample_alone(server):
    args, _ = readme_offline_step()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "postil.cli", *args, str(port)], env=server.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert "/sample/" in proc.stdout.readline()
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_the_readme_offline_walk_through(alice, server, tokens, sample_alone):
    _, path = readme_offline_step()
    site = sample_alone.removeprefix("http://") + "/sample"
    page = alice.context.new_page()
    page.goto(sample_alone + path)
    wait_ready(page)

    server.stop()
    with pytest.raises(OSError):  # the server is really down
        urllib.request.urlopen(server.url + "/openapi.json", timeout=5)
    select(page, PHRASE)
    page.get_by_role("button", name="Highlight yellow").click()
    wait_painted(page, "yellow", PHRASE)
    wait_until(lambda: alice.storage().get("queue"), message="the queued create")

    page.reload()  # the page still loads: it is not served by the stopped server
    wait_ready(page)
    wait_painted(page, "yellow", PHRASE)
    open_sidebar(alice, page)
    assert page.locator("postil-ui .badge", has_text="Not synced yet").count() == 1

    server.start()
    page.reload()
    wait_ready(page)

    def stored():
        return server.annotations(tokens["alice"], site=site, post_id=101)["items"]

    wait_until(lambda: len(stored()) == 1, timeout=30, message="the highlight on the server")
    wait_until(lambda: not alice.storage().get("queue"), message="an empty queue")
    assert [(a["quote"], a["color"]) for a in stored()] == [(PHRASE, "yellow")]
    wait_painted(page, "yellow", PHRASE)
    open_sidebar(alice, page)
    wait_until(lambda: page.locator("postil-ui .badge").count() == 0, message="the mark gone")
    page.reload()  # sent once: a reload sends nothing more
    wait_painted(page, "yellow", PHRASE)
    assert len(stored()) == 1
