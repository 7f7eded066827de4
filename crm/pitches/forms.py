from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.contacts.services import NOTE_MAX_LENGTH
from crm.forms import BaseForm
from crm.models import Channel, PitchStatus


class PitchForm(BaseForm):
    contact_id = HiddenField("Contact")  # chosen with the contact picker (see macros.html)
    release_id = SelectField("Release", validate_choice=False)
    template_id = SelectField("Template", validate_choice=False)
    subject = StringField("Subject")
    body = TextAreaField("Message", render_kw={"rows": 12})
    send_at = StringField(
        "Send at", render_kw={"type": "datetime-local"},
        description="In your time zone; empty: as soon as your mailbox's pace allows.",
    )  # fmt: skip
    channel = SelectField(
        "Channel", choices=[SelectChoice(c.value, c.label) for c in Channel], validate_choice=False
    )
    cadence = StringField(
        "Follow up after (days)",
        description="Leave empty for your usual cadence, or e.g. 5, 12, 30.",
    )
    notes = TextAreaField("Notes", render_kw={"rows": 2})
    pitch_again = BooleanField("Pitch again anyway")


class ReplyForm(BaseForm):
    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice(s.value, s.label)
            for s in (
                PitchStatus.REPLIED,
                PitchStatus.INTERESTED,
                PitchStatus.WON,
                PitchStatus.DECLINED,
            )
        ],
        validate_choice=False,
    )
    note = StringField("Note (optional)", render_kw={"maxlength": NOTE_MAX_LENGTH})
