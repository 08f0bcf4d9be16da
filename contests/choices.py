"""Choices and values for the registration form: regions, events and groups, delegations."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

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


def fill_choices(form: RegistrationForm, choices: Choices) -> None:
    """Province → city → county lists from what is chosen so far; works without JavaScript (each choice
    can be posted with the 'choose' button and the page comes back with the next list filled)."""
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


def chosen_event_group(form: RegistrationForm, choices: Choices) -> tuple[Event | None, EventGroup | None]:
    event_id, _sep, group_id = (form.event_group.data or "").partition(":")
    for e, _event_name, g, _code, _group_name in choices.groups:
        if str(e) == event_id and str(g) == group_id:
            return tuple(db.session.execute(select(Event, EventGroup).join(EventGroup, EventGroup.event_id == Event.id)
                                            .where(Event.id == e, EventGroup.id == g)).one())
    return None, None


def default_delegation(choices: Choices, county_code: str) -> Delegation | None:
    """A contestant's delegation defaults to the one of their home province (or prefecture, in a
    provincial contest whose delegations are its prefectures): the longest code the county starts with."""
    matches = [(i, code) for i, code, _name in choices.delegations if (county_code or "").startswith(code)]
    best = max(matches, key=lambda m: len(m[1]), default=None)
    return db.session.get(Delegation, best[0]) if best else None
