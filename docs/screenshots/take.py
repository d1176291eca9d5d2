"""Take the README's screenshots from a running demo (``make run``), with the machine's Chromium.

.venv/bin/python docs/screenshots/take.py http://127.0.0.1:8000 var/demo-logins.txt
"""

from __future__ import annotations

import base64
import re
import sys
import tempfile
from pathlib import Path

from django_otp.oath import totp
from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def login(page: Page, base: str, username: str, password: str, key: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    if key:  # conveners pass two-step sign-in with the demo's authenticator app key
        page.wait_for_url(f"{base}/accounts/two-step/verify/**")
        page.fill("input[name=code]", f"{totp(base64.b32decode(key)):06d}")
        page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def open_link(page: Page, text: str) -> None:
    page.get_by_role("link", name=text).first.click()
    page.wait_for_load_state("networkidle")


def main(base: str, logins_file: str) -> None:
    rows = [line.split("\t") for line in Path(logins_file).read_text().splitlines()]
    _, username, password, key = next(row for row in rows if row[0] == "convener")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        login(page, base, username, password, key)
        page.screenshot(path=OUT / "dashboard.png", full_page=False)
        page.goto(f"{base}/processes/")
        open_link(page, "Selka Strait Coastal Dialogue")
        process_url = page.url
        page.screenshot(path=OUT / "process.png", full_page=False)
        open_link(page, "Process health")
        page.wait_for_timeout(1500)
        page.screenshot(path=OUT / "health.png", full_page=False)
        page.goto(f"{base}/consultations/")
        hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
        consultation = next(h for h in hrefs if re.fullmatch(r"/consultations/\d+/", h))
        page.goto(f"{base}{consultation}results/")
        page.wait_for_timeout(2000)
        page.screenshot(path=OUT / "consultation-map.png", full_page=False)
        page.goto(f"{base}/ideas/")
        page.get_by_role("link", name=re.compile("hotline", re.I)).first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / "idea-journey.png", full_page=False)
        phone = context.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(process_url)
        phone.locator("#meetings a").first.click()
        phone.wait_for_load_state("networkidle")
        phone.screenshot(path=OUT / "meeting-phone.png", full_page=False)
        context.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
