"""Forms of the contests package. The field rules live in ``contests.registration``; forms carry CSRF,
the choices, and the values."""

from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError

from contests import ethnic, regions
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


# -- contest setup (organisers) ---------------------------------------------------------------------------
# The forms turn text into numbers and dates and say so in Chinese when they cannot; the rules between the
# values (closes after opens, min age under max age, quotas above what is approved) are contests.setup's.

_WHOLE = _l("请填写整数")
_DATE = _l("请按“年-月-日”填写日期")
_DATETIME = _l("请填写日期和时间")
_AGE = NumberRange(0, 100, _l("年龄应在0至100周岁之间"))
_QUOTA = NumberRange(1, 100000, _l("名额至少为1人；不限名额请留空"))
_FIELD_SIZE = NumberRange(0, 100000, _l("最少参赛人数不能为负数"))
_POSITION = NumberRange(0, 10000, _l("顺序应在0至10000之间"))
# A datetime-local input sends 2027-03-01T09:00 (with seconds when the browser adds them).
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]



def _sensible_year(form, field) -> None:
    """A mistyped year (0202, 20277) is caught here, before any arithmetic on the date."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("请填写2000年至2100年之间的日期"))


LEVEL_CHOICES = [("national", _l("全国")), ("provincial", _l("省级")), ("prefectural", _l("地市级"))]
GROUP_CHOICES = [("employee", _l("职工组")), ("student", _l("学生组")), ("open", _l("不分组"))]


def region_choices() -> list[tuple[str, str]]:
    """Nation, provinces, and each province's prefectures (not the 市辖区-style placeholders)."""
    return [("", _l("全国")), *_province_and_city_choices()]


@cache
def _province_and_city_choices() -> tuple[tuple[str, str], ...]:
    choices = []
    for province in regions.provinces():
        choices.append((province.code, f"{province.name}（{province.code}）"))
        for city in regions.cities_of(province.code):
            if city.name in ("市辖区", "县") or "直辖" in city.name:
                continue
            choices.append((city.code, f"{province.name} · {city.name}（{city.code}）"))
    return tuple(choices)


class ContestSettingsForm(FlaskForm):
    """A contest's facts and rules: the organiser's setup page (create and edit)."""

    code = StringField(_l("比赛代码"), validators=[DataRequired(_l("请填写比赛代码")),
                                                 Length(max=32, message=_l("比赛代码不能超过32个字符"))])
    name = StringField(_l("比赛名称"), validators=[DataRequired(_l("请填写比赛名称")),
                                                 Length(max=120, message=_l("比赛名称不能超过120个字"))])
    level = SelectField(_l("比赛级别"), choices=LEVEL_CHOICES, default="provincial", validate_choice=False)
    organiser_name = StringField(_l("主办单位（印在证书上）"), validators=[
        DataRequired(_l("请填写主办单位")), Length(max=120, message=_l("主办单位不能超过120个字"))])
    region_scope = SelectField(_l("比赛范围"), default="", validate_choice=False)
    venue = StringField(_l("比赛地点"), validators=[Optional(), Length(max=120, message=_l("比赛地点不能超过120个字"))])
    starts_on = DateField(_l("比赛开始日期"), validators=[InputRequired(_l("请填写比赛开始日期")), _sensible_year],
                          invalid_value_message=_DATE)
    ends_on = DateField(_l("比赛结束日期"), validators=[InputRequired(_l("请填写比赛结束日期")), _sensible_year],
                        invalid_value_message=_DATE)
    registration_opens = DateTimeLocalField(_l("报名开始时间（北京时间，可不填）"), format=DATETIME_FORMATS,
                                            validators=[Optional(), _sensible_year], invalid_value_message=_DATETIME)
    registration_closes = DateTimeLocalField(_l("报名截止时间（北京时间，可不填）"), format=DATETIME_FORMATS,
                                             validators=[Optional(), _sensible_year], invalid_value_message=_DATETIME)
    min_age = IntegerField(_l("最低年龄（比赛当日，周岁）"), default=16, invalid_value_message=_WHOLE,
                           validators=[InputRequired(_l("请填写最低年龄")), _AGE])
    max_age = IntegerField(_l("最高年龄（可不填）"), invalid_value_message=_WHOLE, validators=[Optional(), _AGE])
    delegation_quota = IntegerField(_l("每个代表团名额（全部项目合计，可不填）"), invalid_value_message=_WHOLE,
                                    validators=[Optional(), _QUOTA])
    min_field_size = IntegerField(_l("每项目/组别最少参赛人数（0为不限）"), default=0, invalid_value_message=_WHOLE,
                                  validators=[InputRequired(_l("请填写最少参赛人数，不限填0")), _FIELD_SIZE])
    poverty_required = BooleanField(_l("要求建档立卡贫困家庭成员"))
    title_holders_without_award = BooleanField(_l("曾获称号者可参赛但不参与评奖"), default=True)
    same_delegation_recusal = BooleanField(_l("裁判回避本代表团的选手"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_scope.choices = region_choices()


class EventForm(FlaskForm):
    code = StringField(_l("项目代码"), validators=[DataRequired(_l("请填写项目代码")),
                                                 Length(max=32, message=_l("项目代码不能超过32个字符"))])
    name = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称")),
                                                 Length(max=60, message=_l("项目名称不能超过60个字"))])
    position = IntegerField(_l("顺序（留空：排在最后）"), invalid_value_message=_WHOLE,
                            validators=[Optional(), _POSITION])
    team_size = IntegerField(_l("每队人数（个人项目填1，团体项目2至3）"), default=1, invalid_value_message=_WHOLE,
                             validators=[InputRequired(_l("请填写每队人数"))])
    min_age = IntegerField(_l("本项目最低年龄（留空：按比赛规定）"), invalid_value_message=_WHOLE,
                           validators=[Optional(), _AGE])
    max_age = IntegerField(_l("本项目最高年龄（留空：按比赛规定）"), invalid_value_message=_WHOLE,
                           validators=[Optional(), _AGE])
    must_work_in_occupation = BooleanField(_l("选手须现从事本职业（工种）（学生组除外）"))


