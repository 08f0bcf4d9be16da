"""The people who use Saiwu, in the contest's own words."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ORGANISER = "organiser"  # 组委会: sets up a contest, runs the draw, publishes results
    DELEGATION = "delegation"  # 代表团组织方 / 领队: one province's contestants
    CHIEF_JUDGE = "chief_judge"  # 裁判长: runs an event's judging
    JUDGE = "judge"  # 裁判员
    ENCRYPTION_JUDGE = "encryption_judge"  # 加密裁判: holds the sealed codes
    SUPERVISOR = "supervisor"  # 监督仲裁组: rechecks and appeals
    CONTESTANT = "contestant"  # 选手

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ORGANISER: _l("组委会"),
    Role.DELEGATION: _l("代表团组织方"),
    Role.CHIEF_JUDGE: _l("裁判长"),
    Role.JUDGE: _l("裁判员"),
    Role.ENCRYPTION_JUDGE: _l("加密裁判"),
    Role.SUPERVISOR: _l("监督仲裁"),
    Role.CONTESTANT: _l("选手"),
}

STAFF = frozenset({Role.ORGANISER, Role.CHIEF_JUDGE, Role.JUDGE, Role.ENCRYPTION_JUDGE, Role.SUPERVISOR})
JUDGING = frozenset({Role.CHIEF_JUDGE, Role.JUDGE})
