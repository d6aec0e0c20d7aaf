"""One API request in process, profiled: CPU per request and where it goes (cProfile).

    python -m bench.request_profile --database bench_orders_1m \
        --path '/api/v1/orders/cancelled/?page_size=50' --repeat 300

Through Django's test Client on an existing benchmark database (as bench.http_stack reads it:
never migrated here), after warm-ups. cProfile slows Python code down, so the CPU figure is for
comparing two versions of the code, not a latency; the count of Python function calls per
request does not move with the machine's load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import time

from bench.http_stack import database_use
from bench.support import setup_django

WARMUPS = 50


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.request_profile", description=__doc__)
    parser.add_argument("--database", required=True, help="e.g. bench_orders_1m")
    parser.add_argument("--path", default="/api/v1/orders/cancelled/?page_size=50")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--top", type=int, default=15, help="functions listed, by own time")
    args = parser.parse_args(argv)
    os.environ["DJANGO_DEBUG"] = "0"
    setup_django()
    from django.core.management import call_command
    from django.test import Client

    from orders.models import ApiKey

    database_use(args.database)
    name, out = f"bench-profile-{secrets.token_hex(4)}", io.StringIO()
    call_command("create_api_key", name, "--scope", "read", stdout=out, stderr=io.StringIO())
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {out.getvalue().split()[-1]}", HTTP_HOST="127.0.0.1"
    )
    try:
        for _ in range(WARMUPS):
            response = client.get(args.path)
            if response.status_code != 200:
                answer = response.content[:300]
                raise SystemExit(f"GET {args.path}: {response.status_code} {answer}")
        profile = cProfile.Profile()
        started = time.process_time()
        profile.enable()
        for _ in range(args.repeat):
            client.get(args.path)
        profile.disable()
        cpu = (time.process_time() - started) / args.repeat
    finally:
        ApiKey.objects.filter(name=name).delete()
    stats = pstats.Stats(profile)
    # Python function calls do not depend on the machine's load; the CPU time does.
    print(
        f"{args.path}: {stats.total_calls / args.repeat:,.0f} Python function calls and "
        f"{cpu * 1000:.2f} ms CPU per request under cProfile ({args.repeat} runs)"
    )
    if args.top:
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
