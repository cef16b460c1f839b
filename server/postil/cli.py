"""The `postil` command: serve, database upgrades, backups, users, tokens and posts from the shell.

`postil sample serve` serves only the sample blog, in a process of its own, so that a reader can
stop the annotation server and keep reading (the README's offline walk-through).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from . import __version__, config
from .contract import EMBED_MODES, MODERATION_MODES, REPLIES_CHOICES, ROLES, VISIBILITIES


def _app(auto_migrate: bool = True, views: bool = True, **overrides):
    from .app import create_app

    return create_app({"AUTO_MIGRATE": auto_migrate, **overrides}, views=views)


class _OncePerMinute(logging.Filter):
    """Let one record through a minute: waitress warns of a busy queue on every request."""

    def __init__(self) -> None:
        super().__init__()
        self._next = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + 60
        return True


def _port_taken_message(host: str, port: int) -> str:
    return (f"postil: port {port} on {host} is in use; start on another with --port N "
            f"(or POSTIL_PORT=N), e.g. 'bash scripts/serve.sh --port {port + 1}'")


def _worker_count(value: str) -> int:
    """Parse --workers (or POSTIL_WORKERS): a whole number of processes, at least 1."""
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1 or more)")
    return count


def _listen(app, args, taken_message: str):
    """Bind before saying where we serve: a taken port is one line and None, not an address
    that is not ours followed by a traceback."""
    import errno

    from waitress import create_server

    try:
        streams = _max_streams(app)
        return create_server(app, host=args.host, port=args.port,
                             # Each open live-update stream holds a thread (live.py): as many
                             # more as may be open, so that streams never starve the API.
                             threads=args.threads + streams,
                             connection_limit=100 + streams,
                             ident="postil",
                             # urls.PublicRoot alone decides which forwarded headers count.
                             clear_untrusted_proxy_headers=False)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(taken_message, file=sys.stderr)
        else:
            print(f"postil: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                  file=sys.stderr)
        return None


def _max_streams(app) -> int:
    return int(app.config.get("MAX_STREAMS", 0)) if "stream" in app.blueprints else 0


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd's stop) and Ctrl-C end the live-update streams first, then stop the
    server, so that no open stream keeps it from exiting."""
    import signal

    from . import live

    def stop(signum, _frame):
        live.shutdown()
        raise KeyboardInterrupt if signum == signal.SIGINT else SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def cmd_serve(args) -> int:
    # Under load every request queued behind busy threads logged "Task queue depth is N"; the
    # first a minute says as much, and writing thousands cost the server a tenth of its time.
    logging.getLogger("waitress.queue").addFilter(_OncePerMinute())
    logging.basicConfig()
    overrides = {"REQUEST_LOG": args.log_requests} if args.log_requests else {}
    # The address given with --host is one the server answers to, as POSTIL_HOST's is.
    overrides["ALLOWED_HOSTS"] = config.allowed_hosts_for(args.host)
    if args.workers > 1:
        return _serve_workers(args, overrides)
    app = _app(**overrides)
    server = _listen(app, args, _port_taken_message(args.host, args.port))
    if server is None:
        return 1
    print(f"Postil {__version__} on http://{args.host}:{args.port}/  "
          f"(database: {app.config['DATABASE_URL']})", flush=True)
    if app.config.get("SAMPLE") and "sample" in app.blueprints:
        print(f"Sample article: http://{args.host}:{args.port}/sample/", flush=True)
    _stop_on_sigterm()
    server.run()
    return 0


