"""The upload history in the admin, in a real browser (the fixtures of
project/tests/test_browser.py): uploads made through the API, one accepted and one refused
(409), are listed for staff with their counts and outcome; the filter by outcome narrows it."""

from __future__ import annotations

import json
import shutil

import pytest
from django.contrib.auth import get_user_model

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from project.tests.test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM,
    PASSWORD,
    STAFF,
    WAIT_MS,
    browser,
    page,
    shot,
)

pytestmark = [
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"needs chromium at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True),
]

ORDER = {
    "order_number": "HIST-1",
    "created_at": "2025-11-12T10:00:00Z",
    "total_amount": 2500.00,
    "status": "delivered",
    "items": [{"sku": "tea01", "name": "Tea", "quantity": 5, "price": 500}],
}


def test_staff_see_every_upload_with_its_outcome(page, live_server):  # noqa: F811
    key = api_key_create(name="history-shop", scope=ApiKeyScope.WRITE)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    upload = live_server.url + "/api/orders/upload"
    accepted = page.request.post(
        upload, headers=headers, data=json.dumps({"user": "hist_seller", "orders": [ORDER]})
    )
    assert accepted.status == 200, accepted.text()
    # HIST-1 is hist_seller's: another customer's upload of it is refused, 409.
    refused = page.request.post(
        upload, headers=headers, data=json.dumps({"user": "hist_rival", "orders": [ORDER]})
    )
    assert refused.status == 409, refused.text()

    get_user_model().objects.create_superuser(STAFF, password=PASSWORD)
    page.goto(live_server.url + "/admin/orders/uploadrecord/")
    page.fill("#id_username", STAFF)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    rows = page.locator("#result_list tbody tr")
    rows.first.wait_for(timeout=WAIT_MS)
    assert rows.count() == 2
    listed = [rows.nth(index).inner_text() for index in range(2)]
    assert "409" in listed[0] and "hist_rival" in listed[0]  # newest first
    assert "ok" in listed[1] and "hist_seller" in listed[1] and "history-shop" in listed[1]
    shot(page, "admin-upload-history")

    page.click("#changelist-filter a:has-text('409')")
    page.wait_for_url("**status*409*", timeout=WAIT_MS)
    assert page.locator("#result_list tbody tr").count() == 1
