"""Every CSV download, list or report, in the dialect Excel in Indonesia opens:
`;` between cells, UTF-8 with BOM, CRLF lines."""

import csv
import io

import pytest

from common.spreadsheet import csv_lines
from tests.factories import GrantFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
DOWNLOADS = [
    "/impor/ekspor/bantuan.csv",
    "/impor/ekspor/lembaga.csv",
    "/impor/templat/penerima.csv",
    "/laporan/tahunan/?format=csv",
    "/laporan/wilayah/?format=csv",
    "/laporan/lpj/?format=csv",
    "/laporan/bimtek/?format=csv",
    "/transparansi/?format=csv",
]


def lines_of(content: bytes) -> list[bytes]:
    """The lines of a CSV in the dialect, after checking its BOM and CRLFs."""
    assert content.startswith(BOM)
    lines = content.removeprefix(BOM).split(b"\r\n")
    assert lines.pop() == b""  # the last line ends in CRLF too
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    return lines


@pytest.fixture
def operator_client(client, regions):
    program = ProgramFactory(year=2024, name="Bantuan WKSBM, tahap 1")
    GrantFactory(program=program, disbursed=True, institution__name="Taklim; Al-Ikhlas")
    client.force_login(UserFactory(role="Operator"))
    return client


@pytest.mark.parametrize("url", DOWNLOADS)
def test_every_csv_download_uses_the_one_dialect(operator_client, url):
    response = operator_client.get(url)

    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    header = lines_of(content)[0].decode()
    assert ";" in header and "," not in header


def test_a_cell_holding_the_delimiter_is_quoted_and_read_back_whole(operator_client):
    response = operator_client.get("/impor/ekspor/lembaga.csv")
    content = b"".join(response.streaming_content)

    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert [row["nama_lembaga"] for row in rows] == ["Taklim; Al-Ikhlas"]


def test_the_writer_neutralises_formulas_and_writes_decimal_commas():
    content = b"".join(
        csv_lines(["a", "b", "c", "d"], [["=1+1", 12.5, 10_000_000, None]])
    )

    assert lines_of(content) == [b"a;b;c;d", b"'=1+1;12,5;10000000;"]
