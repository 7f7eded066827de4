"""A user opens the template library, previews, edits, catches a typo, and copies an email."""

from sqlalchemy import func, select

from crm.mail_templates.starter import STARTER_TEMPLATES
from crm.models import EmailTemplate

GOOD = {
    "name": "My A&R query",
    "purpose": "ar_query",
    "subject": "Hi {{ contact.first_name }}",
    "body": 'Hello {{ contact.first_name | default("there") }},\nListen: {{ release.stream_url }}',
}


def test_a_new_account_gets_the_starter_library(logged_in):
    page = logged_in.get("/templates/").get_data(as_text=True)
    for starter in STARTER_TEMPLATES:
        assert starter["name"].replace("&", "&amp;") in page
    assert len(STARTER_TEMPLATES) >= 8


def test_creating_a_template(logged_in, session, user):
    response = logged_in.submit("/templates/new", GOOD)
    assert response.status_code == 302
    template = session.scalar(select(EmailTemplate).where(EmailTemplate.name == "My A&R query"))
    assert template.body.startswith("Hello")


def test_a_typo_is_flagged_before_saving_and_nothing_is_lost(logged_in, session):
    before = session.scalar(select(func.count(EmailTemplate.id)))
    response = logged_in.submit("/templates/new", {**GOOD, "body": "Hi {{ contact.frist_name }}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Unknown merge field “contact.frist_name”" in page
    assert "Hi {{ contact.frist_name }}" in page  # kept in the textarea
    assert session.scalar(select(func.count(EmailTemplate.id))) == before


def test_a_subject_is_required(logged_in):
    response = logged_in.submit("/templates/new", {**GOOD, "subject": "  "})
    assert "A template needs a subject." in response.get_data(as_text=True)


def test_live_preview_renders_for_a_contact_and_marks_fallbacks(logged_in, make_contact, user):
    ana = make_contact(user.account, first_name="Ana", company="Bluebird")
    nobody = make_contact(user.account, last_name="Okafor")
    result = logged_in.post(
        "/templates/preview",
        data={**GOOD, "contact_id": ana.id},
        headers={"X-CSRFToken": logged_in.csrf_token()},
    ).get_json()
    assert result["errors"] == {} and result["subject"] == "Hi Ana"
    result = logged_in.post(
        "/templates/preview",
        data={**GOOD, "contact_id": nobody.id},
        headers={"X-CSRFToken": logged_in.csrf_token()},
    ).get_json()
    assert result["body"].startswith('Hello <mark class="fallback" title="fallback">there</mark>')


def test_preview_shows_html_in_contact_fields_as_text(logged_in, make_contact, user):
    evil = make_contact(user.account, first_name="<script>alert(1)</script>")
    result = logged_in.post(
        "/templates/preview",
        data={**GOOD, "contact_id": evil.id},
        headers={"X-CSRFToken": logged_in.csrf_token()},
    ).get_json()
    assert "<script>" not in result["subject"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result["subject"]
    template = logged_in.submit("/templates/new", GOOD).headers["Location"]
    page = logged_in.get(f"{template}?contact_id={evil.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_preview_reports_problems_as_you_type(logged_in):
    result = logged_in.post(
        "/templates/preview",
        data={**GOOD, "body": "{{ config }}"},
        headers={"X-CSRFToken": logged_in.csrf_token()},
    ).get_json()
    assert "is not a merge field" in result["errors"]["body"][0]


def test_preview_never_uses_another_accounts_contact(logged_in, make_user, make_contact):
    other = make_user("other@example.com")
    theirs = make_contact(other.account, first_name="Secretname")
    result = logged_in.post(
        "/templates/preview",
        data={**GOOD, "contact_id": theirs.id},
        headers={"X-CSRFToken": logged_in.csrf_token()},
    ).get_json()
    assert "Secretname" not in result["subject"] + result["body"]


def test_rendered_email_can_be_copied_or_opened_in_a_mail_app(logged_in, make_contact, user):
    ana = make_contact(user.account, first_name="Ana", email="ana@x.example")
    location = logged_in.submit("/templates/new", GOOD).headers["Location"]
    page = logged_in.get(f"{location}?contact_id={ana.id}").get_data(as_text=True)
    assert 'data-copy="#plain-email"' in page
    assert "mailto:ana%40x.example?subject=Hi%20Ana&amp;body=Hello%20Ana" in page


def test_edit_duplicate_archive_and_delete(logged_in, session):
    location = logged_in.submit("/templates/new", GOOD).headers["Location"]
    template_id = int(location.rstrip("/").split("/")[-1])
    edited = logged_in.submit(f"/templates/{template_id}/edit", {**GOOD, "name": "Renamed"})
    assert edited.status_code == 302
    copy = logged_in.submit(f"/templates/{template_id}/duplicate")
    assert copy.status_code == 302
    assert session.scalar(select(func.count()).where(EmailTemplate.name == "Renamed (copy)")) == 1
    logged_in.submit(f"/templates/{template_id}/archive", {"archived": "1"})
    assert "Renamed</a>" not in logged_in.get("/templates/").get_data(as_text=True)
    assert "Renamed</a>" in logged_in.get("/templates/?archived=1").get_data(as_text=True)
    logged_in.submit(f"/templates/{template_id}/delete")
    assert logged_in.get(f"/templates/{template_id}").status_code == 404


def test_api_crud_and_render(api, make_contact, user):
    ana = make_contact(user.account, first_name="Ana", company="Bluebird")
    created = api.post("/api/v1/templates", json=GOOD)
    assert created.status_code == 201
    template = created.get_json()
    assert api.get(f"/api/v1/templates/{template['id']}").get_json()["name"] == GOOD["name"]
    rendered = api.post(
        f"/api/v1/templates/{template['id']}/render", json={"contact_id": ana.id}
    ).get_json()
    assert rendered == {"subject": "Hi Ana", "body": "Hello Ana,\nListen: "}
    bad = api.patch(f"/api/v1/templates/{template['id']}", json={"body": "{{ self }}"})
    assert bad.status_code == 422 and "body" in bad.get_json()["fields"]
    assert api.get("/api/v1/templates?per_page=100").get_json()["total"] == 9
    assert api.delete(f"/api/v1/templates/{template['id']}").status_code == 204


def test_api_render_with_another_accounts_contact_is_404(api, make_user, make_contact):
    other = make_user("other@example.com")
    theirs = make_contact(other.account, first_name="Secret")
    template_id = api.get("/api/v1/templates").get_json()["items"][0]["id"]
    response = api.post(f"/api/v1/templates/{template_id}/render", json={"contact_id": theirs.id})
    assert response.status_code == 404 and "Secret" not in response.get_data(as_text=True)
