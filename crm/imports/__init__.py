"""CSV import and export of contacts: reading files of any common shape, mapping their
columns, planning and running imports (with undo), and writing exports. No Flask in here:
the web pages, the API and the CLI all call these functions."""


def init_app(app) -> None:
    from crm.imports import routes

    app.register_blueprint(routes.bp)
