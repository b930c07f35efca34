"""Closed vocabularies stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class PartyStatus(StrEnum):
    FULL = "full"  # 正式党员: votes, counts for quorum
    PROBATIONARY = "probationary"  # 预备党员
    ACTIVIST = "activist"  # 入党积极分子: on the roster, not a Party member


PARTY_MEMBERS = (PartyStatus.FULL, PartyStatus.PROBATIONARY)


class DuesCategory(StrEnum):
    EMPLOYED = "employed"
    RETIRED = "retired"
    STUDENT = "student"
    UNEMPLOYED = "unemployed"
    SUBSISTENCE = "subsistence"  # 低保
    RURAL = "rural"
    OTHER = "other"


class Role(StrEnum):
    SECRETARY = "secretary"  # 书记
    DEPUTY = "deputy"  # 副书记
    ORGANIZER = "organizer"  # 组织委员 (keeps the roster and the dues)
    PROPAGANDA = "propaganda"  # 宣传委员
    GROUP_LEADER = "group_leader"  # 党小组长


class ActivityKind(StrEnum):
    THEME_DAY = "theme_day"  # 主题党日
    GENERAL_MEETING = "general_meeting"  # 支部党员大会
    COMMITTEE_MEETING = "committee_meeting"  # 支委会
    GROUP_MEETING = "group_meeting"  # 党小组会
    PARTY_LECTURE = "party_lecture"  # 党课
    LIFE_MEETING = "life_meeting"  # 组织生活会
    DEMOCRATIC_REVIEW = "democratic_review"  # 民主评议党员
    TALK = "talk"  # 谈心谈话
    OTHER = "other"


class Audience(StrEnum):
    BRANCH = "branch"  # every Party member of the branch
    COMMITTEE = "committee"  # members holding an officer role
    GROUP = "group"  # one 党小组


class AttendanceStatus(StrEnum):
    ABSENT = "absent"  # expected (fixed when check-in opened), not come, no leave
    PRESENT = "present"
    LEAVE_REQUESTED = "leave_requested"
    ON_LEAVE = "on_leave"
    LEAVE_REFUSED = "leave_refused"


class CheckinMethod(StrEnum):
    BUTTON = "button"
    COMMAND = "command"
    QR = "qr"
    PROXY = "proxy"  # recorded by an officer on the member's behalf


class MembershipEvent(StrEnum):
    """Why a member's status, party group or presence on the roster changed (their history)."""

    ADDED = "added"  # put on the roster (founder, /add, import, an approved /join)
    ADMITTED = "admitted"  # 积极分子 → 预备党员
    CONVERTED = "converted"  # 预备党员 → 正式党员
    STATUS = "status"  # any other change of status (a correction)
    GROUP = "group"  # moved to another party group
    TRANSFERRED_OUT = "transferred_out"  # off the roster
    RETURNED = "returned"  # back on the roster


class JoinStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ServiceStatus(StrEnum):
    """Where a volunteer-service report (志愿服务) stands. Only approved hours count anywhere."""

    PENDING = "pending"  # submitted, waiting for a reviewer
    CHANGES = "changes"  # a reviewer asked for a change; the member edits and resubmits
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the member, before review


class TeammateStatus(StrEnum):
    """A teammate named on a team report: their hours count once they confirm."""

    INVITED = "invited"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class HouseholdKind(StrEnum):
    """The kinds of household (联系户) a member keeps in touch with."""

    EMPTY_NEST = "empty_nest"  # 空巢老人
    LEFT_BEHIND = "left_behind"  # 留守儿童
    HARDSHIP = "hardship"  # 困难户
    OTHER = "other"
