"""Forms of the app package: login and password change."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.passwords import weakness


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=200)])
    repeat = PasswordField(
        _l("再次输入新密码"), validators=[EqualTo("new", _l("两次输入的新密码不一致"))]
    )

    def validate_new(self, field):
        problem = weakness(field.data or "")
        if problem:
            raise ValidationError(problem)
