"""The API speaks JSON, errors included, and documents itself truthfully."""


def test_unknown_api_urls_are_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found."}


def test_wrong_method_is_json_405(api):
    response = api.open("PUT", "/api/v1/contacts")
    assert response.status_code == 405
    assert response.get_json()["error"]


def test_server_errors_are_json_and_roll_back(app, api, monkeypatch):
    import crm.api.contacts as resource

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(resource.services, "search_contacts", explode)
    app.testing = False  # let Flask turn the exception into a 500, as in production
    response = api.get("/api/v1/contacts")
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal error. Nothing was saved."}


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api-docs.openapi_json":
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, f"{method} {path} is not documented"
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page


def test_nul_characters_are_refused_before_they_reach_the_database(api, client, user):
    response = api.post("/api/v1/contacts", json={"first_name": "A\u0000na"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Text may not contain NUL characters."}
    response = client.post("/api/v1/tokens", json={"email": "\u0000", "password": "x"})
    assert response.status_code == 400
    assert api.get("/api/v1/contacts?q=%00").status_code == 400
