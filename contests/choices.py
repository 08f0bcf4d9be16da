"""Choices and values for the registration form: regions, events and groups, delegations."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, literal, select

from app.extensions import db
from contests import regions
from contests.forms import RegistrationForm
from contests.models import Contest, Delegation, Event, EventGroup, Registration
from contests.registration import PersonEntry


@dataclass(frozen=True)
class Choices:
    """What the form offers, as plain rows: (event id, event name, group id, group code, group name) and
    (delegation id, code, name). Read on every registration post, so no Event or Delegation is loaded for
    the lists; only the ones chosen are (``chosen_event_group``, ``default_delegation``)."""

    groups: list[tuple[int, str, int, str, str]]
    delegations: list[tuple[int, str, str]]

    @classmethod
    def of(cls, contest: Contest) -> Choices:
        groups = db.session.execute(
            select(Event.id, Event.name, EventGroup.id, EventGroup.code, EventGroup.name)
            .join(EventGroup, EventGroup.event_id == Event.id).where(Event.contest_id == contest.id)
            .order_by(Event.position, Event.id, EventGroup.position, EventGroup.id)).all()
        delegations = db.session.execute(
            select(Delegation.id, Delegation.code, Delegation.name).where(Delegation.contest_id == contest.id)
            .order_by(Delegation.code)).all()
        return cls([tuple(r) for r in groups], [tuple(r) for r in delegations])


def fill_choices(form: RegistrationForm, contest: Contest) -> None:
    """The lists of a form about to be shown (a post reads only what was chosen; every list field takes any
    value and the service checks it). Province → city → county from what is chosen so far: works without
    JavaScript (each choice can be posted with the 'choose' button and the page comes back with the next list
    filled)."""
    choices = Choices.of(contest)
    form.province.choices = [("", _("请选择省份"))] + [(p.code, p.name) for p in regions.provinces()]
    province = form.province.data or (form.county_code.data or "")[:2]
    form.province.data = province
    cities = regions.cities_of(province) if province else ()
    form.city.choices = [("", _("请选择市（州）"))] + [(c.code, c.name) for c in cities]
    city = form.city.data if (form.city.data or "").startswith(province or "#") else (form.county_code.data or "")[:4]
    form.city.data = city
    counties = regions.counties_of(city) if city else ()
    form.county_code.choices = [("", _("请选择县（区）"))] + [(c.code, c.name) for c in counties]
    form.event_group.choices = [("", _("请选择"))] + [
        (f"{event_id}:{group_id}", event_name if code == "open" else f"{event_name} · {group_name}")
        for event_id, event_name, group_id, code, group_name in choices.groups
    ]
    form.delegation.choices = [("", _("请选择代表团"))] + [(str(i), name) for i, _code, name in choices.delegations]


def load_registration(form: RegistrationForm, reg: Registration) -> None:
    for name in ("name", "id_number", "sex", "mobile", "county_code", "employer", "skill_level", "category",
                 "works_in_occupation", "poor_household", "household_number", "previous_title_holder"):
        getattr(form, name).data = getattr(reg, name)
    form.ethnic.data = reg.ethnic_code
    form.province.data = reg.county_code[:2]
    form.city.data = reg.county_code[:4]
    form.event_group.data = f"{reg.event_id}:{reg.group_id}"
    form.delegation.data = str(reg.delegation_id)


def entry_from(form: RegistrationForm) -> PersonEntry:
    return PersonEntry(
        name=form.name.data or "", id_number=form.id_number.data or "", sex=form.sex.data or "",
        ethnic=form.ethnic.data or "", mobile=form.mobile.data or "", county_code=form.county_code.data or "",
        employer=form.employer.data or "", skill_level=form.skill_level.data or "",
        category=form.category.data or "employee", works_in_occupation=bool(form.works_in_occupation.data),
        poor_household=bool(form.poor_household.data), household_number=form.household_number.data or "",
        previous_title_holder=bool(form.previous_title_holder.data),
    )





def chosen_event_group(form: RegistrationForm, contest: Contest, home_county: str | None = None
                       ) -> tuple[Event | None, EventGroup | None, Delegation | None]:
    """The event and group the form names, if they are this contest's, and with ``home_county`` the
    delegation a person from there belongs to (``default_delegation``): one read for all three."""
    event_id, _sep, group_id = (form.event_group.data or "").partition(":")
    row = None
    if event_id.isdigit() and group_id.isdigit() and len(event_id) < 10 and len(group_id) < 10:
        query = select(Event, EventGroup).join(EventGroup, EventGroup.event_id == Event.id)
        if home_county is not None:
            query = query.add_columns(Delegation).outerjoin(Delegation,
                                                            Delegation.id == _home(contest, home_county))
        row = db.session.execute(
            query.where(Event.id == int(event_id), EventGroup.id == int(group_id), Event.contest_id == contest.id)
        ).one_or_none()
    if home_county is None:
        return (row[0], row[1], None) if row else (None, None, None)
    if row is None:  # no such event here: the delegation is still wanted for the form's other messages
        return None, None, default_delegation(contest, home_county)
    return row[0], row[1], row[2]


def default_delegation(contest: Contest, county_code: str) -> Delegation | None:
    """A contestant's delegation defaults to the one of their home province (or prefecture, in a
    provincial contest whose delegations are its prefectures): the longest code the county starts with."""
    return db.session.scalar(select(Delegation).where(Delegation.id == _home(contest, county_code)))


def _home(contest: Contest, county_code: str):
    county = literal(county_code or "")
    return (select(Delegation.id).where(Delegation.contest_id == contest.id,
                                        func.substr(county, 1, func.length(Delegation.code)) == Delegation.code)
            .order_by(func.length(Delegation.code).desc(), Delegation.id).limit(1).scalar_subquery())
