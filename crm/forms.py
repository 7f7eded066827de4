"""The base every form builds on, and the bridge from field rules to form errors."""

from __future__ import annotations

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """A CSRF-protected form that can take errors found after its own validators ran."""

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.extend(messages)
                continue
            field.errors = [*field.errors, *messages]


class EmptyForm(BaseForm):
    """A form with no fields: the CSRF token of a one-button action (done, delete, ...)."""
