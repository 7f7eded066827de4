"""Contact and company forms. Field rules live in crm.contacts.fields, not here: the form
only collects the input and shows the errors that `clean_contact` finds."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from crm.contacts.fields import FieldError, clean_contact, clean_country, clean_url
from crm.forms import BaseForm
from crm.models.contacts import COMPANY_KIND_LABELS, ROLE_LABELS, CompanyKind


class ContactForm(BaseForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    email = StringField("Email", render_kw={"type": "email", "autocomplete": "off"})
    other_emails = TextAreaField(
        "Other email addresses",
        description="One a line: a work and a personal address, say. Replies from any of"
        " them count, and an import finds the person by any of them.",
        render_kw={"rows": 2, "autocomplete": "off", "spellcheck": "false"},
    )
    phone = StringField(
        "Phone",
        render_kw={"type": "tel"},
        description="With the country code, or set the country below; without either,"
        " it is read as a number of your own country (the one of your time zone).",
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()],
        validate_choice=False,  # crm.contacts.fields.clean_role decides, with a clearer message
    )
    company = StringField(
        "Company",
        description="Label, agency, management firm or outlet.",
        render_kw={"list": "company-names", "autocomplete": "off"},
    )
    title = StringField("Job title")
    city = StringField("City")
    country = StringField("Country")
    genres = StringField("Genres", description="Separate with semicolons: indie; folk")
    tags = StringField("Tags", description="Separate with semicolons: festival; priority")
    website = StringField("Website")
    instagram = StringField("Instagram", description="@handle or profile link")
    twitter = StringField("X / Twitter", description="@handle or profile link")
    tiktok = StringField("TikTok", description="@handle or profile link")
    linkedin = StringField("LinkedIn", description="Profile link")
    notes = TextAreaField("Notes", render_kw={"rows": 5})
    do_not_contact = BooleanField(
        "Do not contact",
        description="They asked not to be pitched: Stagedoor will refuse to pitch them.",
    )

    cleaned: dict

    def __init__(self, *args, home: str | None = None, **kwargs):
        """`home`: the account's country, for a phone without a country code."""
        super().__init__(*args, **kwargs)
        self.home = home

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        raw = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        result = clean_contact(raw, home=self.home)
        self.add_errors(result.errors)
        self.cleaned = result.values
        return result.ok

    @classmethod
    def data_from(cls, values: dict) -> dict:
        """Form data from a contact's values (lists joined for the text inputs)."""
        data = dict(values)
        data["genres"] = "; ".join(values.get("genres", []))
        data["tags"] = "; ".join(values.get("tags", []))
        data["other_emails"] = "\n".join(values.get("other_emails", []))
        return data


class CompanyForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(k.value, label) for k, label in COMPANY_KIND_LABELS.items()],
    )
    website = URLField("Website", render_kw={"type": "text"})
    city = StringField("City", validators=[Length(max=120)])
    country = StringField("Country", validators=[Length(max=120)])
    notes = TextAreaField("Notes", render_kw={"rows": 4}, validators=[Length(max=20_000)])

    cleaned: dict

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            website = clean_url(self.website.data or "")
        except FieldError as exc:
            self.add_errors({"website": [str(exc)]})
            return False
        self.cleaned = {
            "name": " ".join(self.name.data.split()),
            "kind": CompanyKind(self.kind.data) if self.kind.data else None,
            "website": website,
            "city": " ".join((self.city.data or "").split()),
            "country": clean_country(self.country.data or ""),
            "notes": (self.notes.data or "").strip(),
        }
        return True


class NoteForm(BaseForm):
    """A dated note on a contact; `crm.contacts.services.add_note` has the rules."""

    body = TextAreaField("Note for the timeline", render_kw={"rows": 3})
