"""Table cells worked out once per table: the date column's parsed formats and memo, and
the render signatures kept per function (aims_portal/records/columns.py, table_body.py).
Each is checked against what Django or django-tables2 gives for the same input."""

import datetime
import functools
import zoneinfo

import django_tables2 as tables
import pytest
from django.utils import dateformat, formats, timezone
from django_tables2.utils import signature
from hypothesis import given
from hypothesis import strategies as st

from aims_portal.records import registered_types
from aims_portal.records.columns import DateColumn, _Plan
from aims_portal.records.table_body import _signature
from controls.tables import BadgeColumn

FORMATS = [
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    r"\Y\e\a\r Y, jS F",
    "N j, Y, P e O T Z U",
    "D, d M Y H:i:s",
    "",
]
moments = st.datetimes(
    min_value=datetime.datetime(1, 1, 2),
    max_value=datetime.datetime(9999, 12, 30),
    timezones=st.just(datetime.UTC),
)


@pytest.mark.parametrize("name", FORMATS)
@given(moment=moments)
def test_a_parsed_format_writes_what_dateformat_writes(name, moment):
    format_string = formats.get_format(name) if name.isupper() else name
    plan = _Plan(format_string)
    local = timezone.localtime(moment)
    assert plan.format(local) == dateformat.format(local, format_string)
    day = local.date()
    if plan.time_codes:
        with pytest.raises(TypeError, match="time-related"):
            plan.format(day)
    else:
        assert plan.format(day) == dateformat.format(day, format_string)


def test_the_date_column_writes_local_short_dates_and_keeps_what_it_wrote():
    column = DateColumn()
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        written = column.render(moment)
        assert written == formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
        assert "Mar" in written and "08:30" in written  # already the next day in Tokyo
        assert column.render(datetime.date(2026, 3, 1)) == formats.date_format(
            datetime.date(2026, 3, 1), "SHORT_DATE_FORMAT"
        )
        assert column.render(moment) is written  # the second time, from the memo
    assert set(column._seen) == {moment, datetime.date(2026, 3, 1)}


def test_the_date_memo_stays_bounded():
    column = DateColumn()
    first = datetime.date(2000, 1, 1)
    days = [first + datetime.timedelta(days=n) for n in range(1000)]
    assert [column.render(day) for day in days] == [
        formats.date_format(day, "SHORT_DATE_FORMAT") for day in days
    ]
    assert len(column._seen) == 256


def test_a_badge_is_made_once_per_choice_and_label():
    class Record:
        status = "approved"

    column = BadgeColumn({"approved": "success"})
    bound = type("Bound", (), {"accessor": "status"})()
    first = column.render("Approved", Record(), bound)
    assert first == '<span class="badge text-bg-success">Approved</span>'
    assert column.render("Approved", Record(), bound) is first
    Record.status = "gone"
    assert column.render("<Gone>", Record(), bound) == (
        '<span class="badge text-bg-secondary">&lt;Gone&gt;</span>'
    )


class Shapes(tables.Table):
    plain = tables.Column()

    def render_plain(self, value, record):
        return value

    @staticmethod
    def static(value):
        return value

    @classmethod
    def klass(cls, value, table):
        return value

    def catch_all(self, value, **rest):
        return value

    def positional(self, *values, record):
        return record

    @functools.wraps(render_plain)
    def wrapped(self, *args, **kwargs):
        return args


def test_a_kept_signature_is_django_tables2s():
    table = Shapes([])
    for render in (
        table.render_plain,
        table.static,
        table.klass,
        table.catch_all,
        table.positional,
        table.wrapped,
        functools.partial(Shapes.render_plain, table),
        lambda value, bound_row: value,
        BadgeColumn({}).render,
    ):
        assert _signature(render) == signature(render), render
        assert _signature(render) == signature(render)  # the kept answer, the same


@pytest.mark.django_db
def test_every_registered_columns_signature_is_django_tables2s():
    checked = 0
    for rt in registered_types():
        table = rt.table_class(rt.model.objects.none())
        for bound in table.columns:
            assert _signature(bound.render) == signature(bound.render), (rt.list_url, bound)
            checked += 1
    assert checked > 150, checked
