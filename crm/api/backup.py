"""/api/v1/backup: the whole account as the backup zip (the same as the CLI writes)."""

from __future__ import annotations

from crm.api.auth import api_account, resource_blueprint
from crm.backup.routes import backup_response

blp = resource_blueprint(
    "backup_api", __name__, url_prefix="/api/v1/backup",
    description="Everything the account owns, as one zip",
)  # fmt: skip


@blp.get("")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/zip")
def backup():
    """Streams the backup zip: CSV, JSON and vCard files and a manifest with checksums
    (layout in the README). No passwords, tokens or mailbox secrets."""
    account = api_account()
    return backup_response(account.id, account.artist_name)
