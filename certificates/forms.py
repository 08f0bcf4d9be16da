"""Forms of the certificates package (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

PAGE_SIZES = [
    ("A4 landscape", _l("A4 横向")),
    ("A4 portrait", _l("A4 纵向")),
    ("A5 portrait", _l("A5 纵向")),
    ("A5 landscape", _l("A5 横向")),
    ("A6", _l("A6")),
    ("B5", _l("B5")),
]


class TemplateForm(FlaskForm):
    name = StringField(_l("模板名称"), validators=[Optional(), Length(max=60)])
    html = TextAreaField(
        _l("证书 HTML（Jinja 模板，每份证书一页）"),
        validators=[DataRequired(message=_l("HTML 不能为空")), Length(max=200_000)],
    )
    css = TextAreaField(_l("CSS 样式"), validators=[Optional(), Length(max=200_000)])
    page_size = StringField(_l("纸张大小"), validators=[DataRequired(message=_l("请填写纸张大小")), Length(max=30)])
    serial_pattern = StringField(_l("编号格式"), validators=[Optional(), Length(max=80)])
    issuer = StringField(_l("发证单位"), validators=[Optional(), Length(max=120)])
    issue_date = DateField(_l("发证日期（空：比赛最后一天；聘书为第一天）"), validators=[Optional()])
    seal = FileField(_l("印章图片（PNG 或 JPEG，透明底最好）"))
    remove_seal = BooleanField(_l("去掉印章"))
    schedule = TextAreaField(_l("日程（每行“时间 | 安排 | 地点”）"), validators=[Optional(), Length(max=4000)])
    notes = TextAreaField(_l("注意事项（每行一条）"), validators=[Optional(), Length(max=4000)])


class BatchForm(FlaskForm):
    kind = SelectField(_l("证书类别"), validators=[DataRequired(message=_l("请选择证书类别"))])
    event_id = SelectField(_l("项目"), coerce=int, default=0)
    delegation_id = SelectField(_l("代表队"), coerce=int, default=0)
    format = SelectField(
        _l("文件"),
        choices=[("pdf", _l("一个 PDF（按代表队、项目、名次排序）")), ("zip", _l("ZIP：每份证书一个 PDF"))],
        default="pdf",
    )
    allow_unprintable = BooleanField(_l("仍然生成（字体缺字的会印成方框）"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("撤销原因（公开显示在验证页面上）"), validators=[DataRequired(message=_l("请填写撤销原因")), Length(max=500)]
    )


class ReissueForm(FlaskForm):
    reason = TextAreaField(
        _l("补发原因（原证书将撤销，新证书使用新编号）"),
        validators=[DataRequired(message=_l("请填写补发原因")), Length(max=500)],
    )
