"""Branch settings: one registry entry each, listed by /settings, checked and audited by /set."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.branches import BranchSettings
from storage.models import AuditEntry, Branch
from storage.rules import settings
from storage.rules.settings import REGISTRY, Registry, Setting, parse_whole
from tests.test_activities import linked
from tests.test_flow import setup_branch


def test_whole_numbers_are_read_in_ascii_or_full_width_digits_only():
    assert parse_whole("15") == 15 and parse_whole(" １５ ") == 15 and parse_whole("0") == 0
    for text in ("", "-1", "+1", "1.5", "1e3", "²", "①", "١٢", "15分钟", "1 5", "1234567890"):
        assert parse_whole(text) is None, text
    entry = REGISTRY.lookup("invite_days")
    assert entry is not None and entry.parse("90") == 90 and entry.parse("91") is None and entry.parse("0") is None


def test_every_entry_is_whole_and_names_are_unique():
    assert [e.name for e in REGISTRY] == ["checkin_before_minutes", "checkin_after_minutes", "invite_days",
                                          "nudge_after_hours", "nudge_max", "leave_before_minutes",
                                          "proxy_checkin_hours", "household_target", "visit_interval_days",
                                          "service_max_age_days", "review_reminder_days", "publicity",
                                          "summary_day", "summary_hour", "dues_cap_yuan", "dues_rural_fen",
                                          "dues_rounding", "dues_ahead_months", "dues_basis_month"]
    assert REGISTRY.lookup("签到提前") is REGISTRY.lookup("CHECKIN_BEFORE") is REGISTRY.lookup("checkin_before_minutes")
    with pytest.raises(ValueError):
        REGISTRY.with_entry(Setting("other", "nudge_max", 1, 0, 2, "x", "y", "z"))
    with pytest.raises(ValueError):
        Setting("bad", "bad", 5, 0, 2, "x", "y", "z")  # default out of range
    stored = {"invite_days": 30, "nudge_max": 99, "checkin_after_minutes": "5", "gone": 1}
    assert Registry(REGISTRY).values(stored) == {
        "checkin_before_minutes": 30, "checkin_after_minutes": 0, "invite_days": 30, "nudge_after_hours": 24,
        "nudge_max": 2, "leave_before_minutes": 0, "proxy_checkin_hours": 72, "household_target": 5,
        "visit_interval_days": 90, "service_max_age_days": 60, "review_reminder_days": 3, "publicity": 0,
        "summary_day": 1, "summary_hour": 9, "dues_cap_yuan": 1000, "dues_rural_fen": 20,
        "dues_rounding": 0, "dues_ahead_months": 12, "dues_basis_month": 1}


async def stored_settings(bot) -> dict:
    async with bot.db.session() as s:
        return (await s.scalar(select(Branch))).settings


async def test_settings_lists_every_entry_and_set_checks_saves_and_audits(bot):
    sec = await setup_branch(bot)
    text = (await bot.say(sec, "/settings"))[-1].text
    for entry in REGISTRY:
        assert f"({entry.key}): {entry.default} " in text and f"from {entry.low} to {entry.high}" in text
    assert "check-in opens before the start (checkin_before): 30 min, from 0 to 1440" in text
    # Full-width digits are taken; other digit-like characters, signs and out-of-range values are not.
    assert "Saved." in (await bot.say(sec, "/set checkin_before １５"))[-1].text
    for bad in ("²", "①", "-5", "1441", "15min"):
        reply = (await bot.say(sec, f"/set checkin_before {bad}"))[-1].text
        assert reply.startswith("checkin_before takes a whole number from 0 to 1440."), bad
    assert (await stored_settings(bot))["checkin_before_minutes"] == 15
    async with bot.db.session() as s:
        [change] = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "settings.change")
                                        .where(AuditEntry.target == "checkin_before_minutes")))
    assert change.details["value"] == "15" and change.actor_user_id == sec.id
    # /set with only a name explains it.
    reply = (await bot.say(sec, "/set 提醒次数"))[-1].text
    assert "nudge_max" in reply and "How many times one member is reminded" in reply
    # A member may not change anything.
    zhang = await linked(bot, sec, 2, "张三")
    assert (await bot.say(zhang, "/set invite_days 30"))[-1].text.startswith("Only the")
    assert (await stored_settings(bot))["invite_days"] == 14


async def test_an_entry_added_to_the_registry_shows_up_in_settings_and_set(bot, monkeypatch):
    extra = Setting("review_within_days", "review_within", 2, 0, 72, "reports reviewed within",
                    "How long reviewers have for a volunteer report.", "days", ("审核期限",))
    monkeypatch.setattr(settings, "REGISTRY", REGISTRY.with_entry(extra))
    sec = await setup_branch(bot)
    text = (await bot.say(sec, "/settings"))[-1].text
    assert "reports reviewed within (review_within): 2 days, from 0 to 72" in text
    assert "review_within takes a whole number from 0 to 72." in (await bot.say(sec, "/set 审核期限 73"))[-1].text
    reply = (await bot.say(sec, "/set review_within ２４"))[-1].text
    assert "Saved." in reply and "reports reviewed within (review_within): 24 days" in reply
    async with bot.db.session() as s:
        branch = await s.scalar(select(Branch))
        assert BranchSettings.of(branch).review_within_days == 24
        assert BranchSettings.of(branch).invite_days == 14


async def test_set_renames_the_branch_and_changes_its_time_zone_and_language(bot):
    sec = await setup_branch(bot)
    assert "not a time zone I know" in (await bot.say(sec, "/set timezone Mars/Olympus"))[-1].text
    assert "at most 100 characters" in (await bot.say(sec, "/set name " + "长" * 101))[-1].text
    assert "Saved." in (await bot.say(sec, "/set timezone Asia/Urumqi"))[-1].text
    assert "Saved." in (await bot.say(sec, "/set name 第二党支部"))[-1].text
    reply = (await bot.group(sec, "/set language zh"))[-1].text
    assert reply.startswith("已保存")  # answered in the language just chosen
    async with bot.db.session() as s:
        branch = await s.scalar(select(Branch))
        assert (branch.timezone, branch.name, branch.locale) == ("Asia/Urumqi", "第二党支部", "zh_CN")
        changed = list(await s.scalars(select(AuditEntry.target).where(AuditEntry.action == "settings.change")))
    assert changed[-3:] == ["timezone", "name", "language"]
