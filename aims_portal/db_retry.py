"""Answer a request again when the database connection died under it.

PostgreSQL may drop a connection at any moment: a restart, a failover, an operator's
``pg_terminate_backend``, a network cut. Django then raises OperationalError or
InterfaceError, and the request would end in a 500 although nothing is wrong with it.

Rules enforced here:
- a request that ended in a server error is run a second time, once, on a fresh
  connection, when the connection was gone under it: one of its statements failed that
  way, or the error that ended it did (opening a cursor, switching autocommit, committing
  or rolling back on a connection the server had dropped);
- it is run again only when it cannot have changed anything yet: no statement that writes
  ran outside a transaction, no transaction of the request committed, and no transaction
  with writes was left whose end is unknown. A transaction whose statement failed on the
  lost connection died with it (the server rolls it back); one whose writes all succeeded
  and whose request then failed outside a statement may have been lost while committing,
  so that request (whose commit may or may not have happened) is never run again;
- a request whose body could not be kept for a second reading (a large upload streamed to
  disk) is not run again;
- every second run is logged as a warning, and so is every request that lost its
  connection and was not run again, with the reason.
"""

import logging
import sys
from contextlib import ExitStack
from io import BytesIO

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Statements that neither write nor end a transaction.
# admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now.
_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})
_READ_ONLY_PREFIXES = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK TO", "SET ", "SHOW", "WITH")


class _WriteTracker:
    """Follows one request's statements on one connection: did anything become permanent?"""

    def __init__(self, connection):
        self.connection = connection
        self.committed = False
        # A transaction wrote and has not been seen to commit or to die: if the request
        # fails outside a statement, the failure may have been its COMMIT.
        self.pending = False
        self.lost = False

    def __call__(self, execute, sql, params, many, context):
        if not _reads_only(sql):
            if not self.connection.in_atomic_block:
                # Autocommit: the statement commits by itself, even when its answer is lost.
                self.committed = True
            else:
                self.pending = True
                if not any(
                    entry[1] == self._mark_committed for entry in self.connection.run_on_commit
                ):
                    # Django empties run_on_commit when the transaction commits or rolls back.
                    transaction.on_commit(self._mark_committed, using=self.connection.alias)
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError) as exc:
            # Seen here, at the failing statement: by the time a 500 page is made, Django
            # may already have opened a new connection (leaving a transaction reconnects).
            if _connection_gone(self.connection, exc):
                self.lost = True
                # The server rolls back the open transaction of a session it dropped.
                self.pending = False
            raise

    def _mark_committed(self):
        self.committed = True
        self.pending = False


def _connection_gone(connection, exc):
    """Whether the statement failed because the server or the network dropped the
    connection: the server said so (see ``_server_dropped``), or the driver's error left
    the connection broken or closed."""
    return _server_dropped(exc) or _unusable(connection)


def _server_dropped(exc):
    """SQLSTATE class 08 (connection exception) or the server shutting the session down
    (57P01-57P03)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None) or ""
    return sqlstate.startswith("08") or sqlstate in _SHUTDOWN_STATES


def _unusable(connection):
    raw = connection.connection
    return raw is None or getattr(raw, "broken", False) or getattr(raw, "closed", False)


def _note_lost_connection(sender, request=None, **kwargs):
    """Marks a request whose uncaught error is a database connection lost outside a
    statement. Django sends this signal while the exception is being handled, before the
    error page is made (which may open a new connection). Either the server said it
    dropped the session, or a connection that had an error is now unusable (Django closes
    one whose rollback failed); a connection that was simply never opened does not count.
    """
    exc = sys.exc_info()[1]
    if request is None or not isinstance(exc, (OperationalError, InterfaceError)):
        return
    if _server_dropped(exc) or any(
        conn.errors_occurred and _unusable(conn) for conn in connections.all(initialized_only=True)
    ):
        request._aims_connection_lost = True


got_request_exception.connect(_note_lost_connection, dispatch_uid="aims-db-retry")


def _reads_only(sql):
    text = sql.lstrip().upper() if isinstance(sql, str) else ""
    return text.startswith(_READ_ONLY_PREFIXES) and "RETURNING" not in text


class RetryLostConnectionMiddleware:
    """Runs a request again, once, when its database connection was lost before anything
    it did was committed (see the module's rules)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        keep_body(request)
        trackers = []
        with ExitStack() as stack:
            for conn in connections.all():
                tracker = _WriteTracker(conn)
                trackers.append(tracker)
                stack.enter_context(conn.execute_wrapper(tracker))
            response = self.get_response(request)
        if response.status_code < 500:
            return response
        refusal = refusal_to_run_again(request, trackers)
        if refusal:
            if refusal is not NOT_LOST:
                logger.warning(
                    "Database connection lost during %s %s; not answered again: %s",
                    request.method,
                    request.path,
                    refusal,
                )
            return response
        logger.warning(
            "Database connection lost during %s %s; answering it again",
            request.method,
            request.path,
        )
        for conn in connections.all(initialized_only=True):
            if not conn.in_atomic_block:
                conn.close()
        rewind_body(request)
        return self.get_response(request)


def keep_body(request):
    """Read a write request's body into memory now (within Django's in-memory limit) so
    that it can be read again on a second run."""
    if request.method in SAFE_METHODS:
        return
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or declared <= limit:
        request.body  # noqa: B018 - caches the bytes on the request


NOT_LOST = "the error was not a lost connection"


def refusal_to_run_again(request, trackers):
    """Why the failed request must not run again, or "" when it may (the module's rules)."""
    at_statement = any(tracker.lost for tracker in trackers)
    if not at_statement and not getattr(request, "_aims_connection_lost", False):
        return NOT_LOST
    if any(tracker.committed for tracker in trackers):
        return "some of its writes had committed"
    if any(tracker.pending for tracker in trackers):
        return "the connection was lost after writes, perhaps while committing them"
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return "it is inside a transaction it does not own"
    if request.method not in SAFE_METHODS and not hasattr(request, "_body"):
        return "its body was not kept for a second reading"
    return ""


def rewind_body(request):
    """Make the request's body, form data and files readable again from the kept bytes."""
    if hasattr(request, "_body"):
        request._stream = BytesIO(request._body)
        request._read_started = False
    for parsed in ("_post", "_files"):
        request.__dict__.pop(parsed, None)
