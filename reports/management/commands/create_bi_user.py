from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from project.replica import REPLICA
from reports.bi import BiUserError, bi_user_create

HOW_TO_CONNECT = (
    "psql takes the URL as it is; SQLAlchemy (Superset) as postgresql+psycopg://... (the same URL "
    "with +psycopg, or +psycopg2 for that driver); Metabase: paste it into 'Connection string' "
    "under Admin > Databases > Add a database > PostgreSQL, or copy host, port, database, user "
    "and password from it."
)
SOCKET_ONLY = (
    "This server listens on its Unix socket only, so the URL names the socket's directory: "
    "psql and SQLAlchemy on this machine can use it, Metabase cannot. For TCP, run the embedded "
    "server with EMBEDDED_PG_PORT (e.g. EMBEDDED_PG_PORT=55432 make run): the same user and "
    "password then connect as postgresql://<user>:<password>@127.0.0.1:55432/<database>."
)


class Command(BaseCommand):
    help = (
        "Create a PostgreSQL LOGIN role for a BI tool, member of this database's reader role "
        "reports_reader_<database> (CONNECT to this database, SELECT on the reports views "
        "only); its connection URL is printed alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="role name: lowercase letters, digits, underscores")
        parser.add_argument("--statement-timeout", default="30s", help="default: 30s")
        parser.add_argument("--connection-limit", type=int, default=5, help="default: 5")
        parser.add_argument("--host", help="host in the printed URL (default: the app's)")
        parser.add_argument("--port", help="port in the printed URL (default: the app's)")
        parser.add_argument(
            "--replica",
            action="store_true",
            help="print the read replica's host and port (DATABASE_REPLICA_URL): the role is "
            "made on the primary and reaches the replica by replication",
        )

    def handle(self, *args, **options):
        if options["connection_limit"] < 1:
            raise CommandError("--connection-limit must be at least 1")
        if options["replica"]:
            options["host"], options["port"] = self._replica_address(options)
        try:
            user = bi_user_create(
                name=options["name"],
                statement_timeout=options["statement_timeout"],
                connection_limit=options["connection_limit"],
                host=options["host"],
                port=options["port"],
            )
        except BiUserError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"Created role {user.name!r} in {user.reader_role}: this database only, "
            "SELECT on schema reports only, "
            f"read-only sessions, statement_timeout {options['statement_timeout']}, "
            f"at most {options['connection_limit']} connections."
        )
        self.stderr.write(HOW_TO_CONNECT)
        if user.socket_only:
            self.stderr.write(SOCKET_ONLY)
        self.stderr.write("Its URL (shown once):")
        self.stdout.write(user.url)

    @staticmethod
    def _replica_address(options) -> tuple[str | None, str | None]:
        if options["host"] or options["port"]:
            raise CommandError("--replica takes the host and port of DATABASE_REPLICA_URL.")
        replica = settings.DATABASES.get(REPLICA)
        if replica is None:
            raise CommandError("--replica needs DATABASE_REPLICA_URL (the read replica).")
        return replica.get("HOST") or None, str(replica.get("PORT") or "") or None
