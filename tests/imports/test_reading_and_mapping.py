"""Files of every common shape are read right, and their columns recognised."""

import codecs

import pytest

from crm.imports.mapping import FULL_NAME, IGNORE, auto_mapping, check_mapping, split_full_name
from crm.imports.reading import UnreadableFile, open_csv

TEXT = "first_name,last_name,email,notes\r\nBjörk,Guðmundsdóttir,bjork@x.example,Café crème\r\n"


def rows(data: bytes) -> list[list[str]]:
    return [cells for _line, cells in open_csv(data).rows()]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with a BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.replace("ð", "d").encode("cp1252"), "cp1252"),
    ],
)
def test_each_encoding_keeps_its_accents(data, encoding):
    csv_file = open_csv(data)
    assert csv_file.encoding == encoding
    assert csv_file.header == ["first_name", "last_name", "email", "notes"]
    assert rows(data)[0][0] == "Björk"
    assert rows(data)[0][3] == "Café crème"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter(delimiter):
    data = TEXT.replace(",", delimiter).encode()
    assert open_csv(data).delimiter == delimiter
    assert rows(data) == [["Björk", "Guðmundsdóttir", "bjork@x.example", "Café crème"]]


def test_quoted_fields_with_newlines_quotes_and_delimiters():
    data = b'name,notes\r\n"Okafor, Ana","She said ""send it""\nand a second line"\r\nBen,x\r\n'
    found = list(open_csv(data).rows())
    assert found[0] == (2, ["Okafor, Ana", 'She said "send it"\nand a second line'])
    assert found[1] == (4, ["Ben", "x"])  # line numbers count the embedded newline


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_ending_including_old_mac_carriage_returns(end):
    data = end.join(["name,notes", 'Ana,"two' + end + 'lines"', "Ben,x", ""]).encode()
    found = list(open_csv(data).rows())
    assert found == [(2, ["Ana", f"two{end}lines"]), (4, ["Ben", "x"])]


def test_a_file_on_disk_is_read_a_piece_at_a_time_with_the_same_rows(tmp_path):
    """The CLI imports from the file itself; the text is never held whole. A byte that is
    not UTF-8 three megabytes in (Excel's cp1252 in a sheet that started out plain) still
    makes the whole file read as cp1252, as it does when the upload is in memory."""
    filler = "".join(f"Person {i},p{i}@x.example,plain\r\n" for i in range(100_000))
    data = ("name,email,notes\r\n" + filler).encode() + "Zoë,z@x.example,Café\r\n".encode("cp1252")
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    on_disk, in_memory = open_csv(path), open_csv(data)
    assert on_disk.encoding == in_memory.encoding == "cp1252"
    assert on_disk.header == ["name", "email", "notes"]
    assert (on_disk.size, on_disk.most_rows) == (in_memory.size, in_memory.most_rows)
    found = list(on_disk.rows())
    assert found == list(in_memory.rows())
    assert len(found) == 100_001 and found[-1] == (100_002, ["Zoë", "z@x.example", "Café"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \r\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b",,,\r\na,b,c,d\r\n", "name the columns"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data, message):
    with pytest.raises(UnreadableFile, match=message):
        open_csv(data)


GOOGLE_OLD = [
    "Name",
    "Given Name",
    "Additional Name",
    "Family Name",
    "Group Membership",
    "E-mail 1 - Type",
    "E-mail 1 - Value",
    "Phone 1 - Type",
    "Phone 1 - Value",
    "Organization 1 - Name",
    "Organization 1 - Title",
    "Notes",
]
GOOGLE_NEW = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Nickname",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Organization Name",
    "Organization Title",
    "Labels",
    "Notes",
]
OUTLOOK = [
    "Title",
    "First Name",
    "Middle Name",
    "Last Name",
    "Company",
    "Job Title",
    "Business City",
    "Business Country/Region",
    "Business Phone",
    "Mobile Phone",
    "E-mail Address",
    "E-mail Display Name",
    "Web Page",
    "Notes",
    "Categories",
]
SHEET = ["Name", "Label", "Position", "E-mail", "IG", "Location", "Genre(s)", "Notes"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            GOOGLE_OLD,
            {
                "Given Name": "first_name",
                "Family Name": "last_name",
                "Group Membership": "tags",
                "E-mail 1 - Value": "email",
                "Phone 1 - Value": "phone",
                "Organization 1 - Name": "company",
                "Organization 1 - Title": "title",
                "Notes": "notes",
            },
        ),
        (
            GOOGLE_NEW,
            {
                "First Name": "first_name",
                "Last Name": "last_name",
                "E-mail 1 - Value": "email",
                "Phone 1 - Value": "phone",
                "Organization Name": "company",
                "Organization Title": "title",
                "Labels": "tags",
                "Notes": "notes",
            },
        ),
        (
            OUTLOOK,
            {
                "First Name": "first_name",
                "Last Name": "last_name",
                "Company": "company",
                "Job Title": "title",
                "Business City": "city",
                "Business Country/Region": "country",
                "Business Phone": "phone",
                "Mobile Phone": "phone",
                "E-mail Address": "email",
                "Web Page": "website",
                "Notes": "notes",
                "Categories": "tags",
            },
        ),
        (
            SHEET,
            {
                "Name": FULL_NAME,
                "Label": "company",
                "Position": "title",
                "E-mail": "email",
                "IG": "instagram",
                "Location": "city",
                "Genre(s)": "genres",
                "Notes": "notes",
            },
        ),
    ],
)
def test_headers_of_real_exports_are_recognised(header, expected):
    mapped = dict(zip(header, auto_mapping(header), strict=True))
    assert {h: f for h, f in mapped.items() if f} == expected


def test_a_saved_mapping_wins():
    assert auto_mapping(["Name", "Stuff"], {"stuff": "notes"}) == [FULL_NAME, "notes"]


def test_a_file_without_name_or_email_columns_cannot_be_imported():
    assert check_mapping([IGNORE, "city"]) is not None
    assert check_mapping(["email"]) is None


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ana Okafor", ("Ana", "Okafor")),
        ("Ana María Okafor", ("Ana María", "Okafor")),
        ("Okafor, Ana", ("Ana", "Okafor")),
        ("Cher", ("Cher", "")),
    ],
)
def test_full_names_are_split(name, parts):
    assert split_full_name(name) == parts


def test_the_header_decides_the_delimiter_even_when_cells_are_full_of_others():
    data = b'name,notes\r\nAna,"a;b;c;d\tx"\r\nBen,"1;2;3"\r\n'
    assert open_csv(data).delimiter == ","
    assert open_csv(b"name;notes\r\nAna;a,b,c\r\n").delimiter == ";"
