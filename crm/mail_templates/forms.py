from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from crm.forms import BaseForm
from crm.mail_templates.services import clean_template
from crm.models.outreach import PURPOSE_LABELS


class TemplateForm(BaseForm):
    name = StringField("Name")
    purpose = SelectField(
        "Purpose",
        choices=[SelectChoice(p.value, label) for p, label in PURPOSE_LABELS.items()],
        validate_choice=False,
    )
    subject = StringField("Subject", render_kw={"data-merge-target": "1", "autocomplete": "off"})
    body = TextAreaField(
        "Body", render_kw={"rows": 14, "data-merge-target": "1", "spellcheck": "true"}
    )

    cleaned: dict

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        result = clean_template({n: f.data for n, f in self._fields.items()})
        self.add_errors(result.errors)
        self.cleaned = result.values
        return result.ok
