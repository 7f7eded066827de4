"""The release form; its values are checked by crm.releases.services.clean_release."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.forms import BaseForm
from crm.models import ReleaseKind


class ReleaseForm(BaseForm):
    title = StringField("Title")
    artist_name = StringField("Artist", description="Defaults to your artist name.")
    kind = SelectField(
        "Type", choices=[SelectChoice(k.value, k.label) for k in ReleaseKind], validate_choice=False
    )
    release_date = StringField("Release date", render_kw={"type": "date"})
    stream_url = StringField("Private stream link")
    epk_url = StringField("EPK link")
    isrc = StringField("ISRC", description="e.g. GB-ABC-26-00001")
    upc = StringField("UPC / EAN")
    notes = TextAreaField("Notes", render_kw={"rows": 3})
