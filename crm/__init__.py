"""Stagedoor: an industry-contacts CRM and pitch tracker for independent artists."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None) -> Flask:
    """Assemble the app: configuration, extensions, blueprints, commands. No I/O here."""
    from config import Config
    from crm import (
        accounts,
        api,
        contacts,
        db,
        demo,
        errors,
        extensions,
        filters,
        home,
        imports,
        mail_templates,
        pitches,
        reminders,
        security,
    )

    config = config if config is not None else Config()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=getattr(config, "INSTANCE_PATH", str(ROOT / "instance")),
    )
    app.config.from_object(config)

    for part in (
        db,
        extensions,
        security,
        errors,
        filters,
        home,
        accounts,
        contacts,
        imports,
        mail_templates,
        pitches,
        reminders,
        demo,
        api,
    ):
        part.init_app(app)
    return app
