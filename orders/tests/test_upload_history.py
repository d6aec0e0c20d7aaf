"""The upload history (docs/UPLOADS.md): every upload recorded, each key reads its own."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope, Order, UploadRecord
from orders.tests.conftest import Api, make_upload
from orders.upload_history import upload_record

pytestmark = pytest.mark.django_db


def test_an_ok_upload_is_recorded_with_its_counts(api, seed_body):
    api.upload(make_upload(3, user="bulk"))
    body = make_upload(3, user="bulk")
    body["orders"][0]["status"] = "cancelled"
    body["orders"][1]["total_amount"] = 1.0
    response = api.client.post(
        "/api/orders/upload",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
        HTTP_X_REQUEST_ID="upload-42",
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    latest = UploadRecord.objects.latest("id")
    assert latest.key_name == "test-write" and latest.customer == "bulk"
    assert latest.request_id == "upload-42"
    assert latest.status == 200 and latest.error == "" and latest.outcome == "ok"
    counts = ("received", "created", "updated", "unchanged", "status_changes")
    assert {name: getattr(latest, name) for name in counts} == {
        name: answer[name] for name in counts
    }
    assert latest.received == 3 and latest.duration_ms > 0
    assert UploadRecord.objects.count() == 2


def test_a_refused_upload_is_recorded_though_nothing_was_written(api, seed_body):
    seed_body["orders"].append(dict(seed_body["orders"][0]))  # the same number twice
    response = api.upload(seed_body)
    assert response.status_code == 422
    assert not Order.objects.exists()
    record = UploadRecord.objects.get()
    assert (record.status, record.error) == (422, "Validation failed")
    assert record.outcome == "422 Validation failed"
    assert (record.received, record.created, record.updated) == (2, 0, 0)


def test_a_body_that_does_not_validate_is_recorded_too(api, seed_body):
    """Refused before the view runs (a negative total): recorded by api.errors' hook."""
    seed_body["orders"][0]["total_amount"] = -1
    seed_body["orders"].append({"order_number": "second"})
    response = api.upload(seed_body)
    assert response.status_code == 422
    assert not Order.objects.exists()
    record = UploadRecord.objects.get()
    assert (record.customer, record.received, record.created) == ("test_seller", 2, 0)
    assert record.outcome == "422 Validation failed" and record.key_name == "test-write"


def test_a_key_reads_only_its_own_uploads(client, api, seed_body):
    other = Api(client, api_key_create(name="other", scope=ApiKeyScope.WRITE))
    api.upload(seed_body)
    other.upload(make_upload(2, user="bob"))
    other.upload(make_upload(1, user="bob", prefix="C"))
    mine = api.get("/api/uploads").json()["results"]
    assert [(r["key_name"], r["customer"]) for r in mine] == [("test-write", "test_seller")]
    theirs = other.get("/api/uploads", page_size=1).json()
    assert [r["received"] for r in theirs["results"]] == [1]  # newest first
    rest = other.get("/api/uploads", page_size=1, cursor=theirs["next_cursor"].split("cursor=")[1])
    assert [r["received"] for r in rest.json()["results"]] == [2]
    assert rest.json()["next_cursor"] is None


def test_a_bad_cursor_is_a_problem_with_a_pointer(api):
    response = api.get("/api/uploads", cursor="nonsense")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["pointer"] == "/query/cursor"


def test_without_a_key_the_history_is_401(client):
    assert client.get("/api/uploads").status_code == 401


def test_pruning_keeps_the_bounds(write_key, settings):
    settings.UPLOAD_HISTORY_MAX_ROWS = 3
    key = ApiKey.objects.get(name="test-write")
    now = timezone.now()

    def record(days: int, *, prune_rows: bool) -> None:
        moment = now - datetime.timedelta(days=days)
        upload_record(
            key=key,
            customer="c",
            request_id="r",
            started_at=moment,
            duration_ms=1,
            received=days,
            prune_rows=prune_rows,
        )

    for days in (40, 5, 4, 3, 2):
        record(days, prune_rows=False)
    record(1, prune_rows=False)  # the 40-day-old one goes (UPLOAD_HISTORY_DAYS=30)
    assert sorted(UploadRecord.objects.values_list("received", flat=True)) == [1, 2, 3, 4, 5]
    record(0, prune_rows=True)  # the newest 3 before it are kept, and it
    assert sorted(UploadRecord.objects.values_list("received", flat=True)) == [0, 1, 2, 3]


def test_the_admin_lists_the_history_for_staff(admin_client, api, seed_body):
    api.upload(seed_body)
    page = admin_client.get("/admin/orders/uploadrecord/")
    assert page.status_code == 200
    assert "test_seller" in page.content.decode()
    assert admin_client.get("/admin/orders/uploadrecord/?status__exact=200").status_code == 200
    record = UploadRecord.objects.get()
    assert admin_client.get(f"/admin/orders/uploadrecord/{record.pk}/change/").status_code == 200
    assert admin_client.get("/admin/orders/uploadrecord/add/").status_code == 403