class GroupForm(FlaskForm):
    code = SelectField(_l("组别类型"), choices=GROUP_CHOICES, default="employee", validate_choice=False)
    name = StringField(_l("组别名称（留空：按类型）"),
                       validators=[Optional(), Length(max=30, message=_l("组别名称不能超过30个字"))])
    position = IntegerField(_l("顺序（留空：排在最后）"), invalid_value_message=_WHOLE,
                            validators=[Optional(), _POSITION])
    quota_per_delegation = IntegerField(_l("每个代表团名额（可不填）"), invalid_value_message=_WHOLE,
                                        validators=[Optional(), _QUOTA])
    min_field_size = IntegerField(_l("最少参赛人数（留空：按比赛规定）"), invalid_value_message=_WHOLE,
                                  validators=[Optional(), _FIELD_SIZE])


class DelegationForm(FlaskForm):
    code = StringField(_l("代表团代码"), validators=[DataRequired(_l("请填写代表团代码")),
                                                   Length(max=16, message=_l("代表团代码不能超过16个字符"))])
    name = StringField(_l("代表团名称"), validators=[DataRequired(_l("请填写代表团名称")),
                                                   Length(max=60, message=_l("代表团名称不能超过60个字"))])
    quota = IntegerField(_l("名额（留空：按比赛规定）"), invalid_value_message=_WHOLE, validators=[Optional(), _QUOTA])


class DelegationAccountForm(FlaskForm):
    username = StringField(_l("用户名（登录用）"), validators=[DataRequired(_l("请填写用户名")),
                                                         Length(max=64, message=_l("用户名不能超过64个字符"))])
    display_name = StringField(_l("姓名或称呼"), validators=[DataRequired(_l("请填写姓名或称呼")),
                                                        Length(max=60, message=_l("姓名或称呼不能超过60个字"))])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请填写初始密码")), Length(max=200)])
    repeat = PasswordField(_l("再次输入初始密码"), validators=[EqualTo("password", _l("两次输入的密码不一致"))])


class ButtonForm(FlaskForm):
    """A button that changes something (move, delete): only the CSRF token."""
