"""Reading uploads: encodings, delimiters, blank lines, headers, limits and XLSX cells. No database."""

from __future__ import annotations

import codecs
import io
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from imports.parsing import FileError, max_rows, parse_upload, sniff_delimiter
from tests.imports.conftest import HEADER, csv_bytes, row


def xlsx_bytes(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_utf8_with_bom_and_excel_header_spelling():
    data = codecs.BOM_UTF8 + "Date,Time,Channel,Text\n2036-05-04,09:30,x:Acme,Grüße 🎉\n".encode()
    parsed = parse_upload("posts.csv", data)
    assert parsed.columns == ["date", "time", "channels", "text"]
    assert parsed.rows[0].cells == {"date": "2036-05-04", "time": "09:30", "channels": "x:Acme", "text": "Grüße 🎉"}
    assert parsed.warnings == []


def test_windows_1252_is_read_with_a_warning():
    data = "date;time;channels;text\n2036-05-04;09:30;x:Acme;Grüße – schön\n".encode("cp1252")
    parsed = parse_upload("posts.csv", data)
    assert parsed.rows[0].cells["text"] == "Grüße – schön"
    assert len(parsed.warnings) == 1 and "Windows-1252" in parsed.warnings[0]


def test_utf16_tab_separated_unicode_text_from_excel():
    data = "date\ttime\tchannels\ttext\n2036-05-04\t09:30\tx:Acme\tCiao ✓\n".encode("utf-16")
    parsed = parse_upload("posts.txt", data)
    assert parsed.rows[0].cells["text"] == "Ciao ✓"


def test_a_bom_that_lies_is_a_clear_error():
    with pytest.raises(FileError, match="UTF-8"):
        parse_upload("posts.csv", codecs.BOM_UTF8 + b"date,time,channels,text\n\xff\xfe,\n")


@pytest.mark.parametrize(("header", "expected"), [
    ("date,time,channels,text", ","),
    ("date;time;channels;text", ";"),
    ("date\ttime\tchannels\ttext", "\t"),
    ('"date;x",time,channels,text', ","),  # a delimiter inside quotes does not count
    ("text", ","),
])
def test_delimiter_comes_from_the_header_line(header, expected):
    assert sniff_delimiter(f"\n{header}\nrow") == expected


def test_semicolon_file_with_commas_in_the_text_and_channel_list():
    data = b'date;time;channels;text\n2036-05-04;09:30;"x:Acme, facebook:Page";Hello, world\n'
    parsed = parse_upload("posts.csv", data)
    assert parsed.rows[0].cells["channels"] == "x:Acme, facebook:Page"
    assert parsed.rows[0].cells["text"] == "Hello, world"


def test_blank_lines_are_skipped_but_rows_keep_their_spreadsheet_numbers():
    data = b"\n\ndate,time,channels,text\n2036-05-04,09:30,x,one\n\n , , , \n2036-05-04,10:30,x,two\n"
    parsed = parse_upload("posts.csv", data)
    assert [(r.number, r.cells["text"]) for r in parsed.rows] == [(4, "one"), (7, "two")]


def test_quoted_newlines_stay_inside_the_text():
    data = b'date,time,channels,text\n2036-05-04,09:30,x,"line one\r\nline two"\n2036-05-04,10:00,x,next\n'
    parsed = parse_upload("posts.csv", data)
    assert parsed.rows[0].cells["text"] == "line one\r\nline two"
    assert [r.number for r in parsed.rows] == [2, 3]


def test_missing_columns_are_named():
    with pytest.raises(FileError) as error:
        parse_upload("posts.csv", b"date,text\n2036-05-04,hi\n")
    assert "channels, time" in error.value.message


def test_datetime_replaces_date_and_time_and_a_platform_text_replaces_text():
    parsed = parse_upload("p.csv", b"datetime,channels,text_x\n2036-05-04 09:30,x,hi\n")
    assert parsed.columns == ["datetime", "channels", "text_x"]


def test_a_column_twice_is_refused():
    with pytest.raises(FileError, match="twice"):
        parse_upload("p.csv", b"date,time,channels,text,Text\n")


def test_unknown_columns_are_ignored_with_a_warning():
    parsed = parse_upload("p.csv", b"date,time,channels,text,notes,text_myspace\n2036-05-04,09:30,x,hi,n,m\n")
    assert "notes" not in parsed.rows[0].cells
    assert parsed.warnings == ["These columns are not used and were ignored: notes, text_myspace."]


def test_extra_values_beyond_the_header_are_flagged_on_the_row():
    parsed = parse_upload("p.csv", b"date,time,channels,text\n2036-05-04,09:30,x,Hello,world\n2036-05-04,9:00,x,ok,\n")
    assert [r.overflow for r in parsed.rows] == [True, False]


def test_empty_and_header_only_files():
    with pytest.raises(FileError, match="empty"):
        parse_upload("p.csv", b"  \n\n")
    with pytest.raises(FileError, match="no rows"):
        parse_upload("p.csv", b"date,time,channels,text\n\n")


def test_row_limit_is_never_below_ten_thousand_and_is_enforced(settings):
    assert max_rows() >= 10_000
    settings.IMPORT_MAX_ROWS = 3
    parse_upload("p.csv", csv_bytes([row()] * 3))
    with pytest.raises(FileError, match="more than 3 rows"):
        parse_upload("p.csv", csv_bytes([row()] * 4))


def test_ten_thousand_rows_parse(settings):
    parsed = parse_upload("p.csv", csv_bytes([row(text=f"post {n}") for n in range(10_000)]))
    assert len(parsed.rows) == 10_000 and parsed.rows[-1].number == 10_001


def test_file_size_limit(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(FileError, match="MB"):
        parse_upload("p.csv", csv_bytes([row()] * 5))


def test_old_excel_files_are_refused_with_advice():
    with pytest.raises(FileError, match=".xlsx"):
        parse_upload("posts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)


def test_a_broken_xlsx_is_a_clear_error():
    with pytest.raises(FileError, match="XLSX"):
        parse_upload("posts.xlsx", b"PK\x03\x04 not really a zip")


def test_xlsx_keeps_date_and_time_cells_and_reads_numbers_as_text():
    data = xlsx_bytes([[date(2036, 5, 4), time(9, 30), 12, "Hello", None, 7.0, None],
                       [None] * 7,
                       [datetime(2036, 5, 5), datetime(1899, 12, 30, 14, 0), "x:Acme", "Second", None, None, "Spring"]])
    parsed = parse_upload("posts.xlsx", data)
    assert parsed.format == "xlsx"
    first, second = parsed.rows
    assert first.number == 2 and second.number == 4
    assert first.cells["date"] == datetime(2036, 5, 4) and first.cells["time"] == time(9, 30)
    assert first.cells["channels"] == "12" and first.cells["media"] == "7" and first.cells["link"] == ""
    assert second.cells["campaign"] == "Spring"
