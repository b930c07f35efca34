"""Each member's service network (一名党员一张服务网): households (联系户), posts and tasks (设岗定责).

The reporting dialog and the year-end review read the tables through storage.network
(households.of_member / visitable, posts.held_by / record_of), not through this package.
"""

from handlers.kit.router import Router
from handlers.network import households, import_file, posts
from handlers.network.forms import KIND_LABEL, parse_kind
from handlers.network.reminders import unvisited_text

router = Router()
for _part in (import_file, households, posts):
    router.include(_part.router)

__all__ = ["KIND_LABEL", "parse_kind", "router", "unvisited_text"]
