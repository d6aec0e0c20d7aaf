from __future__ import annotations

import io
import re
import shutil
import socket
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from bench.support import free_port
from orders.api_keys import api_key_authenticate, api_key_revoke
from orders.demo import DEMO_ADMIN, DEMO_KEY_NAME, demo_credentials_ensure
from orders.management.commands.prepare_demo import ERROR_NOT_DEMO
from orders.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def credentials_file(monkeypatch, tmp_path, settings) -> Path:
    """Each test keeps its demo credentials in its own directory, never in the checkout's."""
    path = tmp_path / ".local" / "demo_credentials.json"
    monkeypatch.setattr("orders.demo.CREDENTIALS_FILE", path)
    settings.DEMO = True
    return path


def prepare_demo(*args: str) -> dict[str, str]:
    """Run the command; what its banner printed: the URLs, user, password and key."""
    out = io.StringIO()
    call_command("prepare_demo", "--base-url", "http://127.0.0.1:8123", *args, stdout=out)
    printed = out.getvalue()
    return {
        "banner": printed,
        "user": re.search(r"Admin user\s+(\S+)", printed)[1],
        "password": re.search(r"Admin password\s+(\S+)", printed)[1],
        "key": re.search(r"API key \(write\)\s+(\S+)", printed)[1],
    }


def can_log_in(password: str) -> bool:
    return Client().login(username=DEMO_ADMIN, password=password)


def key_works(key: str) -> bool:
    found = api_key_authenticate(presented=key)
    return found is not None and found.name == DEMO_KEY_NAME


def demo_state(path: Path) -> tuple:
    """Everything prepare_demo may change: the file, the admin's hash and the key rows."""
    admin = get_user_model().objects.filter(username=DEMO_ADMIN).values_list("password").first()
    keys = list(ApiKey.objects.order_by("id").values_list("name", "prefix", "digest", "revoked_at"))
    return path.read_bytes(), admin, keys


def test_a_second_run_keeps_the_key_and_the_password(credentials_file):
    first = prepare_demo()
    second = prepare_demo()

    assert (second["password"], second["key"]) == (first["password"], first["key"])
    assert key_works(first["key"])
    assert can_log_in(first["password"])
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME).count() == 1
    assert "New credentials" in first["banner"]
    assert "The same credentials as the last run" in second["banner"]
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600


def test_rotate_makes_new_credentials_and_retires_the_old_ones(credentials_file):
    first = prepare_demo()
    rotated = prepare_demo("--rotate")

    assert rotated["password"] != first["password"]
    assert rotated["key"] != first["key"]
    assert key_works(rotated["key"]) and can_log_in(rotated["password"])
    assert not key_works(first["key"])
    assert not can_log_in(first["password"])
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME).count() == 1
    assert prepare_demo()["key"] == rotated["key"]  # and the next run keeps the new ones


def test_the_banner_says_where_to_go_and_how_to_log_in():
    printed = prepare_demo()
    banner = printed["banner"]
    assert re.search(r"^  Home\s+http://127\.0\.0\.1:8123/$", banner, re.MULTILINE)
    for url in ("/api/docs", "/dashboard/", "/admin/"):
        assert f"http://127.0.0.1:8123{url} " in banner
    dashboard = next(line for line in banner.splitlines() if "/dashboard/" in line)
    assert "staff" in dashboard and repr(DEMO_ADMIN) in dashboard
    assert printed["user"] == DEMO_ADMIN
    assert "make run ROTATE=1" in banner
    user = get_user_model().objects.get(username=DEMO_ADMIN)
    assert user.is_staff and user.is_superuser and user.is_active


def test_a_new_database_is_given_the_stored_credentials(credentials_file):
    first = prepare_demo()
    ApiKey.objects.all().delete()  # what another (or a recreated) database looks like
    get_user_model().objects.all().delete()

    again = prepare_demo()

    assert (again["password"], again["key"]) == (first["password"], first["key"])
    assert key_works(first["key"]) and can_log_in(first["password"])


def test_a_revoked_demo_key_is_never_brought_back():
    first = prepare_demo()
    api_key_revoke(name=DEMO_KEY_NAME)

    again = prepare_demo()

    assert again["key"] != first["key"]
    assert key_works(again["key"])
    assert not key_works(first["key"])
    assert again["password"] == first["password"]


def test_an_unreadable_credentials_file_gives_new_credentials(credentials_file):
    first = prepare_demo()
    credentials_file.write_text("{not json")

    again = prepare_demo()

    assert again["key"] != first["key"]
    assert key_works(again["key"]) and can_log_in(again["password"])


def test_prepare_demo_refuses_outside_the_demo(settings, credentials_file):
    settings.DEMO = False
    with pytest.raises(CommandError, match=re.escape(ERROR_NOT_DEMO)):
        prepare_demo()
    assert not credentials_file.exists()
    assert not ApiKey.objects.exists()


def test_a_busy_port_is_refused_and_nothing_changes(credentials_file):
    printed = prepare_demo()
    before = demo_state(credentials_file)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        with pytest.raises(CommandError) as refused:
            call_command("check_port", "--host", "127.0.0.1", "--port", str(port))

    message = str(refused.value)
    assert f"A server is already up on 127.0.0.1:{port}" in message
    assert f"make run PORT={port + 1}" in message
    assert str(credentials_file) in message
    assert demo_state(credentials_file) == before
    assert key_works(printed["key"]) and can_log_in(printed["password"])


def test_a_port_bound_but_not_yet_listening_counts_as_busy(credentials_file):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        with pytest.raises(CommandError, match="already up") as refused:
            call_command("check_port", "--host", "127.0.0.1", "--port", str(port))
    assert f"No demo credentials are kept yet ({credentials_file}" in str(refused.value)
    assert not credentials_file.exists()


def test_a_free_port_passes():
    call_command("check_port", "--host", "127.0.0.1", "--port", str(free_port()))


def test_an_address_that_cannot_be_served_is_refused():
    with pytest.raises(CommandError, match=r"Cannot serve on 192\.0\.2\.1"):  # TEST-NET-1
        call_command("check_port", "--host", "192.0.2.1", "--port", "8000")


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_run_checks_the_port_first_and_rotates_only_when_asked():
    def commands(*variables: str) -> list[str]:
        """What `make run` would run (-n: printed, never run)."""
        dry_run = subprocess.run(  # noqa: S603 (our own Makefile, fixed argv)
            [MAKE, "-n", "run", "PORT=8123", *variables],
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return [line for line in dry_run.stdout.splitlines() if "manage.py" in line]

    steps = commands()
    assert "check_port --host 127.0.0.1 --port 8123" in steps[0]
    prepare = next(line for line in steps if "prepare_demo" in line)
    assert "--rotate" not in prepare
    assert "--rotate" not in next(line for line in commands("ROTATE=0") if "prepare_demo" in line)
    assert "--rotate" in next(line for line in commands("ROTATE=1") if "prepare_demo" in line)


@pytest.mark.django_db(transaction=True)
def test_two_first_runs_at_once_agree_on_one_set_of_credentials():
    results, errors = [], []
    start = threading.Barrier(2)

    def first_run():
        try:
            start.wait()
            results.append(demo_credentials_ensure())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert {(r.admin_password, r.api_key) for r in results} == {
        (results[0].admin_password, results[0].api_key)
    }
    assert key_works(results[0].api_key)
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME).count() == 1
