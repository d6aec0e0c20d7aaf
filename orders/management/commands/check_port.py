from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orders.demo import demo_address_problem


class Command(BaseCommand):
    help = (
        "Fail, changing nothing, when a server could not listen on HOST:PORT (`make run` asks "
        "this first, so a second run leaves the running demo and its credentials alone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        problem = demo_address_problem(host=options["host"], port=options["port"])
        if problem is not None:
            raise CommandError(problem)
