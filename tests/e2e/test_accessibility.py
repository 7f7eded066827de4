"""Accessibility: every page passes axe-core's WCAG 2.1 A and AA checks (labels, headings,
landmarks, contrast, names of links and buttons), and the main journeys work with the
keyboard alone.

axe-core comes from the npm registry and is vendored in tests/e2e/vendor by `make vendor`."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import TestConfig
from crm import create_app
from crm.accounts.services import create_user
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot, sign_up
from tests.objects import one_of_everything, page_urls

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SAMPLE_USER = "a11y@e2e.example"


@pytest.fixture(scope="module")
def sample_pages(server) -> list[str]:
    """An account in the served database holding one of everything; the URL of each page."""
    app = create_app(TestConfig(server.database_url, SECRET_KEY="e2e"))
    session = app.extensions["crm.db"]()
    user = create_user(
        session, email=SAMPLE_USER, password=PASSWORD, name="Robin Vale", artist_name="Night Owls"
    )
    objects = one_of_everything(session, user, "Aurora Lane", email="aurora@e2e.example")
    session.commit()
    urls = page_urls(app, objects)
    session.close()
    app.extensions["crm.db"].kw["bind"].dispose()
    return urls


def axe_violations(page) -> list[str]:
    """axe-core's findings on the page as it stands, one line each."""
    page.evaluate(AXE)  # through the DevTools protocol, so the page's CSP does not apply
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations",
        WCAG,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def test_every_page_passes_axe(page, sample_pages):
    findings: dict[str, list[str]] = {}
    for url in ("/account/login", "/account/signup"):
        page.goto(url)
        findings[url] = axe_violations(page)
    log_in(page, SAMPLE_USER)
    checked = 0
    for url in sample_pages:
        if "text/html" not in page.request.get(url).headers.get("content-type", ""):
            continue  # a download or JSON for scripts
        page.goto(url)
        findings[url] = axe_violations(page)
        checked += 1
    assert checked >= 25
    failing = {url: found for url, found in findings.items() if found}
    assert not failing, "\n".join(f"{url}\n  " + "\n  ".join(f) for url, f in failing.items())


# --- the keyboard alone ----------------------------------------------------------------


def tab_to(page, target, limit: int = 120) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through a page, and
    check the focus can be seen where it lands."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert target.evaluate("el => el.matches(':focus-visible')"), "focus not shown"
            return
    raise AssertionError(f"Tab never reaches {target}")


def type_into(page, label: str, text: str) -> None:
    tab_to(page, page.get_by_label(label, exact=True))
    page.keyboard.type(text)


def press(page, target) -> None:
    """Tab to a link or a submit button and press Enter; wait for the page it leads to."""
    tab_to(page, target)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_keyboard_user_signs_up_adds_a_contact_pitches_and_logs_the_reply(page):
    page.goto("/account/signup")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement") and skip.is_visible()
    type_into(page, "Your name", "Robin Vale")
    type_into(page, "Artist or band name", "The Night Owls")
    type_into(page, "Email", "keyboard@e2e.example")
    type_into(page, "Password", "correct horse battery")
    type_into(page, "Repeat password", "correct horse battery")
    press(page, page.locator("main").get_by_role("button", name="Sign up"))
    page.wait_for_url("**/")

    press(page, page.get_by_role("link", name="Contacts", exact=True))
    press(page, page.get_by_role("link", name="Add contact"))
    type_into(page, "First name", "Cleo")
    type_into(page, "Email", "cleo@not-an-email")
    tab_to(page, page.get_by_label("Role"))
    page.keyboard.type("Playlist")
    press(page, page.locator("main").get_by_role("button", name="Add contact"))
    page.locator(".invalid-feedback", has_text="@-sign").wait_for()
    assert page.get_by_label("First name").input_value() == "Cleo"  # nothing typed is lost
    assert axe_violations(page) == []  # the error state too
    page.get_by_label("Email", exact=True).fill(
        ""
    )  # start over in the same field, still by keyboard
    type_into(page, "Email", "cleo@radio.example")
    press(page, page.locator("main").get_by_role("button", name="Add contact"))
    page.get_by_role("heading", name="Cleo").wait_for()
    assert "Playlist Curator" in page.locator("main").inner_text()

    press(page, page.get_by_role("link", name="Pitch", exact=True))
    tab_to(page, page.get_by_label("Template", exact=True))
    with page.expect_navigation():  # choosing the template fills the email in at once
        page.keyboard.type("Playlist")
    assert "Cleo" in page.get_by_label("Message", exact=True).input_value()
    press(page, page.get_by_role("button", name="Mark as sent"))
    page.get_by_role("button", name="Log the reply").wait_for()
    tab_to(page, page.get_by_label("Outcome"))
    page.keyboard.type("Interested")
    press(page, page.get_by_role("button", name="Log the reply"))
    page.get_by_text("its follow-ups are cancelled").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "keyboard-reply")


