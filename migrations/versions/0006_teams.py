"""team entries for team events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'], name=op.f('fk_team_delegation_id_delegation')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_team_event_id_event')),
    sa.ForeignKeyConstraint(['group_id'], ['event_group.id'], name=op.f('fk_team_group_id_event_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('event_id', 'delegation_id', 'number', name=op.f('uq_team_event_id_delegation_id_number'))
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_delegation_id'), ['delegation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registration_team_id'), ['team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registration_team_id_team'), 'team', ['team_id'], ['id'])


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_team_id_team'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registration_team_id'))
        batch_op.drop_column('team_id')

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_event_id'))
        batch_op.drop_index(batch_op.f('ix_team_delegation_id'))

    op.drop_table('team')
