"""Configuration from `POSTIL_*` environment variables, with the defaults a single user wants."""

from __future__ import annotations

import os
from pathlib import Path

# Every variable the server reads, its default and what it does; docs/configuration.md's table
# is this one.
SETTINGS = {
    "POSTIL_DATA_DIR": ("./postil-data if the current directory has one, else "
                        "~/.local/share/postil", "directory for the SQLite database"),
    "POSTIL_DATABASE_URL": ("sqlite:///$POSTIL_DATA_DIR/postil.db",
                            "sqlite:///PATH or postgresql://USER:PASS@HOST/DB"),
    "POSTIL_HOST": ("127.0.0.1", "address `postil serve` listens on"),
    "POSTIL_PORT": ("8000", "port `postil serve` listens on"),
    "POSTIL_THREADS": ("8", "worker threads of the production server (of each process)"),
    "POSTIL_WORKERS": ("1", "server processes of `postil serve` (`--workers`); 2 or more are "
                            "pre-forked by gunicorn (Linux only)"),
    "POSTIL_CORS_ORIGINS": ("", "extra origins allowed to call /api/* (comma-separated); "
                                "browser extension origins are always allowed"),
    "POSTIL_OPEN_SIGNUP": ("0", "1 lets anyone create an account with POST /api/users"),
    "POSTIL_POST_EDITORS": ("", "who may register or rewrite posts with PUT /api/posts: user "
                                "names (comma-separated) or `*` for every signed-in user; unset, "
                                "every user without open sign-up, nobody with it (`postil post "
                                "add` always may)"),
    "POSTIL_TOKEN_IDLE_DAYS": ("30", "a token unused this many days stops working (0: never)"),
    "POSTIL_TOKEN_MAX_DAYS": ("365", "a token this many days old stops working, used or not "
                                     "(0: never)"),
    "POSTIL_SIGNIN_FREE_FAILURES": ("5", "failed sign-ins to one username before each further "
                                         "one makes it wait (429)"),
    "POSTIL_SIGNIN_ADDRESS_FREE_FAILURES": ("20", "failed sign-ins and sign-ups from one client "
                                                  "address before each further one makes it "
                                                  "wait"),
    "POSTIL_SIGNIN_DELAY_SECONDS": ("1", "the first wait; it doubles with each further failure"),
    "POSTIL_SIGNIN_MAX_DELAY_SECONDS": ("900", "the longest wait"),
    "POSTIL_MAX_BODY_BYTES": ("1048576", "largest request body accepted (413 above)"),
    "POSTIL_MAX_IMPORT_BYTES": ("20971520", "largest import body accepted (413 above)"),
    "POSTIL_PUBLIC_URL": ("", "the server's public base URL for links (default: from the request)"),
    "POSTIL_ALLOWED_HOSTS": ("", "host names the server answers to (comma-separated; "
                                 "`.example.org` admits its subdomains, `*` any host); unset: "
                                 "localhost, 127.0.0.1, [::1], the host of POSTIL_PUBLIC_URL and "
                                 "the address served on (POSTIL_HOST or --host)"),
    "POSTIL_TRUSTED_PROXIES": ("", "addresses or networks of reverse proxies in front of the "
                                   "server (comma-separated, e.g. `127.0.0.1,10.0.0.0/8`); only "
                                   "from these peers are X-Forwarded-Proto, -Host and -For read"),
    "POSTIL_SAMPLE": ("1", "0 turns off the sample article at /sample/"),
    "POSTIL_REQUEST_LOG": ("0", "1 logs one line per request to stderr, `json` logs JSON lines "
                                "(`postil serve --log-requests[=json]` does the same)"),
    "POSTIL_METRICS": ("1", "0 stops counting requests and turns off GET /metrics"),
    "POSTIL_MAX_STREAMS": ("250", "live-update streams (`GET /api/stream`) one server process "
                                  "holds at once, each on a thread of its own added to "
                                  "POSTIL_THREADS; beyond it a stream is refused with 503"),
    "POSTIL_STREAM_POLL_SECONDS": ("1", "how often, with streams open on SQLite, a process looks "
                                        "for changes other processes wrote to the same file"),
    "POSTIL_CHANGE_LOG_DAYS": ("7", "how long the change log keeps a change for streams to "
                                    "replay; a client away longer is told to reload (`reset`)"),
    "POSTIL_METRICS_TOKEN": ("", "a bearer token that lets /metrics be read from anywhere; "
                                 "unset, only from this machine's loopback address"),
}


def env(name: str) -> str:
    return os.environ.get(name, SETTINGS[name][0])


# `scripts/serve.sh` keeps its data here, under the directory it is run from.
LOCAL_DATA_DIR = "postil-data"
PLATFORM_DATA_DIR = "~/.local/share/postil"


