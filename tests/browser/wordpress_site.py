"""A real WordPress for the tests: Debian's `wordpress` package (6.1) on a MariaDB database of its
own, served by PHP's built-in web server on a free port of 127.0.0.1.

Debian's /usr/share/wordpress/wp-config.php reads its settings from
/etc/wordpress/config-HOST.php, HOST being the host the request names without its port, or from
/etc/wordpress/config-NAME.php when the web server sets $_SERVER['WORDPRESS_CONFIG'] = NAME. Every
session (every pytest-xdist worker) runs its own WordPress on the same host 127.0.0.1, so the
router and the PHP scripts here set WORDPRESS_CONFIG to a name of the session's own; database, user,
config file and port are the session's own too, and all of them go away at the end.

Setting up needs root (or password-less sudo) for /etc/wordpress and MariaDB's root account;
`scripts/system-deps.sh` installs the packages and starts MariaDB.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
ADMIN = "editor"

# Static files as they are; every other path through WordPress's index.php, which is what pretty
# permalinks need (Apache does it with the .htaccess rewrite rules). PHP files are run by the
# router itself (not handed back to the server) so that they see WORDPRESS_CONFIG too.
ROUTER = r"""<?php
$_SERVER['WORDPRESS_CONFIG'] = '%(config)s';
$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
$file = $root . $path;
if (is_dir($file)) {
    $file = rtrim($file, '/') . '/index.php';
}
if (is_file($file) && substr($file, -4) !== '.php') {
    return false;
}
if (!is_file($file) || strpos($path, '..') !== false) {
    $file = $root . '/index.php';
}
$_SERVER['SCRIPT_FILENAME'] = $file;
$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = substr($file, strlen($root));
chdir(dirname($file));
require $file;
"""

# Run with `php`: loads WordPress as the site and does what the JSON on stdin asks, in order;
# prints one JSON line describing the posts it touched.
TASKS = r"""<?php
$_SERVER['WORDPRESS_CONFIG'] = $argv[1];
$_SERVER['HTTP_HOST'] = $argv[2];
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
$out = [];
foreach (json_decode(file_get_contents('php://stdin'), true) as $task) {
    if ($task['do'] === 'permalinks') {
        global $wp_rewrite;
        $wp_rewrite->set_permalink_structure($task['structure']);
        flush_rewrite_rules(false);
        continue;
    }
    if ($task['do'] === 'install_plugin') {
        // As Plugins → Add New → Upload Plugin does: WordPress's own upgrader unpacks the zip.
        require_once ABSPATH . 'wp-admin/includes/admin.php';
        require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
        $upgrader = new Plugin_Upgrader(new Automatic_Upgrader_Skin());
        $done = $upgrader->install($task['zip'], ['overwrite_package' => true]);
        if ($done !== true) {
            fwrite(STDERR, 'install failed: ' . json_encode($upgrader->skin->get_upgrade_messages())
                   . (is_wp_error($done) ? $done->get_error_message() : ''));
            exit(1);
        }
        $out[] = ['installed' => $upgrader->plugin_info()];
        continue;
    }
    if ($task['do'] === 'activate_plugin' || $task['do'] === 'deactivate_plugin') {
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        if ($task['do'] === 'deactivate_plugin') {
            deactivate_plugins($task['plugin']);
        } else {
            $done = activate_plugin($task['plugin']);
            if (is_wp_error($done)) {
                fwrite(STDERR, $done->get_error_message());
                exit(1);
            }
        }
        $out[] = ['active' => is_plugin_active($task['plugin'])];
        continue;
    }
    if ($task['do'] === 'option') {
        if ($task['value'] === null) {
            delete_option($task['name']);
        } else {
            update_option($task['name'], $task['value']);
        }
        $out[] = ['option' => get_option($task['name'], null)];
        continue;
    }
    if ($task['do'] === 'classic_count' || $task['do'] === 'classic_count_home') {
        // The one line a classic theme's single-post template adds to its meta line, run in the
        // loop of the query WordPress makes for that post's page (or for the home page).
        query_posts($task['do'] === 'classic_count' ? ['p' => $task['id']] : []);
        $GLOBALS['wp_the_query'] = $GLOBALS['wp_query'];
        $html = '';
        while (have_posts()) {
            the_post();
            ob_start();
            echo '<span class="posted-on">', get_the_date(), ' ';
            if (function_exists('postil_the_count')) {
                postil_the_count();
            }
            echo '</span>';
            $html .= ob_get_clean();
        }
        $out[] = ['html' => $html];
        continue;
    }
    if ($task['do'] === 'publish') {
        $id = wp_insert_post(['post_title' => $task['title'], 'post_content' => $task['content'],
                              'post_status' => 'publish', 'post_author' => 1,
                              'post_type' => $task['type'] ?? 'post'], true);
    } else {
        $id = wp_update_post(array_merge(['ID' => $task['id']], $task['fields']), true);
    }
    if (is_wp_error($id)) {
        fwrite(STDERR, $id->get_error_message());
        exit(1);
    }
    clean_post_cache($id);
    $post = get_post($id);
    $out[] = ['id' => $id, 'slug' => $post->post_name, 'link' => get_permalink($id),
              'modified_gmt' => $post->post_modified_gmt,
              'category_link' => get_category_link(get_the_category($id)[0]->term_id ?? 1)];
}
echo json_encode($out), "\n";
"""


class Unavailable(Exception):
    """What is missing for a real WordPress here (the fixture skips, or fails under strict)."""


def missing() -> str | None:
    """Why no WordPress can run here, or None."""
    if not (WORDPRESS / "wp-load.php").exists():
        return "Debian's wordpress package is not installed (scripts/system-deps.sh installs it)"
    if not shutil.which("php"):
        return "php is not installed (php-cli; scripts/system-deps.sh installs it)"
    done = subprocess.run(["php", "-m"], capture_output=True, text=True)
    if "mysqli" not in done.stdout.split():
        return "PHP has no mysqli (php-mysql; scripts/system-deps.sh installs it)"
    if not shutil.which("mariadb"):
        return "mariadb-server is not installed (scripts/system-deps.sh installs it)"
    return None


def _sudo() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                               capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    raise Unavailable("a real WordPress needs root or password-less sudo (for /etc/wordpress "
                      "and MariaDB's root account)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WordPressSite:
    """One WordPress: start() installs it and serves it, stop() removes every trace."""

    def __init__(self, workdir: Path, tag: str):
        self.workdir = workdir
        # Names only letters, digits and '-'/'_' (Debian's WORDPRESS_CONFIG allows [A-Za-z0-9-]).
        self.name = f"postil-{tag}-{os.getpid()}"
        self.db = self.name.replace("-", "_")
        self.db_password = secrets.token_hex(12)
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        # The post key the extension finds: the REST API link's site, see DESIGN.md §1.
        self.site = self.host
        self.config = CONFIG_DIR / f"config-{self.name}.php"
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "php-server.log"
        self.sudo = _sudo()
        self.admin_password = secrets.token_hex(8)
        self.seconds = 0.0

    def _sql(self, statement: str, check: bool = True) -> None:
        done = subprocess.run([*self.sudo, "mariadb", "--user=root", "-e", statement],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0 and check:
            raise Unavailable(f"MariaDB refused {statement.split()[0]}: {done.stderr.strip()} "
                              "(is it running? scripts/system-deps.sh starts it)")

    def _write_root_file(self, path: Path, text: str) -> None:
        subprocess.run([*self.sudo, "tee", str(path)], input=text, text=True, check=True,
                       stdout=subprocess.DEVNULL)

    def start(self) -> None:
        started = time.monotonic()
        self._sql(f"CREATE DATABASE `{self.db}`; CREATE USER '{self.db}'@'localhost' "
                  f"IDENTIFIED BY '{self.db_password}'; GRANT ALL ON `{self.db}`.* TO "
                  f"'{self.db}'@'localhost'")
        self._write_root_file(self.config, f"""<?php
