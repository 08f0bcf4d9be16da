"""Forms of the login cards: typing a card's code, confirming a scanned card, printing and revoking cards."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class CardCodeForm(FlaskForm):
    code = StringField(_l("登录码"), validators=[DataRequired(_l("请输入登录卡上的登录码")), Length(max=40)])


class CardConfirmForm(FlaskForm):
    """The confirm button of a scanned card: only the CSRF token."""


class IssueCardsForm(FlaskForm):
    validity = SelectField(_l("有效期"), validate_choice=True)
    user_id = IntegerField(validators=[Optional()])


class RevokeCardsForm(FlaskForm):
    user_id = IntegerField(validators=[Optional()])
