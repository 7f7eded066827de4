"""What users do, in a real browser against a real server."""

import itertools
import os
import subprocess
import sys

from playwright.sync_api import expect

from tests.conftest import MAILBOX_PASSWORD, ROOT
from tests.e2e.conftest import screenshot, sign_up

emails = (f"artist{i}@e2e.example" for i in itertools.count())


def test_sign_up_add_a_contact_and_find_it(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Björk")
    page.get_by_label("Last name").fill("Guðmundsdóttir")
    page.get_by_label("Email", exact=True).fill("bjork@label.example")
    page.get_by_label("Company").fill("Northern Radio")
    page.get_by_label("Role").select_option("curator")
    page.locator("main").get_by_role("button", name="Add contact").click()
    page.get_by_role("heading", name="Björk Guðmundsdóttir").wait_for()
    page.goto("/contacts/")
    page.get_by_role("searchbox", name="Search").fill("bjork northern")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_role("link", name="Björk Guðmundsdóttir")).to_be_visible()
    screenshot(page, f"contact-search-{page.viewport_size['width']}")


def test_import_a_csv_map_a_column_preview_and_import(sized_page, tmp_path):
    page = sized_page
    sign_up(page, next(emails))
    source = tmp_path / "sheet.csv"
    source.write_text(
        "Who,E-mail,Label\r\nAna Okafor,ana@bluebird.example,Bluebird\r\n"
        "Ben Stone,not-an-email,Harbor\r\n",
        encoding="utf-8",
    )
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(source))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the columns of sheet.csv").wait_for()
    page.get_by_label("Field for column Who").select_option("full_name")
    page.get_by_role("button", name="Update preview").click()
    counts = page.locator("#import-counts").inner_text()
    assert "1 new" in counts and "1 rejected" in counts
    screenshot(page, f"import-preview-{page.viewport_size['width']}")
    page.get_by_role("button", name="Import 2 rows").click()
    page.get_by_role("heading", name="Rejected rows").wait_for()
    assert "@-sign" in page.content()
    screenshot(page, f"import-result-{page.viewport_size['width']}")


