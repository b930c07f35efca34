"""The dues buttons: an officer confirms or rejects a self-report; a member confirms their basis."""

from __future__ import annotations

from typing import Annotated

from handlers.kit.callbacks import ID, Callback


class DuesConfirm(Callback, prefix="dc"):
    payment: Annotated[int, ID]


class DuesReject(Callback, prefix="dj"):
    payment: Annotated[int, ID]


class BasisStill(Callback, prefix="dk"):
    """The yearly question: my basis is still right."""

    member: Annotated[int, ID]
