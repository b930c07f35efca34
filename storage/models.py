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
    JoinStatus,
    MembershipEvent,
    PartyStatus,
    Role,
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
    __table_args__ = (UniqueConstraint("rule_id", "occurrence"),)

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
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)

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
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
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
