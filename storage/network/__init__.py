"""Each member's service network (一名党员一张服务网): households (联系户), posts and task lists (设岗定责)."""
