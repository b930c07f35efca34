"""Leave (请假): the reason asked privately, an officer's decision, the answer to the member."""

from handlers.leave import requests

router = requests.router
