"""API keys in the admin, in a real browser (the fixtures of project/tests/test_browser.py)."""

from __future__ import annotations

import shutil

import pytest
from django.contrib.auth import get_user_model

from orders.models import ApiKey
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


def test_staff_creates_a_key_and_sees_it_once(page, live_server):  # noqa: F811
    get_user_model().objects.create_superuser(STAFF, password=PASSWORD)
    page.goto(live_server.url + "/admin/orders/apikey/add/")
    page.fill("#id_username", STAFF)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.fill("#id_name", "browser-shop")
    page.select_option("#id_scope", "read")
    page.click("input[name=_save]")
    field = page.locator("#api-key")
    field.wait_for(timeout=WAIT_MS)
    plaintext = field.input_value()
    assert plaintext.startswith("ok_")
    page.click("#copy-api-key")
    page.locator("#copied").wait_for(timeout=WAIT_MS)
    shot(page, "admin-api-key-created")

    # Authenticates through the browser's own HTTP client.
    response = page.request.get(
        live_server.url + "/api/order?number=none",
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert response.status == 404, response.text()

    page.goto(live_server.url + "/admin/orders/apikey/")
    assert "browser-shop" in page.content()
    assert plaintext not in page.content()
    key = ApiKey.objects.get(name="browser-shop")
    page.goto(live_server.url + f"/admin/orders/apikey/{key.pk}/change/")
    assert plaintext.split("_", 2)[2] not in page.content()