def _serve_workers(args, overrides: dict) -> int:
    """Serve with several processes (see workers.py); the master migrates, workers serve."""
    from . import workers

    why_not = workers.supported()
    if why_not:
        print(why_not, file=sys.stderr)
        return 1
    url = config.database_url()
    workers.migrate_then_close(url)
    try:
        sock = workers.listening_socket(args.host, args.port)
    except OSError as exc:
        import errno

        if exc.errno == errno.EADDRINUSE:
            print(_port_taken_message(args.host, args.port), file=sys.stderr)
        else:
            print(f"postil: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                  file=sys.stderr)
        return 1
    banner = (f"Postil {__version__} on http://{args.host}:{args.port}/  "
              f"(database: {config.describe_database(url)}; {args.workers} worker processes)")
    # Each worker holds up to POSTIL_MAX_STREAMS live-update streams, each on a thread of its
    # own besides the ones answering requests (live.py).
    threads = args.threads + int(config.env("POSTIL_MAX_STREAMS"))
    return workers.serve(lambda: _app(auto_migrate=False, **overrides), sock,
                         args.workers, threads, banner)


def cmd_sample_serve(args) -> int:
    """Serve the sample blog alone: no database, no API, up while the annotation server is not."""
    from flask import Flask, redirect

    from . import errors, headers, home, sample, urls

    app = Flask("postil")
    app.config.update(PUBLIC_URL=config.env("POSTIL_PUBLIC_URL").rstrip("/"),
                      ALLOWED_HOSTS=config.allowed_hosts_for(args.host))
    # The same host rule, headers and error shape as `postil serve`.
    urls.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    app.register_blueprint(sample.bp)
    app.add_url_rule("/", "root", lambda: redirect("/sample/"))
    app.add_url_rule("/favicon.ico", "favicon", home.favicon)
    server = _listen(app, args, f"postil: port {args.port} on {args.host} is in use; "
                                f"start on another with --port N")
    if server is None:
        return 1
    print(f"Sample blog (without the Postil API) on http://{args.host}:{args.port}/sample/",
          flush=True)
    server.run()
    return 0


def cmd_db_upgrade(args) -> int:
    from . import db

    database = db.open_database(config.database_url())
    applied = db.upgrade(database)
    print("applied: " + ", ".join(applied) if applied else "the database is up to date")
    return 0


def cmd_backup(args) -> int:
    from .backup import BackupError, backup

    url = config.database_url()
    try:
        counts = backup(url, args.path)
    except BackupError as err:
        raise SystemExit(f"postil: backup: {err}") from None
    print(f"backed up {config.describe_database(url)} to {args.path}: {counts}")
    return 0


def cmd_restore(args) -> int:
    from .backup import BackupError, restore

    url = config.database_url()
    try:
        counts, applied = restore(url, args.path, force=args.force)
    except BackupError as err:
        raise SystemExit(f"postil: restore: {err}") from None
    migrated = f"; applied {', '.join(applied)}" if applied else ""
    print(f"restored {args.path} into {config.describe_database(url)}: {counts}{migrated}")
    return 0


def _existing_app(views: bool = False):
    """Return the app for a command that acts as an existing user: it never makes a database.

    An empty database made here would only hide that the command looked in the wrong place.
    Without `views` the app has no routes (quicker to build): enough for work in its app context.
    """
    url = config.database_url()
    path = config.sqlite_path(url)
    if path is not None and not path.exists():
        raise SystemExit(f"postil: no database at {path} (the data directory is "
                         f"{path.parent}); run this where 'postil serve' keeps its data, or set "
                         f"POSTIL_DATA_DIR to that directory")
    return _app(views=views)


def _user(name: str):
    from flask import current_app

    from .models import ANONYMOUS_NAME, User

    user = User.by_name(name)
    if user is None or user.name == ANONYMOUS_NAME:  # the author of anonymised annotations
        where = config.describe_database(current_app.config["DATABASE_URL"])
        raise SystemExit(f"postil: no user {name!r} in {where}; if the server keeps its data "
                         f"elsewhere, set POSTIL_DATA_DIR to that directory, else create the "
                         f"user with 'postil user add {name}'")
    return user


def _new_password(args) -> str:
    """Read a new password from stdin's first line or a prompt; exit if it breaks the rule."""
    from . import validation as v

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(f"Password for {args.name}: ")
    try:
        v.password(password)
    except v.Invalid as err:
        raise SystemExit(f"postil: {err.field} {err.message}") from None
    return password


def cmd_user_add(args) -> int:
    from . import validation as v
    from .domain_errors import Conflict
    from .models import User
    from .store import accounts

    try:
        v.username(args.name)
    except v.Invalid as err:
        raise SystemExit(f"postil: {err.field} {err.message}") from None
    password = _new_password(args)
    app = _app(views=False)
    with app.app_context():
        hashed = User(name=args.name)
        hashed.set_password(password)
        try:
            accounts.create_user(args.name, hashed.password_hash)
        except Conflict:
            taken = User.by_name(args.name)
            name = taken.name if taken else args.name
            also = ("" if name == args.name else
                    "; names differing only in case or character width are one name")
            raise SystemExit(f"postil: user {name!r} exists{also}") from None
    print(f"created user {args.name}")
    return 0


def cmd_user_passwd(args) -> int:
    from .store import accounts

    password = _new_password(args)
    with _existing_app().app_context():
        user = _user(args.name)
        user.set_password(password)
        accounts.set_password_hash(user, user.password_hash)
    print(f"set a new password for {user.name}; every session of theirs has ended")
    return 0


def cmd_user_disable(args) -> int:
    from .store import accounts

    with _existing_app().app_context():
        user = _user(args.name)
        accounts.set_disabled(user, True)
    print(f"disabled {user.name}: their sessions have ended and signing in is refused")
    return 0


def cmd_user_enable(args) -> int:
    from .store import accounts

    with _existing_app().app_context():
        user = _user(args.name)
        accounts.set_disabled(user, False)
    print(f"enabled {user.name}: they can sign in again")
    return 0


def cmd_user_delete(args) -> int:
    from . import store

    with _existing_app().app_context():
        user = _user(args.name)
        private, public = store.account_summary(user)
        fate = {"delete": "deleted", "anonymise": "kept without their name"}
        if not args.yes:
            print(f"Delete user {user.name}: {private} private annotations are deleted, "
                  f"{public} public ones {fate[args.public_annotations]}. There is no undo.",
                  file=sys.stderr)
            try:
                answer = input(f"Type the username ({user.name}) to go on: ")
            except EOFError:
                answer = ""
            if answer.strip() != user.name:
                raise SystemExit("postil: nothing was deleted")
        done = store.delete_account(user, args.public_annotations)
    verb = {"delete": "deleted", "anonymise": "anonymised"}[done.public_choice]
    print(f"deleted user {user.name}: {done.private} private annotations deleted, "
          f"{done.public} public annotations {verb}, {done.posts} posts nobody else "
          f"annotated removed")
    return 0


def cmd_token_create(args) -> int:
    from .models import Token

    with _existing_app().app_context():
        print(Token.issue(_user(args.name), label=args.label))
    return 0


def _group_command(work):
    """Run `work()` against the existing database; a domain error becomes the exit message."""
    from .domain_errors import DomainError

    with _existing_app().app_context():
        try:
            return work()
        except DomainError as err:
            raise SystemExit(f"postil: {err.sentence}") from None


def _group_name(args) -> dict:
    from . import parse
    from .domain_errors import Invalid

    try:
        return parse.group_body({"name": args.name, "description": args.description or ""},
                                partial=False)
    except Invalid as err:
        raise SystemExit(f"postil: {err.sentence}") from None


def cmd_group_create(args) -> int:
    from .store import groups

    fields = _group_name(args)

    def work():
        view = groups.create_group(_user(args.owner), fields["name"], fields["description"])
        print(f"created group {view.group.gid} {view.group.name!r}, owned by {args.owner}")
        return 0

    return _group_command(work)


def cmd_group_list(args) -> int:
    from .store import groups

    def work():
        views = groups.my_groups(_user(args.user)) if args.user else groups.all_groups()
        for view in views:
            role = f"\t{view.role}" if view.role else ""
            print(f"{view.group.gid}\t{view.members} members{role}\t{view.group.name}")
        return 0

    return _group_command(work)


def cmd_group_show(args) -> int:
    from .present import iso
    from .store import groups

    def work():
        view = groups.group_by_id(args.group)
        print(f"{view.group.name} ({view.group.gid}), made {iso(view.group.created_us)}")
        if view.group.description:
            print(view.group.description)
        for membership, user in groups.member_list(args.group):
            print(f"  {membership.role:<9} {user.name}")
        return 0

    return _group_command(work)


def cmd_group_add_member(args) -> int:
    from .store import groups

    def work():
        groups.operator_set_role(args.group, args.name, args.role, add=True)
        print(f"{args.name} is a {args.role} of group {args.group}")
        return 0

    return _group_command(work)


def cmd_group_set_role(args) -> int:
    from .store import groups

    def work():
        groups.operator_set_role(args.group, args.name, args.role)
        print(f"{args.name} is now a {args.role} of group {args.group}")
        return 0

    return _group_command(work)


def cmd_group_remove_member(args) -> int:
    from .store import groups

    def work():
        groups.operator_remove(args.group, args.name)
        print(f"removed {args.name} from group {args.group}")
        return 0

    return _group_command(work)


def cmd_group_invite(args) -> int:
    from .models import now_us
    from .store import groups

    if args.max_uses is not None and args.max_uses < 1:
        raise SystemExit("postil: --max-uses must be 1 or more")
    if args.expires_in_days is not None and not 0 < args.expires_in_days <= 366:
        raise SystemExit("postil: --expires-in-days must be more than 0 and at most 366")
    expires = None if args.expires_in_days is None else \
        now_us() + int(args.expires_in_days * 86_400 * 1_000_000)

    def work():
        _invite, token = groups.operator_invite(args.group, expires, args.max_uses)
        print(token)
        return 0

    return _group_command(work)


def cmd_group_delete(args) -> int:
    from .store import groups

    def work():
        view = groups.group_by_id(args.group)
        if not args.yes:
            print(f"Delete group {view.group.name!r} ({view.members} members)? Its annotations "
                  "become their authors' private ones.", file=sys.stderr)
            try:
                answer = input(f"Type the group's id ({view.group.gid}) to go on: ")
            except EOFError:
                answer = ""
            if answer.strip() != view.group.gid:
                raise SystemExit("postil: nothing was deleted")
        moved = groups.operator_delete(args.group)
        print(f"deleted group {view.group.gid}: {moved} annotations went back to their authors "
              "as private ones")
        return 0

    return _group_command(work)


def _site_fields(body: dict, *, partial: bool):
    from . import parse
    from .domain_errors import Invalid

    try:
        return parse.site_body(body, partial=partial)
    except Invalid as err:
        raise SystemExit(f"postil: {err.sentence}") from None


def _site_key(value: str) -> str:
    """A site named by its key or by its home URL, as `postil site add` took it."""
    from . import origins

    try:
        return origins.site_key(value)
    except origins.OriginError as err:
        raise SystemExit(f"postil: {err}") from None


def _policy_args(args) -> dict:
    policy = {name: getattr(args, attr) for name, attr in (
        ("embed", "embed"), ("moderation", "moderation"),
        ("public_per_hour", "public_per_hour")) if getattr(args, attr) is not None}
    return {"policy": policy} if policy else {}


def _print_site(view, people: dict | None = None) -> None:
    policy = view.policy
    print(f"{view.key}\t{view.site.name}")
    print(f"  origins: {' '.join(view.origins) or '(none)'}")
    print(f"  embed: {policy['embed']}; moderation: {policy['moderation']}; public notes per "
          f"user per hour: {policy['public_per_hour'] or 'no limit'}")
    for role, names in (people or {}).items():
        print(f"  {role}s: {', '.join(names) or '(none)'}")


def cmd_site_add(args) -> int:
    from .store import sites

    body = {"url": args.url, **_policy_args(args),
            "moderators": args.moderator, "members": args.member}
    if args.name is not None:
        body["name"] = args.name
    if args.origin:
        body["origins"] = args.origin
    fields = _site_fields(body, partial=False)

    def work():
        view = sites.add_site(sites.SHELL, fields)
        print("registered ", end="")
        _print_site(view, sites.people(sites.SHELL, view.key))
    _group_command(work)
    return 0


def cmd_site_list(args) -> int:
    from .store import sites

    def work():
        for view in sites.list_sites(sites.SHELL):
            policy = view.policy
            print(f"{view.key}\tembed {policy['embed']}\tmoderation {policy['moderation']}"
                  f"\t{' '.join(view.origins)}\t{view.site.name}")
    _group_command(work)
    return 0


def cmd_site_show(args) -> int:
    from .store import sites

    key = _site_key(args.key)
    _group_command(lambda: _print_site(sites.get_site(key), sites.people(sites.SHELL, key)))
    return 0


def cmd_site_moderation_log(args) -> int:
    from .present import iso
    from .store import moderation

    key = _site_key(args.key)

    def work():
        for entry in moderation.log(moderation.site_store.SHELL, key, args.limit):
            print("\t".join([iso(entry["at_us"]) or "", entry["moderator"] or "(deleted)",
                             entry["action"], entry["annotation"] or "-",
                             entry["user"] or "-", entry["reason"]]))

    _group_command(work)
    return 0


def cmd_site_set(args) -> int:
    from .store import sites

    key = _site_key(args.key)
    body = _policy_args(args)
    if args.name is not None:
        body["name"] = args.name
    if args.origin:
        body["origins"] = args.origin
    if not body:
        raise SystemExit("postil: nothing to change: give --name, --origin, --embed, "
                         "--moderation or --public-per-hour")
    fields = _site_fields(body, partial=True)

    def work():
        view = sites.change_site(sites.SHELL, key, fields)
        print("changed ", end="")
        _print_site(view)
    _group_command(work)
    return 0


def cmd_site_remove(args) -> int:
    from .store import sites

    key = _site_key(args.key)
    _group_command(lambda: sites.remove_site(sites.SHELL, key))
    print(f"removed the site {key}: its pages' embed shows nothing now; its annotations stay")
    return 0


def _site_person(role: str, present: bool):
    def cmd(args) -> int:
        from .store import sites

        key = _site_key(args.key)
        user = _group_command(lambda: sites.set_person(sites.SHELL, key, args.name, role,
                                                       present))
        print(f"{user.name} is {'now' if present else 'no longer'} a {role} of {key}")
        return 0
    return cmd


def cmd_user_operator(args) -> int:
    from .store import sites

    user = _group_command(lambda: sites.set_operator(sites.SHELL, args.name, not args.off))
    print(f"{user.name} {'may' if not args.off else 'may no longer'} manage sites over the API")
    return 0


def cmd_post_add(args) -> int:
    from .store import register_post
    from .validation import Invalid
    from .wordpress import post_fields

    try:
        with open(args.file, encoding="utf-8") as fh:
            doc = json.load(fh)
        fields = post_fields(doc)
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"postil: cannot read {args.file}: {exc}") from None
    except Invalid as err:
        raise SystemExit(f"postil: {args.file}: {err.field} {err.message}") from None
    with _app(views=False).app_context():
        post, created = register_post(fields)
    verb = "added" if created else "updated"
    print(f"{verb} post {post.id}: {fields['site']} #{fields['post_id']} {fields['title']!r}")
    return 0


