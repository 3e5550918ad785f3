"""Screenshots of the public notice board at 390×844 (a phone) into docs/screenshots/board-*.png.

    python scripts/board_screenshots.py http://127.0.0.1:8000

against a running site with the demo data (``make run``): the board, its first item with an
objection window and the service-quality page (服务公示), in Chinese. Headless Chromium
(/usr/bin/chromium) through Playwright. Fails when a page scrolls sideways at 390 px.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_context(
            viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True
        ).new_page()
        shots = [
            ("board-home", f"{base}/notices/"),
            ("board-service-quality", f"{base}/notices/service-quality/"),
        ]
        page.goto(shots[0][1])
        item = page.locator(".notice-list__link").first.get_attribute("href")
        shots.insert(1, ("board-item", f"{base}{item}"))
        for name, url in shots:
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                raise SystemExit(f"{url} scrolls sideways by {overflow} px at 390 px")
            # The board's first screen; an item and the service-quality page whole.
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=name != "board-home")
            print(OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
