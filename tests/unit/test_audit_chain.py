"""The audit hash: deterministic, and any change to content or predecessor changes it."""

from app.audit import GENESIS, entry_hash

CONTENT = {"seq": 1, "at": "2020-08-11T09:00:00.000000", "user_id": 3, "username": "chief-dg",
           "role": "chief_judge", "action": "mark_unlock", "object_type": "Sheet", "object_id": "7",
           "before": "", "after": '{"reason":"录入错误"}', "ip": "10.0.0.5"}


def test_hash_is_deterministic():
    assert entry_hash(CONTENT, GENESIS) == entry_hash(dict(reversed(list(CONTENT.items()))), GENESIS)


def test_every_field_is_covered():
    base = entry_hash(CONTENT, GENESIS)
    for key in CONTENT:
        changed = dict(CONTENT, **{key: str(CONTENT[key]) + "x"})
        assert entry_hash(changed, GENESIS) != base, key


def test_predecessor_is_covered():
    assert entry_hash(CONTENT, GENESIS) != entry_hash(CONTENT, "1" * 64)
