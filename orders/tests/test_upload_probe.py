"""Issue 19, item 4: a key bound to one customer cannot probe which order numbers exist.

Order numbers stay global (seed 003), so an upload that names another customer's number is
refused; for a bound key the refusal says only that the set holds one (no pointer, no count),
and after UPLOAD_CONFLICT_LIMIT refusals within UPLOAD_CONFLICT_WINDOW_SECONDS the key's
uploads answer 429 until the window has passed. The reproduction: a bound key uploading up to
5,000 candidate numbers, and reading the 409's pointers.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from orders.api import ERROR_UPLOADS_PAUSED
from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope, Customer
from orders.services import ERROR_CONFLICT_HIDDEN, upload_conflict_record
from orders.tests.conftest import Api, make_upload
from orders.tests.test_upload_api import table_counts

pytestmark = pytest.mark.django_db

TAKEN = ("V-3", "V-1", "V-4")


@pytest.fixture
def victim(api) -> None:
    """Another customer's orders V-0 … V-4, uploaded with an unbound key."""
    assert api.upload(make_upload(5, user="victim", prefix="V")).status_code == 200


def bound_key(username: str, name: str) -> str:
    Customer.objects.get_or_create(username=username)
    return api_key_create(name=name, scope=ApiKeyScope.WRITE, customer_username=username)


@pytest.fixture
def prober(victim) -> Api:
    return Api(Client(), bound_key("prober", "prober-key"))


def probe(taken: tuple[str, ...], *, candidates: int = 5000) -> dict:
    """An upload of `candidates` numbers of which `taken` (spread through it) are the victim's."""
    body = make_upload(candidates, user="prober", prefix="C", items=1)
    for position, number in zip(range(7, candidates, candidates // 4), taken, strict=False):
        body["orders"][position]["order_number"] = number
    return body


def conflicts_counted(key_name: str) -> float:
    return REGISTRY.get_sample_value("orders_upload_conflicts_total", {"key": key_name}) or 0.0


def test_a_bound_keys_refusal_does_not_say_which_numbers_are_taken(prober):
    before = table_counts()
    answers = [prober.upload(probe(taken)) for taken in (TAKEN[:1], TAKEN)]
    assert [answer.status_code for answer in answers] == [409, 409]
    one, three = (answer.json() for answer in answers)
    assert one == three  # one taken number or three: the same answer, no count
    assert "errors" not in one  # no pointer names a candidate
    assert one["detail"] == ERROR_CONFLICT_HIDDEN
    assert not any(number in answers[1].content.decode() for number in TAKEN)
    assert table_counts() == before


def test_an_unbound_key_still_gets_the_pointers(api, victim):
    """An unbound key reads every order anyway: naming the numbers tells it nothing new."""
    response = api.upload(probe(TAKEN[:2], candidates=100))
    assert response.status_code == 409
    assert [error["pointer"] for error in response.json()["errors"]] == [
        "/orders/7/order_number",
        "/orders/32/order_number",
    ]


@override_settings(UPLOAD_CONFLICT_LIMIT=3, UPLOAD_CONFLICT_WINDOW_SECONDS=3600)
def test_repeated_probes_pause_the_keys_uploads_until_the_window_passes(prober):
    before = table_counts()
    statuses = [prober.upload(probe(TAKEN[:1], candidates=50)).status_code for _ in range(3)]
    assert statuses == [409, 409, 409]
    for body in (probe(TAKEN[:1], candidates=50), make_upload(2, user="prober", prefix="OK")):
        paused = prober.upload(body)  # a probe, or an upload that would have been accepted
        assert paused.status_code == 429
        assert paused.json()["detail"] == ERROR_UPLOADS_PAUSED
        assert 3500 < int(paused["Retry-After"]) <= 3600
    assert table_counts() == before
    # Another customer's bound key is not slowed by this one's refusals.
    other = Api(Client(), bound_key("neighbour", "neighbour-key"))
    assert other.upload(make_upload(1, user="neighbour", prefix="N")).status_code == 200

    with connection.cursor() as cursor:  # the window has passed
        cursor.execute(
            "UPDATE orders_apikeyconflicts SET window_started_at = window_started_at "
            "- interval '3601 seconds'"
        )
    assert prober.upload(make_upload(2, user="prober", prefix="OK")).status_code == 200
    assert prober.upload(probe(TAKEN[:1], candidates=50)).status_code == 409  # a new window


def test_conflicts_are_counted_per_key(api, prober):
    before_bound, before_unbound = conflicts_counted("prober-key"), conflicts_counted("test-write")
    prober.upload(probe(TAKEN[:1], candidates=50))
    api.upload(probe(TAKEN[:1], candidates=50))
    assert conflicts_counted("prober-key") == before_bound + 1
    assert conflicts_counted("test-write") == before_unbound + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_refusals_are_all_counted():
    """One statement per refusal, no read-modify-write: none is lost between gunicorn workers."""
    key_id = ApiKey.objects.get(prefix=bound_key("prober", "prober-key").split("_")[1]).id
    threads, start = 6, threading.Barrier(6)

    def refuse() -> None:
        try:
            start.wait(10)
            for _ in range(5):
                upload_conflict_record(key_id=key_id)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=refuse) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT refusals FROM orders_apikeyconflicts WHERE key_id = %s", [key_id])
        assert cursor.fetchone() == (threads * 5,)
