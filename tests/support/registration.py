"""Helpers for registration tests: valid form values, images, and the open demo contest."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from contests.idnumber import make_id_number
from contests.models import Contest, Registration


def gx() -> Contest:
    return db.session.scalar(select(Contest).where(Contest.code == "GX2027"))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - years, day=28)


def person_id(seq: int = 1, age: int = 25, sex: str = "M", county: str = "450202", on: date | None = None) -> str:
    on = on or gx().starts_on
    return make_id_number(county, years_before(on, age), seq, sex)


def form_values(contest: Contest | None = None, **over) -> dict:
    contest = contest or gx()
    event = contest.events[0]
    group = event.groups[0]
    values = {
        "name": "覃海燕", "id_number": person_id(7, sex="F"), "sex": "F", "ethnic": "08", "mobile": "13907720001",
        "province": "45", "city": "4502", "county_code": "450202", "employer": "柳州市建筑工程集团",
        "skill_level": "四级/中级工", "category": "employee", "event_group": f"{event.id}:{group.id}",
        "works_in_occupation": "y", "household_number": "",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def photo_bytes(size=(360, 480), fmt="JPEG", exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (70, 110, 200))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0132] = "2020:08:11 09:00:00"
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def count_registrations() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(Registration.id)).all())