def test_preview_a_template_against_a_contact_as_you_type(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Ana")
    page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/templates/new")
    page.get_by_label("Name").fill("Quick note")
    page.get_by_label("Subject").fill("Hello {{ contact.first_name }}")
    page.get_by_role("combobox", name="Preview for contact").fill("an")
    page.get_by_role("listbox").get_by_role("option", name="Ana").click()
    page.get_by_label("Body").fill(
        'Hi {{ contact.first_name }}, from {{ contact.company | default("me") }}'
    )
    page.locator("[data-preview-body]").get_by_text("Hi Ana, from").wait_for()
    assert page.locator("mark.fallback").first.inner_text() == "me"
    page.get_by_label("Body").fill("{{ contact.frist_name }}")
    page.locator("[data-preview-errors]").get_by_text("Unknown merge field").wait_for()
    screenshot(page, f"template-preview-{page.viewport_size['width']}")


def test_bulk_pitch_see_follow_ups_log_a_reply_and_drag_on_the_board(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    for name in ("Cleo", "Dev"):
        page.goto("/contacts/new")
        page.get_by_label("First name").fill(name)
        page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/releases/")
    page.get_by_label("Title").fill("Night Drive")
    page.get_by_role("button", name="Add release").click()
    page.goto("/contacts/")
    page.get_by_label("Select Cleo").check()
    page.get_by_label("Select Dev").check()
    page.get_by_role("button", name="Pitch selected contacts").click()
    page.get_by_label("Release", exact=True).select_option(label="Night Drive")
    page.get_by_label("Template", exact=True).select_option(label="Playlist-curator pitch")
    page.get_by_role("button", name="Review the emails").click()
    expect(page.get_by_text("Hi Cleo,")).to_be_visible()
    page.get_by_role("button", name="Mark all 2 as sent").click()
    page.get_by_text("Pitched 2 contacts").wait_for()
    page.goto("/")  # the first follow-ups fall due in 7 days
    week = page.locator("section", has=page.get_by_role("heading", name="Next 7 days"))
    expect(week.get_by_text("Follow up #1 with Cleo")).to_be_visible()
    screenshot(page, f"dashboard-{page.viewport_size['width']}")
    page.goto("/pitches/")
    page.get_by_role("link", name="Cleo").click()
    page.get_by_label("Outcome").select_option("interested")
    page.get_by_role("button", name="Log the reply").click()
    page.get_by_text("its follow-ups are cancelled").wait_for()
    page.goto("/pitches/board")
    card = page.locator("article[data-pitch-id]").filter(has_text="Dev")
    if page.viewport_size["width"] >= 576:
        card.drag_to(page.locator('section[data-status="won"]'))
    else:  # one column at a time: the card's own menu
        page.get_by_label("Move Dev to").select_option(label="Won")
        card.get_by_role("button", name="Move").click()
    page.locator('section[data-status="won"]').get_by_role("link", name="Dev").wait_for()
    screenshot(page, f"board-{page.viewport_size['width']}")


def test_export_downloads_a_csv(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Email", exact=True).fill("ana@x.example")
    page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/contacts/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export all as CSV").click()
    path = download.value.path()
    assert open(path, encoding="utf-8-sig").read().splitlines()[1].startswith("Ana,,ana@x.example")


GOOGLE_EXPORT = (
    "First Name,Middle Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Organization Name,Organization Title,Labels,Notes\n"
    "Ana,,Okafor,Work,ana@bluebird.example,Mobile,+44 7700 900123,Bluebird Records,"
    "A&R Manager,* myContacts ::: Festival,Met at TGE\n"
    "Bo,,Lindqvist,Work,bo@northwind.example,,,Northwind Radio,Producer,* myContacts,\n"
)
OUTLOOK_EXPORT = (
    "First Name,Last Name,Company,Job Title,Business Phone,E-mail Address,Categories\r\n"
    "Zoë,Müller,Kölner Konzerte,Booker,,zoe@konzerte.example,Germany\r\n"
    "Ana,Okafor,,,+44 7700 900999,ANA@bluebird.example,\r\n"
)
HAND_MADE_SHEET = (
    "Name;Label;Position;E-mail;IG\n"
    "Cara Díaz;Harbor Touring;Booking Agent;cara@harbor.example;@cara\n"
    "Dan Egan;;;dan-at-nowhere;\n"
    ";;;;\n"
    "Cara Díaz;Harbor Touring;Booking Agent;cara@harbor.example;@cara\n"
)


def _import(page, name: str, counts: list[str]) -> str:
    """Check the mapping page of an uploaded file, import it, and wait for the result."""
    page.get_by_role("heading", name=f"Check the columns of {name}").wait_for()
    preview = page.locator("#import-counts").inner_text()
    assert all(c in preview for c in counts), preview
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name=f"Import of {name}").wait_for()
    page.locator("#import-counts").wait_for()  # the progress bar, then the counts
    result = page.locator("#import-counts").inner_text()
    assert all(c in result for c in counts), result
    return page.url


def test_a_new_user_brings_in_their_whole_address_book(sized_page, tmp_path):
    """The import as the issue's 'done when' tells it: a Google Contacts export, an Outlook
    export and a hand-made sheet through the browser; the mapping and preview of each;
    every good row in and every bad row back with its reason; one import undone; and the
    rest exported to a file Excel opens cleanly."""
    page = sized_page
    sign_up(page, next(emails))

    # Google Contacts: dropped on the upload box.
    page.goto("/imports/")
    drop = page.evaluate_handle(
        """(text) => {
            const files = new DataTransfer();
            files.items.add(new File([text], "google.csv", {type: "text/csv"}));
            return files;
        }""",
        GOOGLE_EXPORT,
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": drop})
    page.get_by_role("heading", name="Check the columns of google.csv").wait_for()
    assert page.get_by_label("Field for column E-mail 1 - Value").input_value() == "email"
    assert page.get_by_label("Field for column Labels").input_value() == "tags"
    _import(page, "google.csv", ["2 new"])

    # Outlook, as Windows writes it (cp1252): a new contact, and Ana again with a new phone.
    outlook = tmp_path / "outlook.csv"
    outlook.write_bytes(OUTLOOK_EXPORT.encode("cp1252"))
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(outlook))
    page.get_by_role("button", name="Upload and preview").click()
    assert "Zoë Müller" in page.locator("main").inner_text()
    outlook_import = _import(page, "outlook.csv", ["1 new", "1 updated"])

    # The hand-made sheet, with semicolons, a bad email, an empty row and a repeated row.
    sheet = tmp_path / "contacts 2026.csv"
    sheet.write_text(HAND_MADE_SHEET, encoding="utf-8")
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and preview").click()
    _import(page, "contacts 2026.csv", ["1 new", "2 skipped", "1 rejected"])
    page.get_by_role("heading", name="Rejected rows").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows").click()
    rejected = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert rejected[0] == "Name,Label,Position,E-mail,IG,error"
    assert rejected[1].startswith("Dan Egan,,,dan-at-nowhere,,email: ")

    # The Outlook import is undone: Zoë goes, Ana gets her old phone back.
    page.goto(outlook_import)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo this import").click()
    page.get_by_text("Import undone: removed 1 contacts, restored 1.").wait_for()

    page.goto("/contacts/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export all as CSV").click()
    exported = open(download.value.path(), "rb").read()
    assert exported.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    lines = exported.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("first_name,last_name,email,phone,role,company")
    by_email = {line.split(",")[2]: line for line in lines[1:]}
    assert sorted(by_email) == [
        "ana@bluebird.example",
        "bo@northwind.example",
        "cara@harbor.example",
    ]
    assert "900123" in by_email["ana@bluebird.example"]
    assert "Festival" in by_email["ana@bluebird.example"]
    assert by_email["cara@harbor.example"].startswith("Cara,Díaz,")
    screenshot(page, "import-done-when")


def test_connect_the_mailbox_then_bulk_pitch_from_it_after_editing_one_email(
    page, server, smtp_server, dovecot
):
    """Tried as a new user would: connect a mailbox (aiosmtpd and Dovecot), pitch three
    contacts in bulk after editing one email, and see them go out from the artist's
    address when the worker's pass runs."""
    address = dovecot.add_user()
    sign_up(page, next(emails))
    page.goto("/mailbox/")
    page.get_by_label("Send from (your address)").fill(address)
    page.get_by_label("User name").fill(address)
    page.get_by_label("App password").fill(MAILBOX_PASSWORD)
    page.get_by_label("SMTP server (outgoing)").fill("127.0.0.1")
    page.get_by_label("SMTP port").fill(str(smtp_server.port))
    page.get_by_label("SMTP security").select_option("none")
    page.get_by_label("IMAP server (incoming)").fill("127.0.0.1")
    page.get_by_label("IMAP port").fill(str(dovecot.port))
    page.get_by_label("IMAP security").select_option("none")
    page.get_by_label("Seconds between two emails").fill("0")
    for day in ("Saturday", "Sunday"):
        page.get_by_label(day).check()
    page.get_by_label("From", exact=True).fill("00:00")
    page.get_by_label("Until").fill("23:59")
    page.get_by_role("button", name="Connect").click()
    page.get_by_text("both servers accepted the login").wait_for()
    screenshot(page, "mailbox")
    for name in ("Ines", "Jon", "Kai"):
        page.goto("/contacts/new")
        page.get_by_label("First name").fill(name)
        page.get_by_label("Email", exact=True).fill(f"{name.lower()}@radio.example")
        page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/contacts/")
    for name in ("Ines", "Jon", "Kai"):
        page.get_by_label(f"Select {name}").check()
    page.get_by_role("button", name="Pitch selected contacts").click()
    page.get_by_label("Template", exact=True).select_option(label="Playlist-curator pitch")
    page.get_by_role("button", name="Review the emails").click()
    page.get_by_text("To: jon@radio.example").wait_for()
    page.get_by_label("Subject to Jon").fill("For your Friday show, Jon")
    screenshot(page, "bulk-review")
    page.get_by_role("button", name=f"Send 3 emails from {address}").click()
    page.get_by_text("Queued 3 emails").wait_for()
    env = {**os.environ, **server.env}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "crm", "mailbox", "send-due"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "sent 3" in done.stdout, done.stdout + done.stderr
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert "For your Friday show, Jon" in subjects and len(subjects) == 3
    assert all(m["From"].endswith(f"<{address}>") for m in smtp_server.messages)


def test_a_pitch_goes_to_a_contact_found_by_three_letters_of_their_city(sized_page, tmp_path):
    """Among 100,000 contacts, the one in Tromsø is found by typing "tro" in the
    compose page's picker; choosing a template fills the email in at once."""
    page = sized_page
    from crm.demo.data import demo_rows
    from crm.imports.export import csv_lines

    sign_up(page, next(emails))
    header = ["first_name", "last_name", "email", "company", "city", "country"]
    rows = [[r[name] for name in header] for r in demo_rows(100_000, seed=11)]
    rows.append(["Sólveig", "Jónsdóttir", "solveig@kex.example", "Kex Hostel", "Tromsø", "NO"])
    book = tmp_path / "everyone.csv"
    book.write_text("".join(csv_lines(rows, header=header)), encoding="utf-8")
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(book))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the columns of everyone.csv").wait_for()
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Import of everyone.csv").wait_for()
    page.locator("#import-counts").wait_for(timeout=120_000)
    assert "100,001 new" in page.locator("#import-counts").inner_text()

    page.goto("/pitches/new")
    picker = page.get_by_role("combobox", name="To", exact=True)
    picker.fill("tro")
    page.get_by_role("listbox").get_by_role("option", name="Sólveig Jónsdóttir").wait_for()
    assert page.get_by_role("listbox").get_by_role("option").count() == 1
    picker.press("Enter")  # the first match is highlighted
    assert "solveig@kex.example" in page.locator("[data-picker-status]").inner_text()
    with page.expect_navigation():
        page.get_by_label("Template", exact=True).select_option(index=1)
    assert "Sólveig" in page.get_by_label("Message", exact=True).input_value()
    screenshot(page, f"compose-picked-by-city-{page.viewport_size['width']}")
    page.get_by_role("button", name="Mark as sent").click()
    page.get_by_role("heading", name="Pitch to Sólveig Jónsdóttir").wait_for()


def test_without_javascript_the_picker_lists_what_matches(browser, server):
    """The compose page without a script: a search field, a Find button, the matches as
    a list to choose from."""
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_up(page, next(emails))
        for first, city in (("Ana", "Berlin"), ("Bea", "Bern"), ("Cleo", "Paris")):
            page.goto("/contacts/new")
            page.get_by_label("First name").fill(first)
            page.get_by_label("City").fill(city)
            page.locator("main").get_by_role("button", name="Add contact").click()
        page.goto("/pitches/new")
        page.get_by_role("combobox", name="To", exact=True).fill("ber")
        page.get_by_role("button", name="Find").click()
        assert page.get_by_role("radio").count() == 2
        page.get_by_role("radio", name="Bea").check()
        page.get_by_label("Subject").fill("Hello")
        page.get_by_role("button", name="Mark as sent").click()
        page.get_by_role("heading", name="Pitch to Bea").wait_for()
    finally:
        context.close()


def test_1284_filtered_contacts_get_a_tag_in_one_action_which_is_then_undone(sized_page, tmp_path):
    page = sized_page
    sign_up(page, next(emails))
    rows = [f"Berliner {n},b{n}@berlin.example,Berlin" for n in range(1_284)]
    rows += [f"Parisian {n},p{n}@paris.example,Paris" for n in range(100)]
    book = tmp_path / "book.csv"
    book.write_text("name,email,city\n" + "\n".join(rows), encoding="utf-8")
    page.goto("/imports/")
    page.get_by_label("CSV file").set_input_files(str(book))
    page.get_by_role("button", name="Upload and preview").click()
    _import(page, "book.csv", ["1,384 new"])

    page.goto("/contacts/?q=berlin")
    # Ticked on two pages, counted as one selection.
    page.get_by_label("Select every contact on this page").check()
    assert "50 selected" in page.locator("[data-selected-count]").inner_text()
    page.get_by_role("link", name="Next").click()
    page.get_by_label("Select Berliner", exact=False).first.check()
    assert "51 selected" in page.locator("[data-selected-count]").inner_text()

    page.get_by_label("All 1,284 matching this list").check()
    assert "1,284 selected" in page.locator("[data-selected-count]").inner_text()
    page.get_by_label("Action").select_option(label="Add a tag")
    page.get_by_label("Tag or genre").fill("Festival 2027")
    assert page.get_by_label("New role").is_hidden()  # only the action's own field
    page.get_by_role("button", name="Apply to the selection").click()
    page.get_by_text("Tag “Festival 2027” added: 1,284 contacts.").first.wait_for()
    screenshot(page, f"bulk-tagged-{page.viewport_size['width']}")
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Undone: tag “festival 2027” added, for 1,284 contacts.").wait_for()
    page.goto("/contacts/?q=festival")
    assert "No contacts match" in page.locator("main").inner_text()


def test_keyboard_shortcuts_and_a_quick_add_from_any_page(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    page.goto("/pitches/")
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    page.get_by_label("First name").fill("Quinn")
    page.get_by_label("Email", exact=True).fill("quinn@radio.example")
    page.locator("#quick-role").select_option(label="Playlist Curator")
    page.locator("#quick-add").get_by_role("button", name="Add contact").click()
    page.get_by_text("Added Quinn.").wait_for()
    assert page.url.endswith("/pitches/")  # back where the user was
    # The flash is drawn before the page's script has run (it comes last): a key pressed
    # in between does nothing, for a person on a slow machine too.
    page.wait_for_load_state()
    page.keyboard.press("/")
    page.wait_for_url("**/contacts/?focus=search")
    expect(page.locator("#q")).to_be_focused()
    expect(page.get_by_role("link", name="Quinn")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator("body").click()
    page.keyboard.press("p")
    page.wait_for_url("**/pitches/new")


def test_role_and_tags_are_changed_in_place_on_the_list(sized_page):
    page = sized_page
    sign_up(page, next(emails))
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Ravi")
    page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/contacts/")
    page.get_by_role("button", name="Edit the role of Ravi").click()
    page.get_by_label("Role of Ravi", exact=True).select_option(label="Booking Agent")
    page.get_by_role("cell", name="Booking Agent").wait_for()
    page.get_by_role("button", name="Edit the tags of Ravi").click()
    page.get_by_label("Tags of Ravi (separated by ;)", exact=True).fill("festival; warm intro")
    page.get_by_label("Tags of Ravi (separated by ;)", exact=True).press("Enter")
    page.locator(".badge", has_text="warm intro").wait_for()
    page.reload()
    assert "Booking Agent" in page.locator("main").inner_text()
    assert page.locator(".badge", has_text="festival").count() == 1


def test_the_import_mapping_works_on_a_phone(browser, server, tmp_path):
    """At 390 px each column of the file is a card with its examples and its menu, all on
    the screen."""
    context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_up(page, next(emails))
        sheet = tmp_path / "phone.csv"
        sheet.write_text(
            "Who,E-mail,Label,Position,Town,Mobile\n"
            "Ana Okafor,ana@bluebird.example,Bluebird,A&R,Lagos,+234 803 123 4567\n",
            encoding="utf-8",
        )
        page.goto("/imports/")
        page.get_by_label("CSV file").set_input_files(str(sheet))
        page.get_by_role("button", name="Upload and preview").click()
        page.get_by_role("heading", name="Check the columns of phone.csv").wait_for()
        menu = page.get_by_label("Field for column Town")
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        menu.select_option("city")
        screenshot(page, "390-import-mapping")
    finally:
        context.close()


def test_a_new_account_follows_the_checklist_to_its_first_pitch(sized_page):
    """The dashboard's first steps, taken one by one from their own buttons, tick
    themselves; the last one sends the first pitch."""
    page = sized_page
    sign_up(page, next(emails))
    steps = page.get_by_role("region", name="First steps")
    assert "0 of 5 done" in steps.inner_text()
    steps.get_by_role("link", name="Import contacts").click()
    page.get_by_role("heading", name="Import contacts").first.wait_for()
    page.goto("/contacts/new")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Email", exact=True).fill("nia@radio.example")
    page.locator("main").get_by_role("button", name="Add contact").click()
    page.goto("/")
    assert "1 of 5 done" in steps.inner_text()
    steps.get_by_role("link", name="Add a release").click()
    page.get_by_label("Title").fill("Night Drive")
    page.locator("main").get_by_role("button", name="Add release").click()
    page.goto("/")
    assert "2 of 5 done" in steps.inner_text()
    steps.get_by_role("link", name="Set reminders").click()
    page.get_by_role("button", name="Save").first.click()
    page.goto("/")
    assert "3 of 5 done" in steps.inner_text()
    steps.get_by_role("link", name="Compose").click()
    picker = page.get_by_role("combobox", name="To", exact=True)
    picker.fill("nia")
    page.get_by_role("listbox").get_by_role("option", name="Nia").click()
    page.get_by_label("Subject").fill("Night Drive")
    page.get_by_label("Message", exact=True).fill("Hi Nia, here is the single.")
    page.get_by_role("button", name="Mark as sent").click()
    page.get_by_role("heading", name="Pitch to Nia").wait_for()
    page.goto("/")
    assert "4 of 5 done" in steps.inner_text()
    screenshot(page, f"first-steps-{page.viewport_size['width']}")
