"""The ledgers (台账) as Excel files: /export KIND [period], privately, to the officers entitled, audited.

``KINDS`` lists the ledgers; a new one is one ``LedgerKind`` entry (see handlers/ledgers/kinds.py).
"""

from handlers.ledgers import export
from handlers.ledgers.kinds import KINDS, Job, LedgerKind

router = export.router

__all__ = ["KINDS", "Job", "LedgerKind", "router"]
