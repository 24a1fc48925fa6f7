"""The lost-connection retry, driven by real PostgreSQL terminations of the request's own
connection (pg_terminate_backend from a second connection) at chosen moments: a request is
answered again only when nothing it did was committed, and at most once."""

import psycopg
import pytest
from django.core.handlers.exception import convert_exception_to_response
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from aims_portal.db_retry import RetryLostConnectionMiddleware
from registry.models import Supplier

from .conftest import require_service
from .live import database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgresql():
    require_service("DATABASE_URL", "PostgreSQL, whose connections the test terminates")
    yield
    connection.close()  # a connection a test left dead is not handed to the teardown


def kill_own_connection():
    """Terminate the connection this thread's queries run on, from another connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg.connect(database_url(), autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


def serve(view, request):
    """The request through the middleware, with Django's own exception-to-500 handling."""
    middleware = RetryLostConnectionMiddleware(convert_exception_to_response(view))
    return middleware(request)


@pytest.fixture
def create_supplier(lead):
    return lambda name: Supplier.objects.create(name=name, services="Hosting", owner=lead)


def test_a_read_whose_connection_dies_is_answered_again(caplog):
    runs = []

    def view(request):
        runs.append(len(runs))
        Supplier.objects.count()
        if len(runs) == 1:
            kill_own_connection()
        return HttpResponse(str(Supplier.objects.count()))

    response = serve(view, RequestFactory().get("/registry/suppliers/"))
    assert response.status_code == 200
    assert runs == [0, 1]
    assert "answering it again" in caplog.text


def test_a_write_lost_before_its_commit_is_made_once(create_supplier):
    runs = []

    def view(request):
        runs.append(request.POST["name"])
        with transaction.atomic():
            create_supplier(request.POST["name"])
            if len(runs) == 1:
                kill_own_connection()
                Supplier.objects.count()  # the dead connection fails inside the transaction
        return HttpResponse(status=201)

    response = serve(view, RequestFactory().post("/registry/suppliers/new/", {"name": "Once"}))
    assert response.status_code == 201
    assert runs == ["Once", "Once"]  # the body was read again on the second run
    assert Supplier.objects.filter(name="Once").count() == 1


def test_a_read_only_transaction_lost_at_its_commit_is_answered_again(caplog):
    runs = []

    def view(request):
        runs.append(1)
        with transaction.atomic():
            Supplier.objects.count()
            if len(runs) == 1:
                kill_own_connection()
        # No statement failed: the COMMIT did, outside every statement of the request.
        return HttpResponse(str(Supplier.objects.count()))

    response = serve(view, RequestFactory().get("/registry/suppliers/"))
    assert response.status_code == 200
    assert runs == [1, 1]
    assert "answering it again" in caplog.text


def test_writes_lost_at_their_commit_are_not_made_again(create_supplier, caplog):
    runs = []

    def view(request):
        runs.append(1)
        with transaction.atomic():
            create_supplier("Unknown outcome")
            kill_own_connection()
        # The COMMIT failed: whether it happened is unknown, so the request is not re-run.
        return HttpResponse(status=201)

    response = serve(view, RequestFactory().post("/registry/suppliers/new/", {"name": "x"}))
    assert response.status_code == 500
    assert runs == [1]
    assert "perhaps while committing" in caplog.text
    connection.close()
    assert Supplier.objects.filter(name="Unknown outcome").count() <= 1


def test_a_write_that_committed_is_not_made_twice(create_supplier, caplog):
    runs = []

    def view(request):
        runs.append(1)
        with transaction.atomic():
            create_supplier("Committed")
        kill_own_connection()
        Supplier.objects.count()  # lost after the commit: running again would duplicate
        return HttpResponse(status=201)

    response = serve(view, RequestFactory().post("/registry/suppliers/new/", {"name": "x"}))
    assert response.status_code == 500
    assert runs == [1]
    assert "not answered again: some of its writes had committed" in caplog.text
    connection.close()  # the view left it dead
    assert Supplier.objects.filter(name="Committed").count() == 1


def test_an_autocommit_write_is_not_made_twice(create_supplier):
    runs = []

    def view(request):
        runs.append(1)
        create_supplier("Autocommitted")  # outside a transaction: committed by itself
        kill_own_connection()
        Supplier.objects.count()
        return HttpResponse(status=201)

    response = serve(view, RequestFactory().post("/registry/suppliers/new/", {"name": "x"}))
    assert response.status_code == 500
    assert runs == [1]
    connection.close()  # the view left it dead
    assert Supplier.objects.filter(name="Autocommitted").count() == 1


def test_a_request_is_answered_again_at_most_once():
    runs = []

    def view(request):
        runs.append(1)
        kill_own_connection()
        Supplier.objects.count()
        return HttpResponse()

    response = serve(view, RequestFactory().get("/registry/suppliers/"))
    assert response.status_code == 500
    assert runs == [1, 1]


def test_other_database_errors_are_not_answered_again(caplog):
    runs = []

    def view(request):
        runs.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return HttpResponse()

    response = serve(view, RequestFactory().get("/registry/suppliers/"))
    assert response.status_code == 500
    assert runs == [1]
    assert "Database connection lost" not in caplog.text
