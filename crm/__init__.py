"""Stagedoor: an industry-contacts CRM and pitch tracker for independent artists."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None) -> Flask:
    """Assemble the app: configuration, extensions, blueprints, commands. No I/O here."""
    from config import Config
    from crm import (
        accounts,
        api,
        backup,
        contacts,
        db,
        demo,
        errors,
        extensions,
        filters,
        imports,
        mail_templates,
        mailbox,
        pitches,
        releases,
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
        accounts,
        contacts,
        imports,
        mail_templates,
        mailbox,
        pitches,
        releases,
        reminders,
        backup,
        demo,
        api,
    ):
        part.init_app(app)
    return app


def freeze_start_up_heap() -> None:
    """Put everything made while assembling the app (mappers, compiled templates, routing
    tables: a hundred thousand objects that live as long as the process) out of the garbage
    collector's sight. Without it, every full collection walks all of them: 70 ms or more
    now and then after a request on a large account's board (benchmarks/dashboard.py), and
    1.0 s of a 100,000-row import (benchmarks/import_csv.py). For the web server's process
    and for long commands, after the app is made."""
    gc.collect()
    gc.freeze()
