"""Typed tables. Every time is aware UTC; local time is a matter of presentation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.rules.vocabulary import (
    ActivityKind,
    AttendanceStatus,
    Audience,
    CheckinMethod,
    DuesCategory,
    HouseholdKind,
    JoinStatus,
    MembershipEvent,
    PartyStatus,
    Role,
    ServiceStatus,
    TeammateStatus,
)
from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def str_enum(enum_cls: type) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    # Local practice (check-in window, invite lifetime, ...): see storage.rules.settings for the entries and defaults.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Raised by every write that can change the branch's dues figures (storage.dues.totals), so
    # that the stored monthly totals computed at an older version are known to be out of date.
    dues_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        UniqueConstraint("branch_id", "telegram_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus))
    party_group: Mapped[str | None] = mapped_column(String(50))
    dues_category: Mapped[DuesCategory | None] = mapped_column(str_enum(DuesCategory))
    phone: Mapped[str | None] = mapped_column(String(20))
    joined_on: Mapped[date | None] = mapped_column(Date)
    mobile: Mapped[bool] = mapped_column(Boolean, default=False)  # 流动党员
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    telegram_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_reason: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    roles: Mapped[list[MemberRole]] = relationship(
        back_populates="member", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_set(self) -> set[Role]:
        return {r.role for r in self.roles}


class MembershipChange(Base):
    """One step of a member's history: from ``at`` on, this was their status, group and presence.

    Records are read against this history, never against today's roster.
    """

    __tablename__ = "membership_history"
    # What each member was on a day: their latest entry up to then, found without sorting.
    __table_args__ = (Index("ix_membership_history_member_at", "member_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[MembershipEvent] = mapped_column(str_enum(MembershipEvent))
    status: Mapped[PartyStatus] = mapped_column(str_enum(PartyStatus))
    party_group: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class MemberRole(Base):
    __tablename__ = "member_roles"
    __table_args__ = (UniqueConstraint("member_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))

    member: Mapped[Member] = relationship(back_populates="roles")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class JoinRequest(Base):
    __tablename__ = "join_requests"
    __table_args__ = (
        # At most one open request per person per branch, even when two arrive at once.
        Index(
            "uq_join_requests_pending",
            "branch_id",
            "telegram_user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    telegram_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[JoinStatus] = mapped_column(str_enum(JoinStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("rule_id", "occurrence"),
        Index("ix_activities_branch_starts", "branch_id", "starts_at"),  # a period of many branches (the roll-up)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    audience_group: Mapped[str | None] = mapped_column(String(50))
    checkin_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # On-site activities take check-ins through the room's QR code (or an officer); mobile
    # members may still check in remotely when allow_remote is set.
    onsite: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_remote: Mapped[bool] = mapped_column(Boolean, default=True)
    qr_secret: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # When check-in opened and who was expected was fixed (one attendance row each): from then on the
    # record reads those rows, whatever the roster says later.
    roster_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Made from a recurring rule: which one, and the date the rule gave (stable when moved).
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("schedule_rules.id"))
    occurrence: Mapped[date | None] = mapped_column(Date)


class Attendance(Base):
    """One person at one activity: whether they were expected, with their status on that day, and what became of them."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("activity_id", "member_id"),
        # The committee roll-up counts who was present per activity from this index alone.
        Index("ix_attendance_rollup", "activity_id", "status", "expected"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # Fixed when check-in opens: expected or only welcome (an activist at a 党课), and as what.
    expected: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    party_status: Mapped[PartyStatus | None] = mapped_column(str_enum(PartyStatus))
    party_group: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus))
    method: Mapped[CheckinMethod | None] = mapped_column(str_enum(CheckinMethod))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    leave_reason: Mapped[str | None] = mapped_column(Text)
    leave_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leave_decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    leave_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    makeup_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 补课, owed by those on leave
    makeup_done_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """Update ids already handled: a redelivered update is recognised and dropped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Conversation(Base):
    """The step a person is at in a multi-step dialog, kept here to survive restarts."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserPref(Base):
    __tablename__ = "user_prefs"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language_code: Mapped[str | None] = mapped_column(String(16))  # as Telegram reports it
    locale: Mapped[str | None] = mapped_column(String(16))  # chosen with /lang, wins
    private_chat_open: Mapped[bool] = mapped_column(Boolean, default=False)
    current_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """One message the bot sends on its own initiative, written with whatever caused it.

    ``key`` says what it is and to whom (``broadcast:12:chat:345``): the same key is never
    queued twice, so a retried cause never sends twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    purpose: Mapped[str] = mapped_column(String(80), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    photo: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    document: Mapped[str | None] = mapped_column(String(200))  # a Telegram file_id
    media: Mapped[list[Any] | None] = mapped_column(JSON)  # an album: Telegram file_ids for sendMediaGroup
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_files.id"), index=True)  # a file the bot made
    status: Mapped[str] = mapped_column(String(16))  # see storage.outbox.Status
    possibly_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxFile(Base):
    """A file the bot made (a chart, a ledger) that outbox rows upload; one file may go to many chats.

    Kept apart so that the outbox stays light. The bytes are dropped once every row sending the
    file is done; the name and size stay for the record.
    """

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "photo" (sendPhoto) or "document" (sendDocument)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Broadcast(Base):
    """A notice an officer sent to an audience, with or without asking for "收到"."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A branch's notice has its branch and author; a committee's notice (to many branches) has
    # neither, but its committee and the officer's Telegram account.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(200))  # Telegram file_ids
    document: Mapped[str | None] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(24))  # see storage.broadcasts.Audience
    audience_arg: Mapped[str | None] = mapped_column(String(50))
    require_ack: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One member's copy of a broadcast: where it went and when they tapped 收到."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("broadcast_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)  # None: cannot be messaged privately
    outbox_key: Mapped[str | None] = mapped_column(String(160))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudges: Mapped[int] = mapped_column(Integer, default=0)
    last_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduleRule(Base):
    """A branch's recurring date: an activity (主题党日, 支委会, ...) or the monthly dues deadline."""

    __tablename__ = "schedule_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "activity" or "dues"
    kind: Mapped[ActivityKind | None] = mapped_column(str_enum(ActivityKind))
    title: Mapped[str] = mapped_column(String(100))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    place: Mapped[str | None] = mapped_column(String(100))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    audience_group: Mapped[str | None] = mapped_column(String(50))
    recurrence: Mapped[dict[str, Any]] = mapped_column(JSON)  # storage.rules.recurrence.Rule.to_json()
    offsets: Mapped[list[Any]] = mapped_column(JSON)  # [storage.rules.recurrence.Offset.to_json(), ...]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleException(Base):
    """One occurrence moved or skipped (a holiday) without touching its rule."""

    __tablename__ = "rule_exceptions"
    __table_args__ = (UniqueConstraint("rule_id", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("schedule_rules.id"), index=True)
    occurrence: Mapped[date] = mapped_column(Date)
    moved_to: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: skipped
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ScheduledEvent(Base):
    """A timed thing that must happen once: a reminder, a compliance notice, a follow-up.

    The key is claimed before anything is sent, so restarts and other instances skip it.
    """

    __tablename__ = "scheduled_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # "done" or "missed" (due during downtime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DuesAmount(Base):
    """A member's monthly dues from ``effective_month`` on, with its basis: the history is kept, so a
    past month is owed at the amount that held then (the latest row from before or in that month)."""

    __tablename__ = "dues_amounts"
    __table_args__ = (Index("ix_dues_amounts_member_month", "member_id", "effective_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    effective_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    category: Mapped[DuesCategory] = mapped_column(str_enum(DuesCategory))
    basis_fen: Mapped[int | None] = mapped_column(BigInteger)  # income or pension, seen by the member and officers only
    amount_fen: Mapped[int] = mapped_column(Integer)  # owed a month (分)
    extra_fen: Mapped[int] = mapped_column(Integer, default=0)  # voluntary extra a month, never owed
    source: Mapped[str] = mapped_column(String(16))  # declared (by the member), set (by an officer), confirmed
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DuesPayment(Base):
    """A payment (or its reversal): for whom, who paid (代缴), how much, how, and whether it stands.

    Self-reports are pending until an officer confirms or rejects them; what officers record is
    confirmed at once. A correction is a new row reversing an earlier one (``reverses_id``, with
    negated allocations): nothing is edited in place but the pending status.
    """

    __tablename__ = "dues_payments"
    __table_args__ = (Index("ix_dues_payments_branch_status", "branch_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # 代缴: paid by another member
    amount_fen: Mapped[int | None] = mapped_column(Integer)  # None: what was owed (a /paid mark), fixed when confirmed
    method: Mapped[str] = mapped_column(String(16))  # cash, wechat, alipay, transfer, other, unknown
    status: Mapped[str] = mapped_column(String(16))  # pending, confirmed, rejected
    source: Mapped[str] = mapped_column(String(16))  # self, officer, migrated, reversal
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why rejected, or why reversed
    override_reason: Mapped[str | None] = mapped_column(Text)  # back-payment beyond the rule's months
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payments.id"), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))


class DuesAllocation(Base):
    """The part of a payment that goes to one month (negative for a reversal)."""

    __tablename__ = "dues_allocations"
    __table_args__ = (
        UniqueConstraint("payment_id", "month"),
        Index("ix_dues_allocations_member_month", "member_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("dues_payments.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    amount_fen: Mapped[int | None] = mapped_column(Integer)  # None until a payment of unknown amount is confirmed


class DuesWaiver(Base):
    """The branch's decision that a member's months are settled without payment (减免), or its reversal."""

    __tablename__ = "dues_waivers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    first_month: Mapped[str] = mapped_column(String(7))
    last_month: Mapped[str] = mapped_column(String(7))
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("dues_waivers.id"), unique=True)


class DuesMonthTotal(Base):
    """A branch's dues collection in one month, as storage.dues.ledger computes it: derived data, kept so
    that a committee's roll-up over many branches reads one row per branch and month. It holds while
    ``version`` equals the branch's ``dues_version`` and ``rules`` the ledger's (storage.dues.totals.RULES);
    storage.dues.totals keeps it up to date."""

    __tablename__ = "dues_month_totals"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[int] = mapped_column(Integer)
    # Over the member-months owed whose amount is known (what the collection rate counts):
    owed_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    waived_fen: Mapped[int] = mapped_column(BigInteger)
    owing: Mapped[int] = mapped_column(Integer)  # member-months owed
    settled: Mapped[int] = mapped_column(Integer)  # of them, settled
    unknown: Mapped[int] = mapped_column(Integer)  # of them, amount not known


# Volunteer service (志愿服务) and each member's service network (一名党员一张服务网).


class ServiceCategory(Base):
    """A kind of service a branch reports (关爱空巢老人, ...): data, added and retired by the secretary."""

    __tablename__ = "service_categories"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceReport(Base):
    """One piece of volunteer service, reported by a member (for a team: the teammates are rows below)."""

    __tablename__ = "service_reports"
    # The same report submitted twice (a double tap, a redelivered update) is one: the fingerprint of its
    # content is unique per member while it stands; withdrawn and rejected reports clear it.
    __table_args__ = (UniqueConstraint("member_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)  # per person, in half-hour steps
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when given as start and end
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"))
    place: Mapped[str] = mapped_column(String(200))
    people_served: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)  # a visit (走访)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("service_posts.id"))
    status: Mapped[ServiceStatus] = mapped_column(str_enum(ServiceStatus), index=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)  # the reason of a rejection or a requested change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServicePhoto(Base):
    """A photo of a report, kept as Telegram's file id and re-sent by it, never downloaded."""

    __tablename__ = "service_photos"
    __table_args__ = (UniqueConstraint("report_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("service_reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(50))


class ServiceTeammate(Base):
    """A teammate named on a team report; the hours count for them once they confirm."""

    __tablename__ = "service_teammates"
    __table_args__ = (UniqueConstraint("report_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("service_reports.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[TeammateStatus] = mapped_column(str_enum(TeammateStatus))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceReview(Base):
    """Each decision on a report, in order: approved, rejected or a change asked for, by whom and why."""

    __tablename__ = "service_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("service_reports.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    decision: Mapped[ServiceStatus] = mapped_column(str_enum(ServiceStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MediaGroupItem(Base):
    """A photo of an incoming album, held until the album is complete (albums arrive one update per photo).

    Kept in the database so the buffer holds across instances and restarts.
    """

    __tablename__ = "media_group_items"
    __table_args__ = (UniqueConstraint("media_group_id", "file_unique_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    media_group_id: Mapped[str] = mapped_column(String(64), index=True)
    file_id: Mapped[str] = mapped_column(String(200))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Household(Base):
    """A household a member keeps in touch with (联系户). Its details are for that member and the officers."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("member_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))  # 王奶奶（空巢）
    kind: Mapped[HouseholdKind] = mapped_column(str_enum(HouseholdKind))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServicePost(Base):
    """A post a member can hold (设岗定责): 政策宣传员, 环境整治示范岗, 矛盾调解员, ..."""

    __tablename__ = "service_posts"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    area: Mapped[str | None] = mapped_column(String(200))  # the responsibility area
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostHolder(Base):
    """A member holding a post, from when until when (volunteered or given)."""

    __tablename__ = "post_holders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("service_posts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # None: volunteered


class PostTask(Base):
    """One task on a post holder's list (任务清单); done when it is, optionally by a report."""

    __tablename__ = "post_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("post_holders.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("service_reports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
class Committee(Base):
    """A higher committee (党委/党总支) overseeing branches that linked themselves to it."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # What a branch secretary types to ask for a link; None: revoked, no new links until a new one.
    join_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    code_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))  # where its periods (months, quarters) begin
    locale: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"attendance_min_percent": 80}
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitteeOfficer(Base):
    """Someone who may see a committee's roll-up and act for it: its secretary (书记) or another officer."""

    __tablename__ = "committee_officers"
    __table_args__ = (UniqueConstraint("committee_id", "telegram_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # see storage.committee.committees.OfficerRole
    added_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # acting for this committee since


class CommitteeInvite(Base):
    """A one-time link that makes whoever opens it an officer of the committee."""

    __tablename__ = "committee_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_user_id: Mapped[int | None] = mapped_column(BigInteger)


# Links that stand (asked for, or approved): the partial unique index's predicate, which an ON CONFLICT
# must repeat in literal form for PostgreSQL to match the index.
OPEN_LINK = "status IN ('pending', 'approved')"


class CommitteeLink(Base):
    """A branch under a committee: asked by the branch secretary, decided by a committee officer, maybe ended."""

    __tablename__ = "committee_links"
    __table_args__ = (
        # A branch asks for, or is under, one committee at a time, even when two requests race.
        Index(
            "uq_committee_links_open",
            "branch_id",
            unique=True,
            sqlite_where=text(OPEN_LINK),
            postgresql_where=text(OPEN_LINK),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # see storage.committee.committees.LinkStatus
    requested_by_user_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
