"""Forms of the results pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from scoring.results_policy import PRESETS, ROUNDING_MODES


class SettingsForm(FlaskForm):
    # The presets' descriptions and the rounding modes are Msg (extracted there); a widget prints its choices
    # without the template's finalize, so they are lazy here.
    preset = SelectField(_l("奖项方案"), choices=[("", _l("自定义（按下方 JSON）"))] +
                         [(k, _l(v[0])) for k, v in PRESETS.items()], default="")
    award_policy = TextAreaField(_l("奖项设置（JSON）"), validators=[Optional(), Length(max=8000)])
    tie_breaks = TextAreaField(_l("并列时依次比较"), validators=[Optional(), Length(max=500)])
    shared_ranks = BooleanField(_l("允许名次并列"))
    rounding_places = IntegerField(_l("保留小数位数"), validators=[InputRequired(), NumberRange(0, 4)], default=2)
    rounding_mode = SelectField(_l("舍入方式"), choices=[(k, _l(v)) for k, v in ROUNDING_MODES.items()])
    standardise = BooleanField(_l("计算标准分（近似公式）"))
    appeal_window_hours = IntegerField(_l("申诉期（项目结束后小时数）"), validators=[InputRequired(),
                                                                         NumberRange(0, 720)], default=2)
    event_ends_at = DateTimeLocalField(_l("项目结束时间（北京时间）"), format="%Y-%m-%dT%H:%M",
                                       validators=[Optional()])


class PublishForm(FlaskForm):
    target = SelectField(_l("下一步"), choices=[("announced", _l("公布")), ("public_display", _l("公示")),
                                              ("final", _l("确定为最终成绩"))], validators=[DataRequired()])
    public_until = DateField(_l("公示截止日期"), validators=[Optional()])


class TieForm(FlaskForm):
    order = TextAreaField(_l("仲裁后的名次顺序（报名号，每行一个，名次高者在前）"),
                          validators=[DataRequired(message=_l("请填写名次顺序")), Length(max=2000)])
    reason = TextAreaField(_l("仲裁理由"), validators=[DataRequired(message=_l("请写明仲裁理由")), Length(max=2000)])


class InputsForm(FlaskForm):
    lines = TextAreaField(_l("理论成绩和用时（每行：选手编号 理论成绩 [用时秒数]）"),
                          validators=[DataRequired(message=_l("请填写成绩")), Length(max=20000)])


class AppealForm(FlaskForm):
    text = TextAreaField(_l("申诉事项和理由"), validators=[DataRequired(message=_l("请写明申诉的事项和理由")),
                                                      Length(max=4000)])


class DecisionForm(FlaskForm):
    outcome = SelectField(_l("仲裁结论"), choices=[("upheld", _l("申诉成立")), ("rejected", _l("驳回申诉"))],
                          validators=[DataRequired()])
    decision = TextAreaField(_l("结论和理由"), validators=[DataRequired(message=_l("请写明仲裁结论的理由")),
                                                         Length(max=4000)])
    corrections = TextAreaField(_l("更正评分（每行：评分项编号 裁判账号 新分数；或：理论 新分数）"),
                                validators=[Optional(), Length(max=4000)])


class ForwardForm(FlaskForm):
    target = SelectField(_l("推荐到"), coerce=int, validators=[DataRequired(message=_l("请选择全国赛"))])
