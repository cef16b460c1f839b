"""The WordPress plugin's zip (scripts/build_wp_plugin.py): what WordPress's plugin upload takes,
one `postil/` folder with the main file carrying the plugin header, WordPress's readme.txt and
uninstall.php, at the server's version. The real WordPress installs it through its own upgrader
in tests/browser/test_wordpress_plugin.py."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from postil import __version__ as VERSION

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_wp_plugin.py"),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    path = out / "postil-wordpress-plugin.zip"
    assert done.stdout.strip() == str(path)
    return path


def test_the_zip_holds_one_postil_folder_with_the_plugin_files(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
        assert names == ["postil/", "postil/postil.php", "postil/readme.txt",
                         "postil/uninstall.php"]
        main = zf.read("postil/postil.php").decode()
        readme = zf.read("postil/readme.txt").decode()
        uninstall = zf.read("postil/uninstall.php").decode()
    # WordPress finds a plugin by the header of a PHP file at the folder's top.
    assert re.search(r"^ \* Plugin Name:\s+Postil$", main, re.M)
    assert re.search(rf"^ \* Version:\s+{re.escape(VERSION)}$", main, re.M)
    assert re.search(r"^ \* Requires at least:\s+6\.1$", main, re.M)
    assert "defined( 'ABSPATH' ) || exit;" in main
    assert "defined( 'WP_UNINSTALL_PLUGIN' ) || exit;" in uninstall
    # readme.txt in WordPress's format: the name line, the header fields, the sections.
    assert readme.startswith("=== Postil ===\n")
    assert re.search(rf"^Stable tag: {re.escape(VERSION)}$", readme, re.M)
    for field in ("Requires at least", "Tested up to", "Requires PHP", "License"):
        assert re.search(rf"^{field}: \S", readme, re.M), field
    for section in ("Description", "Installation", "Frequently Asked Questions", "Changelog"):
        assert f"\n== {section} ==\n" in readme, section


def test_the_zip_is_the_same_bytes_when_built_again(plugin_zip, tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_wp_plugin.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True, timeout=60)
    assert (tmp_path / plugin_zip.name).read_bytes() == plugin_zip.read_bytes()


@pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed")
def test_every_php_file_of_the_plugin_parses(plugin_zip, tmp_path):
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(tmp_path)
    for path in sorted((tmp_path / "postil").glob("*.php")):
        done = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
