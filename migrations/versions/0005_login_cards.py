"""login cards: one-time QR / typed-code login cards for judges

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 14:06:28

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('used_ip', sa.String(length=45), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_login_card_created_by_user')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_login_card_event_id_event')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_login_card_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_card')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_login_card_code_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_card_token_hash'))
    )
    with op.batch_alter_table('login_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_card_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_card_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_card_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_card_event_id'))

    op.drop_table('login_card')
