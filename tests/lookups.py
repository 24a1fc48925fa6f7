"""What the searchable-filter endpoints answer as their table grows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def lookup_at_two_sizes(client, url, add):
    """Ask ``url`` for "bulk" after ``add(range(3))`` and again after ``add(range(3, 25))``:
    the query count and the texts of the results, each time."""

    def ask():
        client.get(url, {"q": "bulk"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"q": "bulk"})
        return len(captured), [result["text"] for result in response.json()["results"]]

    add(range(3))
    small = ask()
    add(range(3, 25))
    return small, ask()