def _open_output(path: str):
    return sys.stdout.buffer if path == "-" else open(path, "wb")


def cmd_export(args) -> int:
    from werkzeug.datastructures import MultiDict

    from .domain_errors import DomainError
    from .export_api import export_request, export_stream

    pairs = [("format", args.format)]
    for name, value in (("flavor", args.flavor), ("user", args.author), ("site", args.site),
                        ("post_id", args.post_id), ("url", args.url), ("color", args.color),
                        ("visibility", args.visibility), ("group", args.group),
                        ("q", args.q), ("updated_since", args.updated_since),
                        ("replies", args.replies)):
        if value is not None:
            pairs.append((name, str(value)))
    pairs += [("tag", tag) for tag in args.tag]
    app = _existing_app(views=True)  # the formats link to the API's URLs
    base = app.config.get("PUBLIC_URL") or "http://127.0.0.1:8000"
    with app.test_request_context(base_url=base):
        try:
            reader = _user(args.user)
            result = export_stream(reader, export_request(MultiDict(pairs)), base_url=base)
            out = _open_output(args.output)
            try:
                for chunk in result.chunks:
                    out.write(chunk)
            finally:
                if out is not sys.stdout.buffer:
                    out.close()
        except DomainError as err:
            raise SystemExit(f"postil: {err.sentence}") from None
    if args.output != "-":
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    from .domain_errors import DomainError
    from .export_api import import_document

    try:
        with open(args.file, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except (OSError, ValueError, RecursionError) as exc:
        raise SystemExit(f"postil: cannot read {args.file}: {exc}") from None
    with _existing_app().app_context():
        try:
            summary = import_document(_user(args.user), doc, args.format)
        except DomainError as err:
            raise SystemExit(f"postil: {args.file}: {err.sentence}") from None
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 1 if summary["failed"] else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postil", description="Postil annotation server")
    parser.add_argument("--version", action="version", version=f"postil {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API on a production server")
    serve.add_argument("--host", default=config.env("POSTIL_HOST"))
    serve.add_argument("--port", type=int, default=int(config.env("POSTIL_PORT")))
    serve.add_argument("--threads", type=int, default=int(config.env("POSTIL_THREADS")))
    serve.add_argument("--workers", type=_worker_count, default=config.env("POSTIL_WORKERS"),
                       help="server processes (N >= 2: pre-forked by gunicorn, Linux only; "
                            "default 1: one process)")
    serve.add_argument("--log-requests", nargs="?", const="1", choices=["1", "json"],
                       help="log one line per request to stderr (json: JSON lines); "
                            "as POSTIL_REQUEST_LOG")
    serve.set_defaults(func=cmd_serve)

    sample = sub.add_parser("sample", help="the sample blog").add_subparsers(dest="sample",
                                                                              required=True)
    sample_serve = sample.add_parser("serve", help="serve only the sample blog, in a process of "
                                                   "its own (for reading while the server is "
                                                   "stopped)")
    sample_serve.add_argument("--host", default=config.env("POSTIL_HOST"))
    sample_serve.add_argument("--port", type=int, default=8080)
    sample_serve.add_argument("--threads", type=int, default=4)
    sample_serve.set_defaults(func=cmd_sample_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)

    backup = sub.add_parser("backup", help="write a consistent copy of the database to a file, "
                                           "while the server runs")
    backup.add_argument("path", help="the backup file to write (replaced once complete)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into the configured database, "
                                             "then apply pending migrations")
    restore.add_argument("path", help="a file written by 'postil backup'")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that already holds users, posts or "
                              "annotations")
    restore.set_defaults(func=cmd_restore)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user", required=True)
    add = user.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.set_defaults(func=cmd_user_add)
    passwd = user.add_parser("passwd", help="set a user's password and end all their sessions")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    passwd.set_defaults(func=cmd_user_passwd)
    disable = user.add_parser("disable", help="refuse a user's sign-ins and end their sessions")
    disable.add_argument("name")
    disable.set_defaults(func=cmd_user_disable)
    enable = user.add_parser("enable", help="let a disabled user sign in again")
    enable.add_argument("name")
    enable.set_defaults(func=cmd_user_enable)
    delete = user.add_parser(
        "delete", help="delete a user, their sessions and private annotations",
        description="Delete a user as DELETE /api/me does: their sessions, private "
                    "annotations and tags go; --public-annotations says whether their public "
                    "ones go too or stay without their name.")
    delete.add_argument("name")
    delete.add_argument("--public-annotations", required=True,
                        choices=["delete", "anonymise"],
                        help="delete them, or keep them with no author")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=cmd_user_delete)

    operator = user.add_parser("operator", help="let a user manage sites over the API (or "
                                                "no longer, with --off)")
    operator.add_argument("name")
    operator.add_argument("--off", action="store_true", help="take the right away")
    operator.set_defaults(func=cmd_user_operator)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(dest="token",
                                                                              required=True)
    create = token.add_parser("create", help="print a new token for a user")
    create.add_argument("name")
    create.add_argument("--label", default="cli")
    create.set_defaults(func=cmd_token_create)

    group = sub.add_parser("group", help="manage reading groups").add_subparsers(
        dest="group_command", required=True)
    gcreate = group.add_parser("create", help="make a group owned by a user")
    gcreate.add_argument("name")
    gcreate.add_argument("--owner", required=True, help="the user who owns it")
    gcreate.add_argument("--description", default="")
    gcreate.set_defaults(func=cmd_group_create)
    glist = group.add_parser("list", help="list every group, or one user's")
    glist.add_argument("--user", help="only this user's groups, with their role")
    glist.set_defaults(func=cmd_group_list)
    gshow = group.add_parser("show", help="a group's name, description and members")
    gshow.add_argument("group", help="the group's id")
    gshow.set_defaults(func=cmd_group_show)
    gadd = group.add_parser("add-member", help="put a user in a group (no invite needed)")
    gadd.add_argument("group", help="the group's id")
    gadd.add_argument("name", help="the user")
    gadd.add_argument("--role", choices=list(ROLES), default="member")
    gadd.set_defaults(func=cmd_group_add_member)
    grole = group.add_parser("set-role", help="change a member's role")
    grole.add_argument("group", help="the group's id")
    grole.add_argument("name", help="the member")
    grole.add_argument("role", choices=list(ROLES))
    grole.set_defaults(func=cmd_group_set_role)
    gremove = group.add_parser("remove-member", help="take a member out of a group at once")
    gremove.add_argument("group", help="the group's id")
    gremove.add_argument("name", help="the member")
    gremove.set_defaults(func=cmd_group_remove_member)
    ginvite = group.add_parser("invite", help="print a new invite token for a group")
    ginvite.add_argument("group", help="the group's id")
    ginvite.add_argument("--expires-in-days", type=float, help="it stops working after this")
    ginvite.add_argument("--max-uses", type=int, help="it stops working after this many joins")
    ginvite.set_defaults(func=cmd_group_invite)
    gdelete = group.add_parser("delete", help="delete a group; its annotations become their "
                                              "authors' private ones")
    gdelete.add_argument("group", help="the group's id")
    gdelete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    gdelete.set_defaults(func=cmd_group_delete)

    site = sub.add_parser("site", help="register sites that embed Postil (their origins, "
                                       "policy, moderators and members)").add_subparsers(
        dest="site_command", required=True)

    def policy_options(cmd, adding: bool) -> None:
        if adding:
            cmd.add_argument("--embed", nargs="?", const="read-only", choices=list(EMBED_MODES),
                             help="what the site's embed may do (default: off; --embed alone: "
                                  "read-only)")
        else:
            cmd.add_argument("--embed", choices=list(EMBED_MODES),
                             help="what the site's embed may do")
        cmd.add_argument("--moderation", choices=list(MODERATION_MODES),
                         help="pre: new public notes wait for a moderator; post (default): "
                              "shown at once")
        cmd.add_argument("--public-per-hour", type=int, metavar="N",
                         help="new public notes one user may make there in an hour (0: no "
                              "limit, the default)")
        cmd.add_argument("--name", help="the site's name as readers see it")
        cmd.add_argument("--origin", action="append", default=[], metavar="ORIGIN",
                         help="an origin its pages are served from (repeat; default: the "
                              "URL's)" if adding else "its origins, replacing them (repeat)")

    sadd = site.add_parser("add", help="register a site by its home URL")
    sadd.add_argument("url", help="the site's home, e.g. https://blog.example")
    policy_options(sadd, adding=True)
    sadd.add_argument("--moderator", action="append", default=[], metavar="USER")
    sadd.add_argument("--member", action="append", default=[], metavar="USER")
    sadd.set_defaults(func=cmd_site_add)
    site.add_parser("list", help="every registered site").set_defaults(func=cmd_site_list)
    sshow = site.add_parser("show", help="a site's origins, policy, moderators and members")
    sshow.add_argument("key", help="the site's key (or home URL)")
    sshow.set_defaults(func=cmd_site_show)
    slog = site.add_parser("moderation-log", help="what the site's moderators did, newest "
                                                  "first")
    slog.add_argument("key", help="the site's key (or home URL)")
    slog.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    slog.set_defaults(func=cmd_site_moderation_log)
    sset = site.add_parser("set", help="change a site's name, origins or policy")
    sset.add_argument("key", help="the site's key (or home URL)")
    policy_options(sset, adding=False)
    sset.set_defaults(func=cmd_site_set)
    sremove = site.add_parser("remove", help="unregister a site (its annotations stay)")
    sremove.add_argument("key", help="the site's key (or home URL)")
    sremove.set_defaults(func=cmd_site_remove)
    for role in ("moderator", "member"):
        for verb, present in (("add", True), ("remove", False)):
            cmd = site.add_parser(f"{verb}-{role}", help=f"{verb} a {role} of a site")
            cmd.add_argument("key", help="the site's key (or home URL)")
            cmd.add_argument("name", help="the user")
            cmd.set_defaults(func=_site_person(role, present))

    post = sub.add_parser("post", help="manage posts").add_subparsers(dest="post", required=True)
    padd = post.add_parser("add", help="register a post from a WordPress REST post JSON file")
    padd.add_argument("file")
    padd.set_defaults(func=cmd_post_add)

    export = sub.add_parser("export", help="export a user's annotations to a file",
                            description="Export annotations as GET /api/export does, seen as "
                                        "--user sees them (their own unless --author names "
                                        "another, whose public ones are then exported).")
    export.add_argument("--user", required=True, help="who is exporting")
    export.add_argument("--format", required=True,
                        choices=["markdown", "zip", "json", "jsonld", "csv", "html"])
    export.add_argument("--flavor", choices=["full", "readwise"], help="csv only")
    export.add_argument("-o", "--output", required=True, help="file to write, or - for stdout")
    export.add_argument("--author", help="whose annotations (default: --user's own)")
    export.add_argument("--site")
    export.add_argument("--post-id", type=int)
    export.add_argument("--url")
    export.add_argument("--tag", action="append", default=[], help="repeat: all must match")
    export.add_argument("--color")
    export.add_argument("--visibility", choices=list(VISIBILITIES))
    export.add_argument("--group", help="a group's id: only the annotations in it")
    export.add_argument("--q", help="full-text search")
    export.add_argument("--updated-since", help="ISO 8601 time")
    export.add_argument("--replies", choices=list(REPLIES_CHOICES),
                        help="include (default): threads under what they answer; exclude; only")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="import annotations from a file for a user",
                         description="Import Postil JSON, W3C JSON-LD or a Hypothesis JSON "
                                     "export; importing the same file again creates nothing.")
    imp.add_argument("file")
    imp.add_argument("--user", required=True, help="who the annotations will belong to")
    imp.add_argument("--format", choices=["json", "jsonld", "hypothesis"],
                     help="force a format (default: recognise it)")
    imp.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
