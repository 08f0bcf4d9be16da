"""Forms of the scoring package (Flask-WTF, so every POST carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from scoring import rules

KIND_CHOICES = [(rules.MEASUREMENT, _l("M 测量评分（分数）")), (rules.PASS_FAIL, _l("M-Y 测量评分（是/否）")),
                (rules.DEDUCTION, _l("M-D 测量评分（扣分）")), (rules.JUDGEMENT, _l("J 评价评分（0–3）")),
                (rules.PANEL, _l("P 裁判组评分"))]


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SettingsForm(FlaskForm):
    theory_weight = DecimalField(_l("理论权重（%）"), places=2, validators=[
        InputRequired(_l("请填写理论权重")), NumberRange(0, 100, _l("权重应在 0–100 之间"))])
    practical_weight = DecimalField(_l("实操权重（%）"), places=2, validators=[
        InputRequired(_l("请填写实操权重")), NumberRange(0, 100, _l("权重应在 0–100 之间"))])
    theory_total = DecimalField(_l("理论满分"), places=2, validators=[
        InputRequired(_l("请填写理论满分")), NumberRange(1, 1000, _l("满分应在 1–1000 之间"))])
    practical_total = DecimalField(_l("实操满分"), places=2, validators=[
        InputRequired(_l("请填写实操满分")), NumberRange(1, 1000, _l("满分应在 1–1000 之间"))])
    panel_judges = IntegerField(_l("裁判组人数"), validators=[
        InputRequired(_l("请填写裁判组人数")), NumberRange(1, 15, _l("裁判组人数应在 1–15 之间"))])
    panel_drop = IntegerField(_l("去掉最高分、最低分各几个"), validators=[
        InputRequired(_l("请填写去掉的个数")), NumberRange(0, 5, _l("应在 0–5 之间"))])
    panel_min = DecimalField(_l("裁判组评分最低分"), places=2, validators=[
        InputRequired(_l("请填写最低分")), NumberRange(0, 1000, _l("最低分应在 0–1000 之间"))])
    panel_step = DecimalField(_l("裁判组评分步长（留空：不限）"), places=2, validators=[
        Optional(), NumberRange(0.01, 100, _l("步长应大于 0"))])
    judgement_gap = IntegerField(_l("评价评分允许分差"), validators=[
        InputRequired(_l("请填写允许分差")), NumberRange(0, 3, _l("分差应在 0–3 之间"))])
    recheck_top = IntegerField(_l("复核：前几名全部复核"), validators=[
        InputRequired(_l("请填写名次")), NumberRange(0, 1000, _l("应在 0–1000 之间"))])
    recheck_share = DecimalField(_l("复核：其余评分表至少抽取（%）"), places=2, validators=[
        InputRequired(_l("请填写比例")), NumberRange(0, 100, _l("比例应在 0–100 之间"))])
    recheck_error_limit = DecimalField(_l("错误率超过（%）须全部复核"), places=2, validators=[
        InputRequired(_l("请填写错误率")), NumberRange(0, 100, _l("错误率应在 0–100 之间"))])

    FIELDS = ("theory_weight", "practical_weight", "theory_total", "practical_total", "panel_judges", "panel_drop",
              "panel_min", "panel_step", "judgement_gap", "recheck_top", "recheck_share", "recheck_error_limit")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.theory_weight.data + self.practical_weight.data != 100:
            self.practical_weight.errors.append(_l("理论权重与实操权重合计应为 100%"))
            return False
        return ok


class AspectForm(FlaskForm):
    criterion = StringField(_l("模块编号"), validators=[DataRequired(_l("请填写模块编号")), Length(max=16)])
    sub = StringField(_l("分项编号（留空：同模块）"), validators=[Optional(), Length(max=20)])
    code = StringField(_l("评分项编号"), validators=[DataRequired(_l("请填写评分项编号")), Length(max=24)])
    kind = SelectField(_l("类型"), choices=KIND_CHOICES)
    description = StringField(_l("评分项描述"), validators=[Optional(), Length(max=500)])
    maximum = DecimalField(_l("满分"), places=2, validators=[
        InputRequired(_l("请填写满分")), NumberRange(0.01, 1000, _l("满分应大于 0"))])
    step = DecimalField(_l("步长（留空：不限）"), places=2, validators=[Optional(), NumberRange(0.01, 100,
                                                                                        _l("步长应大于 0"))])
    team = StringField(_l("评分组（留空：全体裁判）"), validators=[Optional(), Length(max=40)])
    marking_day = IntegerField(_l("评分日"), validators=[Optional(), NumberRange(1, 30, _l("评分日应在 1–30 之间"))])
    level0 = StringField(_l("等级0描述"), validators=[Optional(), Length(max=300)])
    level1 = StringField(_l("等级1描述"), validators=[Optional(), Length(max=300)])
    level2 = StringField(_l("等级2描述"), validators=[Optional(), Length(max=300)])
    level3 = StringField(_l("等级3描述"), validators=[Optional(), Length(max=300)])


class ImportForm(FlaskForm):
    file = FileField(_l("评分标准文件（.xlsx 或 .json）"), validators=[FileRequired(_l("请选择文件"))])


class DeleteAspectForm(FlaskForm):
    aspect_id = HiddenField(validators=[DataRequired()])


class UnlockForm(FlaskForm):
    sheet_id = HiddenField(validators=[DataRequired(_l("请选择评分表"))])
    reason = TextAreaField(_l("解锁原因"), validators=[DataRequired(_l("请写明解锁原因")),
                                                    Length(min=4, max=1000, message=_l("原因应为 4–1000 个字"))])


class ModuleForm(FlaskForm):
    criterion_id = HiddenField(validators=[DataRequired(_l("请选择模块"))])


class FindingForm(FlaskForm):
    item_id = HiddenField(validators=[DataRequired()])
    result = RadioField(_l("复核结果"), choices=[("ok", _l("无误")), ("error", _l("有误"))],
                        validators=[DataRequired(_l("请选择复核结果"))])
    finding = TextAreaField(_l("发现的问题"), validators=[Optional(), Length(max=1000)])


class VoidForm(FlaskForm):
    entry_id = HiddenField(validators=[DataRequired()])
