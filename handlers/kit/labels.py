"""Names of the domain's words as people say them, in both directions."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from handlers.kit.i18n import N_, Gettext
from storage.rules.vocabulary import ActivityKind, Audience, PartyStatus, Role

T = TypeVar("T")
LIST_SEPARATOR = N_(", ")

KIND = {
    ActivityKind.THEME_DAY: N_("Theme Party Day"),
    ActivityKind.GENERAL_MEETING: N_("General meeting of Party members"),
    ActivityKind.COMMITTEE_MEETING: N_("Branch committee meeting"),
    ActivityKind.GROUP_MEETING: N_("Party group meeting"),
    ActivityKind.PARTY_LECTURE: N_("Party lecture"),
    ActivityKind.LIFE_MEETING: N_("Organisational life meeting"),
    ActivityKind.DEMOCRATIC_REVIEW: N_("Democratic review of Party members"),
    ActivityKind.TALK: N_("Heart-to-heart talk"),
    ActivityKind.OTHER: N_("Other activity"),
}

STATUS = {
    PartyStatus.FULL: N_("full member"),
    PartyStatus.PROBATIONARY: N_("probationary member"),
    PartyStatus.ACTIVIST: N_("activist"),
}

ROLE = {
    Role.SECRETARY: N_("secretary"),
    Role.DEPUTY: N_("deputy secretary"),
    Role.ORGANIZER: N_("organisation committee member"),
    Role.PROPAGANDA: N_("publicity committee member"),
    Role.GROUP_LEADER: N_("Party group leader"),
}

AUDIENCE = {
    Audience.BRANCH: N_("the whole branch"),
    Audience.COMMITTEE: N_("the branch committee"),
    Audience.GROUP: N_("Party group {group}"),
}

# What people type, in either language, for each value (the English names as shown are added below).
KIND_WORDS_TYPED = {
    ActivityKind.THEME_DAY: ("主题党日", "党日", "theme", "theme_day", "themeday"),
    ActivityKind.GENERAL_MEETING: ("支部党员大会", "党员大会", "大会", "general", "general_meeting"),
    ActivityKind.COMMITTEE_MEETING: ("支委会", "支部委员会", "committee", "committee_meeting"),
    ActivityKind.GROUP_MEETING: ("党小组会", "小组会", "group", "group_meeting"),
    ActivityKind.PARTY_LECTURE: ("党课", "lecture", "party_lecture"),
    ActivityKind.LIFE_MEETING: ("组织生活会", "生活会", "life", "life_meeting"),
    ActivityKind.DEMOCRATIC_REVIEW: ("民主评议党员", "民主评议", "评议", "review", "democratic_review"),
    ActivityKind.TALK: ("谈心谈话", "谈心", "谈话", "talk", "talks"),
    ActivityKind.OTHER: ("其他", "其它", "活动", "other"),
}
ROLE_WORDS_TYPED = {
    Role.SECRETARY: ("书记", "支部书记", "secretary"),
    Role.DEPUTY: ("副书记", "deputy", "deputy_secretary"),
    Role.ORGANIZER: ("组织委员", "organizer", "organiser", "organisation"),
    Role.PROPAGANDA: ("宣传委员", "propaganda", "publicity"),
    Role.GROUP_LEADER: ("党小组长", "小组长", "group_leader", "leader"),
}


def _with_names(typed: dict[T, tuple[str, ...]], names: dict[T, str]) -> dict[T, tuple[str, ...]]:
    """Also understand a value's English name as the bot writes it, e.g. "Theme Party Day"."""
    return {value: (*words, names[value].lower()) for value, words in typed.items()}


KIND_WORDS = _with_names(KIND_WORDS_TYPED, KIND)
ROLE_WORDS = _with_names(ROLE_WORDS_TYPED, ROLE)
AUDIENCE_WORDS = {
    Audience.BRANCH: ("全体", "全体党员", "全支部", "支部", "all", "branch", "everyone"),
    Audience.COMMITTEE: ("支委", "支委会", "支部委员", "committee"),
}


def lookup(words: dict[T, tuple[str, ...]], text: str) -> T | None:
    key = " ".join(text.split()).lower()
    for value, names in words.items():
        if key in names:
            return value
    return None


def local_time(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def audience_text(t: Gettext, audience: Audience, group: str | None) -> str:
    return t(AUDIENCE[audience]).format(group=group or "")


def roles_text(t: Gettext, roles: set[Role]) -> str:
    return t(LIST_SEPARATOR).join(t(ROLE[r]) for r in Role if r in roles)
