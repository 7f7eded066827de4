"""Uploaded import files and import progress in the database, for teams on several hosts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 19:40:00
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

import crm.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_files',
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['contact_imports.id'], name=op.f('fk_import_files_import_id_contact_imports'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('import_id', name=op.f('pk_import_files')),
    )
    op.create_table(
        'import_progress',
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('updated_at', crm.db.UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['contact_imports.id'], name=op.f('fk_import_progress_import_id_contact_imports'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('import_id', name=op.f('pk_import_progress')),
    )
    # Uploads waiting on this host's disk move into the database, so none is lost.
    imports = sa.table('contact_imports', sa.column('id', sa.Integer), sa.column('stored_path', sa.String))
    files = sa.table('import_files', sa.column('import_id', sa.Integer), sa.column('data', sa.LargeBinary))
    connection = op.get_bind()
    for import_id, stored_path in connection.execute(
        sa.select(imports.c.id, imports.c.stored_path).where(imports.c.stored_path.is_not(None))
    ):
        path = Path(stored_path)
        if path.is_file():
            connection.execute(files.insert().values(import_id=import_id, data=path.read_bytes()))
            path.unlink()
    connection.execute(imports.update().values(stored_path=None))


def downgrade() -> None:
    op.drop_table('import_progress')
    op.drop_table('import_files')
