"""The landing page and the dashboard in a real browser: Debian's chromium, driven by Playwright.

Screenshots land in test-artifacts/browser/ (BROWSER_ARTIFACTS overrides it). Without
/usr/bin/chromium these tests skip; `.ci/run` installs it so CI always runs them.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from currencies.models import ExchangeRate
from orders.api_keys import api_key_create
from orders.generation import orders_generate
from orders.models import ApiKeyScope
from reports.refresh import reports_refresh
from reports.tests.conftest import live_reports_reset

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS", django_settings.BASE_DIR / "test-artifacts" / "browser")
)
STAFF, PASSWORD = "browser-staff", "browser-pass-1234"
CHARTS = [
    "chart-monthly",
    "chart-daily",
    "chart-status",
    "chart-products-revenue",
    "chart-products-units",
    "chart-customers",
    "chart-categories",
    "chart-category-top",
    "chart-value-histogram",
    "chart-value-top",
    "chart-channels",
    "chart-currencies",
]
WAIT_MS = 15_000

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -r requirements.txt")
pytestmark = [
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"browser tests need Debian's chromium at {CHROMIUM}: `apt-get install chromium` "
        "(.ci/run installs it), or set CHROMIUM to another Chromium binary",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors  # no script error on any page


@pytest.fixture
def users(live_server, settings) -> dict:
    """A staff user, a customer-facing user who is not staff, and a write key."""
    settings.DASHBOARD_POLL_SECONDS = 0.25
    get_user_model().objects.create_user(STAFF, password=PASSWORD, is_staff=True)
    get_user_model().objects.create_user("shopper", password=PASSWORD)
    key = api_key_create(name="browser", scope=ApiKeyScope.WRITE)
    return {"url": live_server.url, "key": key}


@pytest.fixture
def shop(users) -> dict:
    """A few months of orders with refreshed reports, in three currencies (EUR with a rate,
    GBP without: its orders wait for one) and three channels."""
    live_reports_reset()
    end = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2000, 1, 1), rate="1.1")
    orders_generate(
        orders=400,
        customers=30,
        seed=7,
        end=end,
        workers=1,
        currencies=["USD", "EUR", "GBP"],
        channels=["online", "retail", "wholesale"],
    )
    assert not reports_refresh().failed
    return users


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def call(page, shop, method: str, path: str, body: dict | None = None) -> dict:
    """The API, through the browser's own HTTP client."""
    response = page.request.fetch(
        shop["url"] + path,
        method=method,
        data=None if body is None else json.dumps(body),
        headers={"Authorization": f"Bearer {shop['key']}", "Content-Type": "application/json"},
    )
    assert response.ok, (path, response.status, response.text())
    return response.json()