define('DB_NAME', '{self.db}');
define('DB_USER', '{self.db}');
define('DB_PASSWORD', '{self.db_password}');
define('DB_HOST', 'localhost');
define('WP_HOME', '{self.url}');
define('WP_SITEURL', '{self.url}');
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
// The session's own plugins, installed by its tests (install_plugin): sessions do not share them.
define('WP_PLUGIN_DIR', '{self.workdir / "plugins"}');
define('FS_METHOD', 'direct');
$table_prefix = 'wp_';
""")
        (self.workdir / "plugins").mkdir(exist_ok=True)
        router = self.workdir / "router.php"
        router.write_text(ROUTER % {"config": self.name})
        (self.workdir / "tasks.php").write_text(TASKS)
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                ["php", "-S", self.host, "-t", str(WORDPRESS), str(router)],
                env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, cwd=self.workdir,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_up()
        self._install()
        self.run([{"do": "permalinks", "structure": "/%postname%/"}])
        self.seconds = time.monotonic() - started

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"php -S exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"php -S did not answer: {self.log.read_text()}")

    def _install(self) -> None:
        """WordPress's own installer, the form a site owner fills in on first visit."""
        form = urllib.parse.urlencode({
            "weblog_title": "Postil test blog", "user_name": ADMIN,
            "admin_password": self.admin_password, "admin_password2": self.admin_password,
            "pw_weak": "1", "admin_email": "editor@example.org", "blog_public": "0",
            "language": ""}).encode()
        request = urllib.request.Request(f"{self.url}/wp-admin/install.php?step=2", data=form)
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode(errors="replace")
        if "Success!" not in page:
            raise RuntimeError(f"the WordPress installer did not succeed: {page[-1500:]}")

    def run(self, tasks: list[dict]) -> list[dict]:
        """Run tasks.php: publish / update posts, set permalinks (see TASKS)."""
        done = subprocess.run(["php", str(self.workdir / "tasks.php"), self.name, self.host],
                              input=json.dumps(tasks), capture_output=True, text=True,
                              timeout=60, cwd=self.workdir)
        if done.returncode != 0:
            raise RuntimeError(f"tasks.php failed: {done.stderr or done.stdout}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def publish(self, title: str, paragraphs: list[str], kind: str = "post") -> dict:
        """Publish a post (or, kind="page", a page) of paragraph blocks; return its id, slug,
        link, modified_gmt and the link of its category's archive."""
        content = "\n\n".join(f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->"
                              for p in paragraphs)
        [post] = self.run([{"do": "publish", "title": title, "content": content, "type": kind}])
        return post

    def install_plugin(self, zip_path: Path) -> str:
        """Install a plugin zip through WordPress's own upgrader (what its upload form does);
        return the plugin's file, e.g. `postil/postil.php`."""
        [done] = self.run([{"do": "install_plugin", "zip": str(zip_path)}])
        return done["installed"]

    def activate_plugin(self, plugin: str, active: bool = True) -> None:
        [done] = self.run([{"do": "activate_plugin" if active else "deactivate_plugin",
                            "plugin": plugin}])
        assert done["active"] is active, done

    def set_option(self, name: str, value) -> None:
        """update_option (None: delete_option)."""
        [done] = self.run([{"do": "option", "name": name, "value": value}])
        assert done["option"] == value, done

    def update(self, post_id: int, **fields) -> dict:
        """wp_update_post with these fields (post_name, post_content, …), as an editor would."""
        [post] = self.run([{"do": "update", "id": post_id, "fields": fields}])
        return post

    def stop(self) -> None:
        if self.proc:
            # With PHP_CLI_SERVER_WORKERS the server forks workers that outlive their parent:
            # stop the whole process group the server leads.
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # workers left behind, if any
            except ProcessLookupError:
                pass
        self.proc = None
        subprocess.run([*self.sudo, "rm", "-f", str(self.config)], check=False)
        self._sql(f"DROP DATABASE IF EXISTS `{self.db}`; DROP USER IF EXISTS "
                  f"'{self.db}'@'localhost'", check=False)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def install_postil_plugin(site: WordPressSite, server_url: str, out: Path) -> str:
    """The Postil plugin as a site owner adds it: the zip scripts/build_wp_plugin.py makes (in
    `out`), installed by WordPress's own upgrader, activated and pointed at `server_url`; returns
    the plugin's file (`postil/postil.php`). The caller deactivates it and unsets the address."""
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "scripts" / "build_wp_plugin.py"), "--out",
                    str(out)], check=True, capture_output=True, timeout=60)
    name = site.install_plugin(out / "postil-wordpress-plugin.zip")
    site.activate_plugin(name)
    site.set_option("postil_server", server_url)
    return name