def data_dir() -> Path:
    """Return the data directory every `postil` command uses, the server and the CLI alike.

    POSTIL_DATA_DIR when set; else ./postil-data when the current directory has one (so that
    `postil export` run beside `scripts/serve.sh`'s data finds it); else ~/.local/share/postil.
    """
    chosen = os.environ.get("POSTIL_DATA_DIR")
    if chosen:
        return Path(os.path.expanduser(chosen))
    if Path(LOCAL_DATA_DIR).is_dir():
        return Path(LOCAL_DATA_DIR).resolve()
    return Path(os.path.expanduser(PLATFORM_DATA_DIR))


def sqlite_path(url: str) -> Path | None:
    """Return the file a `sqlite:///` URL names, or None for another database."""
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def describe_database(url: str) -> str:
    """Name a database for a message, without its password."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def database_url() -> str:
    url = os.environ.get("POSTIL_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'postil.db'}"


def post_editors(value: str) -> list[str] | None:
    """Parse POSTIL_POST_EDITORS: None when unset (the default rule), else names or ["*"]."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    return names or None


# A wildcard listening address names no host a client would send.
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def allowed_hosts(value: str, public_url: str, listen_host: str) -> list[str] | None:
    """Parse POSTIL_ALLOWED_HOSTS: None admits any host (`*`); unset, the local names plus the
    public URL's host and the address `postil serve` listens on."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    if "*" in names:
        return None
    if names:
        return names
    from urllib.parse import urlsplit

    names = ["localhost", "127.0.0.1", "[::1]"]
    public_host = urlsplit(public_url).hostname if public_url else None
    for host in (public_host, listen_host.strip().lower()):
        if host and host not in _ANY_ADDRESS:
            names.append(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return names


def trusted_proxies(value: str) -> tuple:
    """Parse POSTIL_TRUSTED_PROXIES into IP networks (an address is a network of one).

    A value that is not an address or network stops the server with its name: a typo here must
    not quietly trust nobody, or worse, somebody else.
    """
    import ipaddress

    networks = []
    for item in (i.strip() for i in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            raise SystemExit(f"postil: POSTIL_TRUSTED_PROXIES: {item!r} is not an IP address or "
                             "network (e.g. 127.0.0.1, ::1 or 10.0.0.0/8)") from None
    return tuple(networks)


def is_trusted_proxy(address: str | None, networks) -> bool:
    """Return whether `address` (a socket peer or a forwarded hop) is one of the trusted proxies."""
    if not networks or not address:
        return False
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in networks)


def allowed_hosts_for(listen_host: str) -> list[str] | None:
    """Return the hosts a server listening on `listen_host` (`--host`) answers to."""
    return allowed_hosts(env("POSTIL_ALLOWED_HOSTS"), env("POSTIL_PUBLIC_URL"), listen_host)


def from_env() -> dict:
    """Return the Flask config the environment asks for."""
    return {
        "DATABASE_URL": database_url(),
        "CORS_ORIGINS": [o.strip() for o in env("POSTIL_CORS_ORIGINS").split(",") if o.strip()],
        "OPEN_SIGNUP": env("POSTIL_OPEN_SIGNUP") == "1",
        "POST_EDITORS": post_editors(env("POSTIL_POST_EDITORS")),
        "TOKEN_IDLE_DAYS": float(env("POSTIL_TOKEN_IDLE_DAYS")),
        "TOKEN_MAX_DAYS": float(env("POSTIL_TOKEN_MAX_DAYS")),
        "SIGNIN_FREE_FAILURES": int(env("POSTIL_SIGNIN_FREE_FAILURES")),
        "SIGNIN_ADDRESS_FREE_FAILURES": int(env("POSTIL_SIGNIN_ADDRESS_FREE_FAILURES")),
        "SIGNIN_DELAY_SECONDS": float(env("POSTIL_SIGNIN_DELAY_SECONDS")),
        "SIGNIN_MAX_DELAY_SECONDS": float(env("POSTIL_SIGNIN_MAX_DELAY_SECONDS")),
        "MAX_CONTENT_LENGTH": int(env("POSTIL_MAX_BODY_BYTES")),
        "MAX_IMPORT_BYTES": int(env("POSTIL_MAX_IMPORT_BYTES")),
        "PUBLIC_URL": env("POSTIL_PUBLIC_URL").rstrip("/"),
        "ALLOWED_HOSTS": allowed_hosts_for(env("POSTIL_HOST")),
        "TRUSTED_PROXIES": trusted_proxies(env("POSTIL_TRUSTED_PROXIES")),
        "SAMPLE": env("POSTIL_SAMPLE") != "0",
        "REQUEST_LOG": env("POSTIL_REQUEST_LOG") if env("POSTIL_REQUEST_LOG") != "0" else "",
        "METRICS": env("POSTIL_METRICS") != "0",
        "METRICS_TOKEN": env("POSTIL_METRICS_TOKEN"),
        "MAX_STREAMS": int(env("POSTIL_MAX_STREAMS")),
        "STREAM_POLL_SECONDS": float(env("POSTIL_STREAM_POLL_SECONDS")),
        "CHANGE_LOG_DAYS": float(env("POSTIL_CHANGE_LOG_DAYS")),
    }
