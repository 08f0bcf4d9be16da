"""Choices and values for the registration form: regions, events and groups, delegations."""

from __future__ import annotations

from flask_babel import gettext as _

from contests import regions
from contests.forms import RegistrationForm
from contests.models import Contest, Registration
from contests.registration import PersonEntry


def fill_choices(form: RegistrationForm, contest: Contest) -> None:
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
        (f"{e.id}:{g.id}", e.name if g.code == "open" else f"{e.name} · {g.name}")
        for e in contest.events for g in e.groups
    ]
    form.delegation.choices = [("", _("请选择代表团"))] + [(str(d.id), d.name) for d in contest.delegations]


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


def chosen_event_group(form: RegistrationForm, contest: Contest):
    event_id, _sep, group_id = (form.event_group.data or "").partition(":")
    for event in contest.events:
        if str(event.id) == event_id:
            for group in event.groups:
                if str(group.id) == group_id:
                    return event, group
    return None, None


def default_delegation(contest: Contest, county_code: str):
    """A contestant's delegation defaults to the one of their home province (or prefecture, in a
    provincial contest whose delegations are its prefectures): the longest code the county starts with."""
    matches = [d for d in contest.delegations if (county_code or "").startswith(d.code)]
    return max(matches, key=lambda d: len(d.code), default=None)
