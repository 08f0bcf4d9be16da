"""Forms of the contests package. The field rules live in ``contests.registration``; forms carry CSRF,
the choices, and the values."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from contests import ethnic
from contests.registration import SKILL_LEVELS


class SignupForm(FlaskForm):
    mobile = StringField(_l("手机号码（登录用）"), validators=[DataRequired(_l("请输入手机号码")), Length(max=20)])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=30)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])
    repeat = PasswordField(_l("再次输入密码"), validators=[EqualTo("password", _l("两次输入的密码不一致"))])


class RegistrationForm(FlaskForm):
    name = StringField(_l("姓名"))
    id_number = StringField(_l("身份证号码"))
    sex = RadioField(_l("性别"), choices=[("M", _l("男")), ("F", _l("女"))], validate_choice=False)
    ethnic = SelectField(_l("民族"), choices=[("", _l("请选择"))] + [(g.code, g.name) for g in ethnic.ETHNIC_GROUPS],
                         validate_choice=False)
    mobile = StringField(_l("手机号码"))
    province = SelectField(_l("户籍所在省"), validate_choice=False)
    city = SelectField(_l("市（州）"), validate_choice=False)
    county_code = SelectField(_l("县（区）"), validate_choice=False)
    delegation = SelectField(_l("代表团"), validate_choice=False)
    employer = StringField(_l("工作单位或学校"))
    skill_level = SelectField(_l("现有技能等级"), choices=[("", _l("请选择"))] + [(s, s) for s in SKILL_LEVELS],
                              validate_choice=False)
    category = RadioField(_l("身份"), choices=[("employee", _l("职工")), ("student", _l("学生"))],
                          default="employee", validate_choice=False)
    event_group = SelectField(_l("参赛项目和组别"), validate_choice=False)
    works_in_occupation = BooleanField(_l("现从事参赛项目对应的职业（工种）"), default=True)
    poor_household = BooleanField(_l("建档立卡贫困家庭成员（含已脱贫户）"))
    household_number = StringField(_l("贫困户编号"))
    poverty_proof = FileField(_l("贫困户证明材料（图片或PDF）"))
    photo = FileField(_l("证件照（竖版，白底或蓝底）"))
    previous_title_holder = BooleanField(_l("曾获全国技术能手等称号（可参赛，不参与评奖）"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("原因"), validators=[Optional(), Length(max=500)])


class ImportForm(FlaskForm):
    file = FileField(_l("Excel 文件（.xlsx）"))


class ContestSettingsForm(FlaskForm):
    registration_opens = StringField(_l("报名开始（YYYY-MM-DD）"))
    registration_closes = StringField(_l("报名截止（YYYY-MM-DD）"))
    min_age = StringField(_l("最低年龄"))
    max_age = StringField(_l("最高年龄（可不填）"))
    delegation_quota = StringField(_l("每个代表团名额（可不填）"))
    min_field_size = StringField(_l("每项目/组别最少参赛人数"))
    poverty_required = BooleanField(_l("要求建档立卡贫困家庭成员"))
    title_holders_without_award = BooleanField(_l("曾获称号者可参赛但不参与评奖"))