def log_in(page, shop, username: str = STAFF) -> None:
    page.goto(shop["url"] + "/dashboard/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def drawn_points(page, chart: str) -> int:
    return page.evaluate(
        "id => document.getElementById(id).querySelectorAll('g.point path, path.js-line').length",
        chart,
    )


def test_the_landing_page_needs_no_login_and_every_link_answers(page, live_server):
    shop = {"url": live_server.url}
    page.goto(shop["url"] + "/")
    links = page.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    assert {"/dashboard/", "/api/docs", "/api/openapi.json", "/admin/", "/healthz"} <= set(links)
    assert "create_api_key" in page.inner_text("main")
    shot(page, "landing")
    for link in links:
        assert page.request.get(shop["url"] + link).status in (200, 503), link  # 503: stale


def test_the_dashboard_is_for_staff_only(page, users):
    log_in(page, users, username="shopper")
    assert "/admin/login/" in page.url  # the admin's login refuses a non-staff user
    assert "staff account" in page.inner_text("body")


def test_every_chart_draws_the_apis_numbers_and_changes_show_without_a_reload(page, shop):
    log_in(page, shop)
    page.wait_for_function("window.dashboard && window.dashboard.updates > 0", timeout=WAIT_MS)
    for chart in CHARTS:
        assert drawn_points(page, chart) > 0, chart
    ranking = call(page, shop, "GET", "/api/reports/customers/ranking?limit=10")
    drawn = page.evaluate("document.getElementById('chart-customers').data[0].x")
    assert drawn == [float(row["total_revenue"]) for row in ranking["results"]]
    monthly = call(page, shop, "GET", "/api/reports/revenue/monthly")["results"]
    drawn = page.evaluate("document.getElementById('chart-monthly').data[1].y")
    assert drawn == [float(row["cumulative_revenue"]) for row in monthly]
    freshness = page.locator("#freshness")
    assert freshness.get_attribute("data-as-of") == ranking["as_of"].replace("+00:00", "Z")
    assert "fresh" in freshness.inner_text() and "lag" in freshness.inner_text()
    assert page.locator("#panel-monthly [data-fresh]").inner_text().startswith("fresh")
    assert re.fullmatch(r"updated \d\d:\d\d:\d\d UTC", page.locator("#status").inner_text())
    top = ranking["results"][0]["user"]
    assert top in page.inner_text("#customer-stats")
    cancelled = call(page, shop, "GET", "/api/v1/orders/cancelled/?order=-cancelled_at&page_size=5")
    first_rows = page.locator("#cancelled-rows tr td:first-child").all_inner_texts()[:5]
    assert first_rows == [row["order_number"] for row in cancelled["results"]]
    shot(page, "dashboard")

    # An upload and a refund made now appear without a reload.
    loaded_at = page.evaluate("window.dashboard.loadedAt")
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    order = {
        "order_number": "BROWSER-1",
        "created_at": (now - datetime.timedelta(minutes=5)).isoformat(),
        "total_amount": 9_999_999.00,
        "status": "delivered",
        "items": [{"sku": "BIG-1", "name": "A very big order", "quantity": 1, "price": 9_999_999}],
    }
    call(page, shop, "POST", "/api/orders/upload", {"user": "big_spender", "orders": [order]})
    assert not reports_refresh().failed  # what `refresh_reports --follow` does beside the server
    page.wait_for_function(
        "document.getElementById('chart-customers').data[0].y[0].includes('big_spender')",
        timeout=WAIT_MS,
    )
    call(page, shop, "POST", "/api/order/status?number=BROWSER-1", {"status": "refunded"})
    page.wait_for_function(
        "document.querySelector('#cancelled-rows td').textContent === 'BROWSER-1'",
        timeout=WAIT_MS,
    )
    assert page.evaluate("window.dashboard.loadedAt") == loaded_at  # never reloaded
    shot(page, "dashboard-after-upload")


def test_the_admin_order_list_fits_1280_pixels(page, shop):
    get_user_model().objects.create_superuser("browser-admin", password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(shop["url"] + "/admin/login/?next=/admin/orders/order/")
    page.fill("#id_username", "browser-admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(shop["url"] + "/admin/orders/order/?current_status__exact=Cancelled")
    right = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().right")
    assert right <= 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scroll
    shot(page, "admin-orders-1280")


def plot_width(page, chart: str) -> float:
    return page.evaluate("id => document.getElementById(id)._fullLayout._size.w", chart)


def test_long_product_names_leave_the_bars_their_width(page, shop):
    """Issue 19 (item 11): a 255-character name squeezed the top-products chart to a few pixels.
    The axis shows names shortened with an ellipsis; the bar keeps the whole text (hover)."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    name = "Extraordinarily long product name " * 7  # 238 characters
    order = {
        "order_number": "LONG-1",
        "created_at": (now - datetime.timedelta(minutes=5)).isoformat(),
        "total_amount": 9_999_999.00,
        "status": "delivered",
        "items": [{"sku": "L" * 50, "name": name, "quantity": 1, "price": 9_999_999}],
    }
    call(page, shop, "POST", "/api/orders/upload", {"user": "long_names", "orders": [order]})
    assert not reports_refresh().failed
    log_in(page, shop)
    page.wait_for_function("window.dashboard && window.dashboard.updates > 0", timeout=WAIT_MS)
    assert page.evaluate("window.dashboard.data.products.revenue[0].name") == name
    chart = page.locator("#chart-products-revenue").bounding_box()
    assert plot_width(page, "chart-products-revenue") > chart["width"] / 2
    assert (
        page.evaluate("document.getElementById('chart-products-revenue').data[0].y[0]")
        == "L" * 50 + " " + name
    )
    shown = page.locator("#chart-products-revenue .ytick text").first.text_content()
    assert shown.endswith("…") and len(shown) < 30
    shot(page, "dashboard-long-names")


def test_a_bad_parameter_shows_which_and_why(page, shop):
    log_in(page, shop)
    page.wait_for_function("window.dashboard && window.dashboard.updates > 0", timeout=WAIT_MS)
    page.fill("#range-from", "1999-12-01")
    page.fill("#range-to", "1999-12-31")
    page.locator("#range-form button, #range-form input[type=submit]").first.click()
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('before 2000-01')",
        timeout=WAIT_MS,
    )
    assert page.locator("#status").get_attribute("class") == "error"


def heatmap_cells(page, chart: str) -> int:
    """The cells a heatmap has a colour for (Plotly paints them as one image)."""
    return page.evaluate(
        """id => {
            const chart = document.getElementById(id);
            if (!chart.querySelector('g.hm image')) return 0;
            return chart.data[0].z.flat().filter(v => v != null).length;
        }""",
        chart,
    )


def test_the_category_value_and_cohort_panels_draw_and_the_category_drills_down(page, shop):
    log_in(page, shop)
    page.wait_for_function("window.dashboard && window.dashboard.updates > 0", timeout=WAIT_MS)
    for chart in ("chart-categories", "chart-category-top", "chart-value-histogram"):
        assert drawn_points(page, chart) > 0, chart
    assert drawn_points(page, "chart-value-top") > 0
    assert "exact lifetime revenue" in page.inner_text("#value-top-basis")  # no model fitted
    assert heatmap_cells(page, "chart-cohorts") > 0
    cohorts = call(page, shop, "GET", "/api/reports/cohorts")["results"]
    assert (
        page.evaluate("window.dashboard.data.cohorts.cohorts")
        == sorted({row["cohort"] for row in cohorts})[-18:]
    )
    assert page.locator("#panel-cohorts [data-fresh]").inner_text().startswith("fresh")
    top_level = page.evaluate("document.getElementById('chart-categories').data.map(t => t.name)")
    sales = call(page, shop, "GET", "/api/reports/categories/sales")["results"]
    assert len(top_level) == len({row["category_key"] for row in sales})
    shot(page, "dashboard-categories")

    key = page.evaluate("document.getElementById('category-select').options[1].value")
    page.select_option("#category-select", key)
    page.wait_for_function(
        "key => window.dashboard.data.categories.category === key", arg=key, timeout=WAIT_MS
    )
    children = call(page, shop, "GET", f"/api/reports/categories/sales?category={key}")["results"]
    names = {row["category_name"] for row in children if row["category_key"] != key}
    assert names  # a top-level category of the generated tree has sub-categories
    page.wait_for_function(
        "names => document.getElementById('chart-categories').data"
        ".map(t => t.name).filter(n => !n.startsWith('directly in ')).sort().join('|')"
        " === names.sort().join('|')",
        arg=sorted(names),
        timeout=WAIT_MS,
    )
    assert drawn_points(page, "chart-categories") > 0
    top = call(page, shop, "GET", f"/api/reports/categories/top-products?category={key}")
    drawn = page.evaluate("document.getElementById('chart-category-top').data[0].x")
    assert drawn == [float(row["revenue"]) for row in top["results"]]
    shot(page, "dashboard-category-drilled")
    page.click("#category-up")
    page.wait_for_function("window.dashboard.data.categories.category === null", timeout=WAIT_MS)


def test_the_channel_and_currency_panels_draw_the_money_reports(page, shop):
    log_in(page, shop)
    page.wait_for_function("window.dashboard && window.dashboard.updates > 0", timeout=WAIT_MS)
    channels = call(page, shop, "GET", "/api/reports/revenue/channels")
    assert channels["base_currency"] == "USD"
    names = page.evaluate("document.getElementById('chart-channels').data.map(t => t.name)")
    assert names == sorted({row["channel"] for row in channels["results"]})
    assert names == ["online", "retail", "wholesale"]
    stacked = page.evaluate(
        "document.getElementById('chart-channels').data.map(t => t.y.reduce((a, b) => a + b, 0))"
    )
    for name, total in zip(names, stacked, strict=True):
        expected = sum(float(r["revenue"]) for r in channels["results"] if r["channel"] == name)
        assert round(total, 2) == round(expected, 2), name
    axis = "document.getElementById('chart-channels').layout.yaxis.title.text"
    assert page.evaluate(axis) == "revenue (USD)"
    assert "USD" in page.locator("#panel-channels h2").inner_text()

    currencies = call(page, shop, "GET", "/api/reports/revenue/currencies")["results"]
    rows = page.locator("#currency-rows tr")
    assert rows.locator("td:first-child").all_inner_texts() == ["EUR", "GBP", "USD"]
    for index, currency in enumerate(["EUR", "GBP", "USD"]):
        mine = [r for r in currencies if r["currency"] == currency]
        converted = round(sum(float(r["revenue"]) for r in mine), 2)
        waiting = sum(r["unconverted_orders"] for r in mine)
        cells = rows.nth(index).locator("td").all_inner_texts()
        assert (cells[4], cells[5]) == (f"{converted:,.2f}", f"{waiting:,}"), currency
    waiting = call(page, shop, "GET", "/api/reports/")["unconverted_orders"]
    assert waiting == sum(r["unconverted_orders"] for r in currencies) > 0  # GBP has no rate
    note = page.locator("#currency-unconverted").inner_text()
    assert note.startswith(f"{waiting:,} orders wait for an exchange rate")
    assert page.locator("#panel-currencies [data-fresh]").inner_text().startswith("fresh")
    shot(page, "dashboard-money")
