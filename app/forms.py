"""Forms of the app package (login, password change) and how any form shows a service's refusal."""

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


class NewPasswordForm(FlaskForm):
    """Staff setting a new password for someone who forgot theirs (``app.passwords.reset``)."""

    new = PasswordField(_l("新密码"), validators=[DataRequired(_l("请输入新密码")), Length(max=200)])
    repeat = PasswordField(_l("再次输入新密码"), validators=[EqualTo("new", _l("两次输入的新密码不一致"))])

    def validate_new(self, field):
        problem = weakness(field.data or "")
        if problem:
            raise ValidationError(problem)


def show_refusal(form, message, errors: dict) -> None:
    """Put a service's refusal on the form: each field's message next to the field, a message about no field
    of this form (and the refusal itself) at the top of the page."""
    from app.i18n import flash

    for name, text in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]
        else:
            flash(text, "error")
    flash(message, "error")
