"""What the monthly reminder says to a member about households not visited lately."""

from __future__ import annotations

from datetime import date

from handlers.kit.i18n import N_, Gettext
from storage.models import Household, Member


def unvisited_text(t: Gettext, member: Member, households: list[Household], last: dict[int, date], days: int) -> str:
    """To ``member`` alone (it names their households): those with no approved visit in ``days`` days."""
    lines = [t(N_("{name}, these households you keep in touch with (联系户) have had no visit (走访) in the last "
                  "{days} days:")).format(name=member.name, days=days)]
    for h in households:
        seen = last.get(h.id)
        lines.append(f"· {h.label} (" + (t(N_("last visit {date}")).format(date=seen.isoformat()) if seen
                                         else t(N_("no visit yet"))) + ")")
    lines.append(t(N_("After a visit, report it as volunteer service naming the household; /households lists yours.")))
    return "\n".join(lines)