def test_a_keyboard_user_moves_a_card_and_clears_a_follow_up(page):
    sign_up(page, "keyboard-board@e2e.example")
    for name in ("Dev", "Esme"):
        page.goto("/contacts/new")
        page.get_by_label("First name").fill(name)
        page.locator("main").get_by_role("button", name="Add contact").click()
        page.get_by_role("link", name="Pitch", exact=True).click()
        page.get_by_role("button", name="Mark as sent").click()
        page.get_by_role("button", name="Log the reply").wait_for()

    page.goto("/pitches/board")
    tab_to(page, page.get_by_label("Move Dev to"))
    page.keyboard.type("Won")
    press(page, page.locator("article", has_text="Dev").get_by_role("button", name="Move"))
    page.locator('section[data-status="won"]').get_by_role("link", name="Dev").wait_for()
    assert axe_violations(page) == []

    page.goto("/")
    done = page.get_by_role("button", name="I followed up (follow-up #1 with Esme)")
    press(page, done)
    page.get_by_text("Follow-up #1 with Esme done.").wait_for()
    assert page.get_by_role("button", name="I followed up (follow-up #1 with Esme)").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "keyboard-dashboard")


# --- a phone ---------------------------------------------------------------------------


def _shot_name(url: str, width: int) -> str:
    stem = url.strip("/").split("?")[0].replace("/", "-") or "dashboard"
    return f"{width}-{stem}"


# What scrolls sideways: the page itself, or a region of it (a wide table in its box).
SIDEWAYS = """() => {
  const found = [];
  const root = document.documentElement;
  const over = (el) => el.scrollWidth - el.clientWidth;
  if (over(root) > 0) found.push("page +" + over(root));
  document.querySelectorAll("main *").forEach((el) => {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && over(el) > 1) {
      found.push((el.getAttribute("aria-label") || el.className) + " +" + over(el));
    }
  });
  return found;
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_every_page_fits_the_screen_and_passes_axe_at_both_widths(
    browser, server, sample_pages, width, height
):
    """Nothing scrolls sideways or is cut off, at a laptop's width and at a phone's; a
    screenshot of each page at each width lands in tests/e2e/screenshots/."""
    context = browser.new_context(base_url=server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        log_in(page, SAMPLE_USER)
        wide: dict[str, list[str]] = {}
        findings: dict[str, list[str]] = {}
        logged_out_only = ("/account/login", "/account/logout", "/account/signup")
        for url in ["/", *(u for u in sample_pages if u not in logged_out_only)]:
            if "text/html" not in page.request.get(url).headers.get("content-type", ""):
                continue
            page.goto(url)
            overflow = page.evaluate(SIDEWAYS)
            if overflow:
                wide[url] = overflow
            if width < 576:
                findings[url] = axe_violations(page)
            screenshot(page, _shot_name(url, width))
        assert not wide, f"what scrolls sideways at {width} px: {wide}"
        failing = {url: found for url, found in findings.items() if found}
        assert not failing, "\n".join(f"{url}\n  " + "\n  ".join(f) for url, f in failing.items())
    finally:
        context.close()
