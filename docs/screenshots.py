"""The README's screenshots, from a running demo: `make run`, then

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000 admin PASSWORD

(the password `make run` printed). Needs Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).parent / "screenshots"


def main(base: str, username: str, password: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base + "/")
        page.screenshot(path=OUT / "landing.png", full_page=True)
        page.goto(base + "/dashboard/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_function("window.dashboard && window.dashboard.updates > 0")
        page.wait_for_timeout(500)  # the charts' transitions
        page.screenshot(path=OUT / "dashboard.png", full_page=True)
        page.goto(base + "/admin/orders/order/?current_status__exact=Cancelled")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=OUT / "admin-orders.png")
        browser.close()
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
