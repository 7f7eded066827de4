from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from crm.accounts.services import MIN_PASSWORD_LENGTH, timezones
from crm.forms import BaseForm


def _timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name, name.replace("_", " ")) for name in ["UTC", *timezones()]]


class SignupForm(BaseForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    artist_name = StringField(
        "Artist or band name",
        validators=[Length(max=120)],
        description="Used in templates as {{ artist.name }}.",
    )
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired()],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    timezone = SelectField(
        "Time zone",
        default="UTC",
        render_kw={"data-detect": "1"},
        description="Follow-ups fall due in your own time zone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()


class LoginForm(BaseForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in on this computer")


class SettingsForm(BaseForm):
    name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    artist_name = StringField("Artist or band name", validators=[Length(max=120)])
    timezone = SelectField("Time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = _timezone_choices()


class EraseAccountForm(BaseForm):
    password = PasswordField("Your password", validators=[DataRequired()])
    confirmation = StringField(
        "Type your email address to confirm",
        validators=[DataRequired()],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class PasswordForm(BaseForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired()],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords do not match.")],
    )


class TokenForm(BaseForm):
    name = StringField(
        "Token name",
        validators=[DataRequired(), Length(max=100)],
        description="What will use it, e.g. “Google Sheets sync”.",
    )
