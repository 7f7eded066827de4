"""The mailbox settings form; its values are checked by crm.mailbox.connect.clean_mailbox."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice

from crm.forms import BaseForm

SECURITY = [
    SelectChoice("ssl", "SSL/TLS"),
    SelectChoice("starttls", "STARTTLS"),
    SelectChoice("none", "None (this machine only)"),
]
WEEKDAYS = [SelectChoice(str(n), name) for n, name in enumerate(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], start=1
)]  # fmt: skip

# Common providers: host, port and security of both servers, and how to get the app
# password the provider wants for a program like this one.
PRESETS = {
    "gmail": {
        "label": "Gmail / Google Workspace",
        "smtp": ("smtp.gmail.com", 465, "ssl"), "imap": ("imap.gmail.com", 993, "ssl"),
        "help": "Turn on 2-Step Verification, then create an app password at Google Account,"
        " Security, App passwords, and paste it here.",
    },
    "outlook": {
        "label": "Outlook.com / Microsoft 365",
        "smtp": ("smtp.office365.com", 587, "starttls"),
        "imap": ("outlook.office365.com", 993, "ssl"),
        "help": "In Microsoft account, Security, Advanced security options, create an app"
        " password (Microsoft 365: your admin must allow SMTP AUTH for your mailbox).",
    },
    "icloud": {
        "label": "iCloud Mail",
        "smtp": ("smtp.mail.me.com", 587, "starttls"), "imap": ("imap.mail.me.com", 993, "ssl"),
        "help": "At appleid.apple.com, Sign-In and Security, App-Specific Passwords, generate"
        " one; the user name is your full iCloud address.",
    },
    "fastmail": {
        "label": "Fastmail",
        "smtp": ("smtp.fastmail.com", 465, "ssl"), "imap": ("imap.fastmail.com", 993, "ssl"),
        "help": "In Settings, Privacy & Security, Integrations, create an app password with"
        " IMAP and SMTP access.",
    },
    "proton": {
        "label": "Proton Mail (through Proton Mail Bridge)",
        "smtp": ("127.0.0.1", 1025, "none"), "imap": ("127.0.0.1", 1143, "none"),
        "help": "Run Proton Mail Bridge on this machine; use the user name and password the"
        " Bridge shows for your account (not your Proton password).",
    },
}  # fmt: skip


class MailboxForm(BaseForm):
    preset = SelectField(
        "Provider",
        choices=[SelectChoice("", "Other (enter the servers)")]
        + [SelectChoice(k, p["label"]) for k, p in PRESETS.items()],
        validate_choice=False,
    )
    display_name = StringField("Your name, as recipients see it")
    email = StringField("Send from (your address)", render_kw={"type": "email"})
    username = StringField("User name", description="Usually your full email address.")
    password = PasswordField(
        "App password",
        description="Stored encrypted; never shown again. Leave empty to keep the saved one.",
    )
    smtp_host = StringField("SMTP server (outgoing)")
    smtp_port = IntegerField("SMTP port", default=465)
    smtp_security = SelectField("SMTP security", choices=SECURITY, default="ssl")
    imap_host = StringField("IMAP server (incoming)")
    imap_port = IntegerField("IMAP port", default=993)
    imap_security = SelectField("IMAP security", choices=SECURITY, default="ssl")
    daily_limit = IntegerField(
        "At most this many emails a day", default=50,
        description="Providers flag accounts that send hundreds at once; 50 is a safe start.",
    )  # fmt: skip
    min_gap_seconds = IntegerField(
        "Seconds between two emails", default=90,
        description="A human pace: a bulk pitch goes out one email at a time.",
    )  # fmt: skip
    days = SelectMultipleField(
        "Send on",
        choices=WEEKDAYS,
        default=["1", "2", "3", "4", "5"],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    capture_sent = BooleanField(
        "Log the mail I send from my own mail client as pitches",
        default=True,
        description="A message in your Sent folder to one of your contacts becomes a pitch"
        " with follow-ups on your cadence, so nothing you send by hand is lost. It never"
        " creates contacts.",
    )
    start = StringField("From", default="09:00", render_kw={"type": "time"})
    end = StringField("Until", default="18:00", render_kw={"type": "time"})

    def raw(self) -> dict:
        """The form's values in the shape the contract (and clean_mailbox) names."""
        data = {name: getattr(self, name).data for name in (
            "display_name", "email", "username", "smtp_host", "smtp_port", "smtp_security",
            "imap_host", "imap_port", "imap_security", "daily_limit", "min_gap_seconds",
            "capture_sent",
        )}  # fmt: skip
        preset = PRESETS.get(self.preset.data or "")
        if preset:
            for side in ("smtp", "imap"):
                host, port, security = preset[side]
                data[f"{side}_host"] = data[f"{side}_host"] or host
                data[f"{side}_port"] = data[f"{side}_port"] or port
                data[f"{side}_security"] = data[f"{side}_security"] or security
        data["send_window"] = {
            "days": [int(d) for d in self.days.data or [] if d.isdigit()],
            "start": self.start.data or "09:00",
            "end": self.end.data or "18:00",
        }
        return data
