"""The Party-dues ledger (党费收缴台账): amounts with their history, payments, allocations, waivers.

Reading (``storage.dues.ledger``) — what summaries, ledgers and roll-ups build on::

    book = await ledger(session, branch_id, "2026-01", "2026-12")          # -> Ledger
    book = await ledger(session, branch_id, first, last, member_ids=[...])  # only some members
    book.line(member_id, "2026-11")   # -> Line | None (None: not owed and nothing paid that month)
    book.of_member(member_id), book.of_month("2026-11")                     # -> list[Line]
    book.totals(), book.member_totals(member_id), book.month_totals(month)  # -> Totals
    book.members[member_id]            # the Member (also those who have left, for months they owed)
    book.holdings[member_id, month]    # -> Holding: category, basis (private), amount, extra, source

A ``Line`` (one member, one month) has ``owing`` (a Party member on the roster that month),
``owed`` (``Decimal`` 元, None when no basis is known), ``paid`` (confirmed, up to what was owed),
``extra`` (confirmed beyond it: voluntary), ``waived`` (settled by 减免), ``outstanding`` and
``pending`` (self-reports not confirmed yet), and ``settled``. Whenever ``owed`` is known:
``owed == paid + waived + outstanding``. ``Totals`` adds lines up (known amounts; ``unknown``
counts the member-months without an amount, ``owing`` and ``settled`` count member-months).
A fixed handful of queries per call, whatever the number of members or months.

Other reads: ``holding(session, member, month)``, ``first_owed(session, member)``,
``owed_months(session, member, first, last)``, ``payments_of(session, member_id)``,
``pending(session, branch_id)``, ``amount_history``, ``waivers_of``.

Writing (``storage.dues.payments``): ``set_amount``, ``record``, ``confirm``/``reject`` (once,
idempotent), ``reverse`` (a correction is a new reversing entry), ``waive``/``reverse_waiver``.
The pure rules (the table, months, allocation) are in ``storage.rules.dues``.
"""
