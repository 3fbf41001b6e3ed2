"""security: access_log (audited full views of ID numbers)

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-27

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_access_log_actor_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_access_log_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_access_log_prev_hash'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_person_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_actor_id'))

    op.drop_table('access_log')
