#!/usr/bin/env bash
# Install the system packages the full test suite drives — Chromium, Firefox ESR, PostgreSQL and
# its client tools, Node, nginx, and a real WordPress (Debian's `wordpress` with MariaDB and PHP)
# — when they are missing and we may (root, or sudo without a password),
# then make sure a PostgreSQL cluster is running with the role and database the tests use. Without
# those rights it only says what is missing; the tests that need them then skip with that reason.
set -uo pipefail

if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
# `postil backup`/`restore` and their tests run these; the server package pulls them in, but a
# machine whose PostgreSQL lives elsewhere may lack them.
for tool in pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null 2>&1 || { need+=(postgresql-client); break; }
done
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# tests/deploy runs docs/examples/nginx-postil.conf with its own nginx process and ports.
[ -x /usr/sbin/nginx ] || need+=(nginx)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
# tests/wordpress (and the WordPress browser tests) run Debian's WordPress 6.1 under PHP's own web
# server on a MariaDB of this machine. `php` with `php8.2-cgi` answers WordPress's "a web server
# with PHP" dependency without apache2 (nginx above answers "httpd"), so no other web server is
# installed, started or left listening; the default theme is a recommendation we need.
[ -f /usr/share/wordpress/wp-load.php ] || need+=(wordpress wordpress-theme-twentytwentythree php php8.2-cgi)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -qx mysqli || need+=(php-mysql)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$SUDO" = none ]; then
    echo "system-deps: missing ${need[*]} and no root/sudo to install them; tests that need them will skip" >&2
  else
    echo "system-deps: installing ${need[*]}"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
      || echo "system-deps: apt-get install ${need[*]} failed" >&2
  fi
fi

# PostgreSQL: start the cluster and create the test role and database (idempotent).
if [ "$SUDO" != none ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$ver" ]; then
    $SUDO pg_ctlcluster "$ver" main start 2>/dev/null || true
    for _ in $(seq 1 30); do
      $SUDO su postgres -c "pg_isready -q" 2>/dev/null && break
      sleep 0.5
    done
    $SUDO su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='postil'\"" | grep -q 1 \
      || $SUDO su postgres -c "psql -qc \"CREATE ROLE postil LOGIN PASSWORD 'postil' CREATEDB\""
    $SUDO su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='postil_test'\"" | grep -q 1 \
      || $SUDO su postgres -c "createdb -O postil postil_test"
  fi
fi

# MariaDB for the WordPress tests: started here (apt in a container does not start services);
# each test session makes a database and user of its own.
if [ "$SUDO" != none ] && [ -x /usr/sbin/mariadbd ]; then
  if ! $SUDO mariadb-admin ping >/dev/null 2>&1; then
    $SUDO service mariadb start >/dev/null 2>&1 || echo "system-deps: could not start MariaDB" >&2
  fi
fi
exit 0
