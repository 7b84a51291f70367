"""``bme``: the command line, with the web app's commands added to the rules' ones.

rules/cli.py stays free of Flask; this module adds ``serve`` and ``init-db``.
"""

from __future__ import annotations

import sys

import click
from flask import current_app

from rules import cli as rules_cli

#: waitress threads per worker; the database pool keeps at least as many connections.
SERVE_THREADS = 8


@click.command("init-db")
def init_db_command():
    """Create the database tables (they are also created on first run)."""
    from .db import create_tables

    create_tables(current_app)
    click.echo("Database tables are ready.")


def cmd_serve(args) -> int:
    from . import create_app
    from .serving import proxy_options, serve

    try:
        app = create_app()
    except RuntimeError as e:
        print(f"bme: {e}", file=sys.stderr)
        return 2
    print(f"Serving the questionnaire on http://{args.host}:{args.port}/ (Ctrl+C to stop)")
    print(f"Database: {app.config['DATABASE_URL'].split('@')[-1]}")
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="bme",
        clear_untrusted_proxy_headers=True,
        **proxy_options(args.trusted_proxy),
    )
    return 0


def cmd_create_staff(args) -> int:
    import getpass

    from . import create_app
    from .auth import PasswordError, create_staff

    app = create_app()
    password = getpass.getpass("Password (12 to 128 characters): ")
    if getpass.getpass("The same password again: ") != password:
        print("bme: the two passwords differ; nothing was created", file=sys.stderr)
        return 2
    with app.app_context():
        try:
            create_staff(args.username, password)
        except (PasswordError, ValueError) as e:
            print(f"bme: {e}", file=sys.stderr)
            return 2
    print(f"Staff account {args.username!r} created.")
    return 0


def cmd_purge(args) -> int:
    from . import create_app
    from .staff import purge

    app = create_app()
    days = args.days if args.days is not None else app.config["RETENTION_DAYS"]
    audit_days = args.audit_days
    if audit_days is None:
        audit_days = app.config["AUDIT_RETENTION_DAYS"]
    try:
        audit_days = int(audit_days)
    except (TypeError, ValueError):
        audit_days = 0
    if audit_days < 1:
        print(
            "bme: the audit log's retention (BME_AUDIT_RETENTION_DAYS or --audit-days) must be "
            "a whole number of days, 1 or more; nothing was purged",
            file=sys.stderr,
        )
        return 2
    with app.app_context():
        done = purge(days, audit_days=audit_days)
    print(f"Purged {done.submissions} submission(s) older than {days} days.")
    print(f"Trimmed {done.audit_rows} audit log row(s) older than {audit_days} days.")
    return 0


def cmd_init_db(_args) -> int:
    from . import create_app
    from .db import create_tables

    app = create_app()
    create_tables(app)
    print("Database tables are ready.")
    return 0


def web_commands(sub) -> None:
    s = sub.add_parser("serve", help="run the web app with waitress (production server)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--threads", type=int, default=SERVE_THREADS)
    s.add_argument(
        "--trusted-proxy",
        metavar="ADDRESS",
        help="address of a reverse proxy whose X-Forwarded-Proto is trusted",
    )
    s.set_defaults(func=cmd_serve)
    i = sub.add_parser("init-db", help="create the database tables")
    i.set_defaults(func=cmd_init_db)
    c = sub.add_parser("create-staff", help="create a staff account (prompts for the password)")
    c.add_argument("username")
    c.set_defaults(func=cmd_create_staff)
    p = sub.add_parser(
        "purge", help="delete submissions and audit log rows older than their retention periods"
    )
    p.add_argument("--days", type=int, help="retention in days (default: BME_RETENTION_DAYS, 90)")
    p.add_argument(
        "--audit-days",
        type=int,
        help="audit log retention in days (default: BME_AUDIT_RETENTION_DAYS, 365)",
    )
    p.set_defaults(func=cmd_purge)


def main(argv: list[str] | None = None) -> int:
    args = rules_cli.parser(web_commands).parse_args(argv)
    return args.func(args)
