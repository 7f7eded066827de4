"""The contract's commands: db upgrade, user create, demo."""

from sqlalchemy import func, select

from crm.demo.data import demo_rows
from crm.models import Contact, ContactNote, Pitch, PitchStatus, Release, User
from crm.pitches import dashboard
from tests.conftest import PASSWORD


def test_db_upgrade_is_safe_to_run_again(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_user_create(runner, session):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "Mia@Example.com",
            "--password",
            PASSWORD,
            "--name",
            "Mia",
            "--timezone",
            "Europe/Berlin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "mia@example.com"))
    assert user.name == "Mia" and user.account.timezone == "Europe/Berlin"


def test_user_create_refuses_an_existing_email(runner, user):
    result = runner.invoke(args=["user", "create", user.email, "--password", PASSWORD])
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_user_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["user", "create", "x@example.com", "--password", "short"])
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output


def test_demo_loads_contacts_once(runner, user, session):
    result = runner.invoke(args=["demo", "--user", user.email, "--contacts", "150"])
    assert result.exit_code == 0, result.output
    assert "Loaded 150 demo contacts" in result.output
    again = runner.invoke(args=["demo", "--user", user.email, "--contacts", "150"])
    assert "Loaded 0 demo contacts and 0 pitches" in again.output
    assert session.scalar(select(func.count(Contact.id))) == 150


def test_the_demo_shows_the_product_alive(runner, logged_in, user, session):
    """Releases, pitches in every status, follow-ups overdue, due today and next week,
    replies and notes: the dashboard and the board have something to show at once."""
    assert runner.invoke(args=["demo", "--user", user.email, "--contacts", "300"]).exit_code == 0
    statuses = set(session.scalars(select(Pitch.status)))
    # Every status but those only a connected mailbox gives (scheduled, bounced).
    assert statuses == set(PitchStatus) - {PitchStatus.SCHEDULED, PitchStatus.BOUNCED}
    assert session.scalar(select(func.count(Release.id))) == 3
    assert session.scalar(select(func.count(ContactNote.id))) >= 10
    agenda = dashboard.agenda(session, user.account)
    assert agenda.overdue and agenda.today and agenda.week
    page = logged_in.get("/").get_data(as_text=True)
    assert "Paper Lanterns" in page and "Overdue" in page


def test_demo_needs_an_existing_user(runner):
    result = runner.invoke(args=["demo", "--user", "nobody@example.com"])
    assert result.exit_code == 1
    assert "No user" in result.output


def test_the_demo_directory_is_fictional_varied_and_the_same_every_time():
    rows = demo_rows(3000)
    assert rows == demo_rows(3000)
    assert len({r["email"] for r in rows}) == 3000
    assert all(str(r["email"]).endswith(".example") for r in rows)
    assert len({r["role"] for r in rows}) == 9
    assert len({r["company"] for r in rows}) > 200
    assert len({r["country"] for r in rows}) > 10
