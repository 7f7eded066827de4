"""A script lists, creates, reads, changes and deletes contacts with the web's rules."""

import pytest


def test_create_then_read_a_contact(api):
    response = api.post(
        "/api/v1/contacts",
        json={
            "first_name": "Ana",
            "last_name": "Okafor",
            "email": "ana@bluebird.example",
            "role": "A&R",
            "company": "Bluebird Records",
            "genres": ["Indie", "Folk"],
            "tags": ["priority"],
            "country": "uk",
            "phone": "07700 900123",
            "do_not_contact": False,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["role"] == "ar"
    assert body["country"] == "United Kingdom"
    assert body["phone"] == "+44 7700 900123"
    assert body["company"] == "Bluebird Records"
    assert sorted(body["genres"]) == ["Folk", "Indie"]
    assert body["do_not_contact"] is False
    fetched = api.get(f"/api/v1/contacts/{body['id']}").get_json()
    assert fetched == body


def test_validation_errors_are_per_field(api):
    response = api.post("/api/v1/contacts", json={"email": "ana@", "role": "wizard"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Some fields are not valid."
    assert set(body["fields"]) == {"email", "role"}


def test_an_empty_contact_is_refused(api):
    response = api.post("/api/v1/contacts", json={})
    assert response.status_code == 422
    assert "first_name" in response.get_json()["fields"]


def test_duplicate_email_is_a_422_on_email(api):
    api.post("/api/v1/contacts", json={"email": "ana@x.example"})
    response = api.post("/api/v1/contacts", json={"email": "ANA@x.example"})
    assert response.status_code == 422
    assert "already has this email address" in response.get_json()["fields"]["email"][0]


def test_wrong_types_and_unknown_fields_are_422(api):
    response = api.post("/api/v1/contacts", json={"first_name": 5, "genres": "x", "age": 3})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"first_name", "genres", "age"}


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/contacts", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("The request body is not valid JSON (")


def test_patch_changes_only_what_is_sent(api):
    contact = api.post(
        "/api/v1/contacts", json={"first_name": "Ana", "city": "Leeds", "country": "GB"}
    ).get_json()
    response = api.patch(f"/api/v1/contacts/{contact['id']}", json={"phone": "07700 900456"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["phone"] == "+44 7700 900456"  # the stored country makes a local number work
    assert (body["first_name"], body["city"]) == ("Ana", "Leeds")


def test_patch_cannot_leave_a_contact_without_name_or_email(api):
    contact = api.post("/api/v1/contacts", json={"first_name": "Ana"}).get_json()
    response = api.patch(f"/api/v1/contacts/{contact['id']}", json={"first_name": ""})
    assert response.status_code == 422


def test_delete(api):
    contact = api.post("/api/v1/contacts", json={"first_name": "Ana"}).get_json()
    assert api.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    assert api.get(f"/api/v1/contacts/{contact['id']}").status_code == 404


def test_list_filters_and_pages(api):
    for i in range(7):
        api.post(
            "/api/v1/contacts",
            json={
                "first_name": f"Person{i}",
                "role": "curator" if i % 2 else "press",
                "tags": ["radio"] if i < 3 else [],
                "genres": ["Jazz"],
                "country": "DE",
            },
        )
    page = api.get("/api/v1/contacts?per_page=3&page=3").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (7, 3, 3, 1)
    assert api.get("/api/v1/contacts?role=curator").get_json()["total"] == 3
    assert api.get("/api/v1/contacts?tag=radio").get_json()["total"] == 3
    assert api.get("/api/v1/contacts?genre=jazz&country=Germany").get_json()["total"] == 7
    assert api.get("/api/v1/contacts?q=person4").get_json()["items"][0]["first_name"] == "Person4"


@pytest.mark.parametrize(
    "query", ["per_page=201", "per_page=0", "page=0", "role=wizard", "sort=evil", "page=abc"]
)
def test_bad_list_arguments_are_422(api, query):
    response = api.get(f"/api/v1/contacts?{query}")
    assert response.status_code == 422
    assert response.get_json()["fields"]


def test_other_accounts_contacts_are_404_never_data(api, make_user, make_contact):
    other = make_user("other@example.com")
    theirs = make_contact(other.account, first_name="Secret", email="secret@x.example")
    for method in ("GET", "PATCH", "DELETE"):
        response = api.open(method, f"/api/v1/contacts/{theirs.id}", json={"city": "x"})
        assert response.status_code == 404
        assert response.get_json() == {"error": "No such contact."}
    assert api.get("/api/v1/contacts?q=secret").get_json()["total"] == 0
