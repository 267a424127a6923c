"""The content sniffer and the display-name cleaner: pure functions, no database."""
import io

import pytest

from cases.services.attachments import attachment_clean_name, attachment_sniff_type
from tests.cases import attachment_files as files


def sniff(content: bytes, name: str = "") -> str:
    return attachment_sniff_type(io.BytesIO(content), name=name)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (files.PDF, "application/pdf"),
        (files.PNG, "image/png"),
        (files.JPEG, "image/jpeg"),
        (files.GIF, "image/gif"),
        (b"GIF87a" + files.GIF[6:], "image/gif"),
        (files.WEBP, "image/webp"),
        (files.DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (files.PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (files.ZIP, "application/zip"),
        (files.TEXT, "text/plain"),
        (b'{"printer": "on fire", "count": [1, 2]}', "application/json"),
        (b"  [1, 2, 3]\n", "application/json"),
        (files.ELF, "application/octet-stream"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_sniffs_known_types_from_content(content, expected):
    assert sniff(content) == expected


def test_the_name_never_decides_a_binary_type():
    assert sniff(files.PNG, name="invoice.pdf") == "image/png"
    assert sniff(files.ELF, name="photo.jpg") == "application/octet-stream"


def test_csv_is_text_named_csv_and_anything_else_text_is_plain():
    assert sniff(b"a,b\n1,2\n", name="export.CSV") == "text/csv"
    assert sniff(b"a,b\n1,2\n", name="export.txt") == "text/plain"


@pytest.mark.parametrize(
    "content",
    [
        files.HTML,
        b"   \n<html><body>hi</body></html>",
        b"<SCRIPT>alert(1)</SCRIPT>",
        b"<!-- comment --><p>x</p>",
        b"<p>paragraph</p>",
        b"\xef\xbb\xbf<html>",
    ],
)
def test_html_is_recognised_as_html(content):
    assert sniff(content, name="photo.png") == "text/html"


def test_svg_and_xml_are_recognised():
    assert sniff(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>') == "image/svg+xml"
    assert sniff(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>') == "image/svg+xml"
    assert sniff(b'<?xml version="1.0"?><note/>') == "text/xml"


def test_text_that_merely_mentions_tags_is_text():
    assert sniff(b"The page shows <html> in the title bar") == "text/plain"
    assert sniff(b"<promo code> is not a tag we know") == "text/plain"


def test_invalid_utf8_or_nul_bytes_are_not_text():
    assert sniff(b"caf\xe9 latin-1") == "application/octet-stream"
    assert sniff(b"text\x00with a NUL") == "application/octet-stream"


def test_broken_json_is_plain_text():
    assert sniff(b'{"open": ') == "text/plain"


def test_a_zip_header_without_a_zip_is_not_a_zip():
    assert sniff(b"PK\x03\x04 then garbage") == "application/octet-stream"


def test_sniffing_leaves_the_file_at_the_start():
    f = io.BytesIO(files.DOCX)
    attachment_sniff_type(f)
    assert f.tell() == 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("bad\x00name\r\n.txt", "badname.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # right-to-left override would disguise .exe
        ("..", "attachment"),
        ("", "attachment"),
        ("  .hidden  ", "hidden"),
        ('quote"d;name.txt', 'quote"d;name.txt'),  # quoting is the header encoder's job
    ],
)
def test_clean_name(given, expected):
    assert attachment_clean_name(given) == expected


def test_clean_name_caps_length_and_keeps_the_extension():
    name = attachment_clean_name("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")
