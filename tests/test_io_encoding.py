"""Text encodings: strict decoding of the whole file, in the documented order."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from data_factories import write_text

from reportgen.errors import InputFileError
from reportgen.io import read_file
from reportgen.io.encoding import CHUNK_BYTES, detect_encoding

CHINESE = "id,门店,评价\n001,北京朝阳店,非常满意\n002,上海浦东店,一般般吧\n"


def _values(table) -> list[dict]:
    return table.data.drop_columns(["_row"]).to_pylist()


def test_gbk_file_round_trips_exactly(tmp_path: Path) -> None:
    path = write_text(tmp_path / "gbk.csv", CHINESE, "gbk")

    table = read_file(path)

    assert table.encoding == "gb18030"
    assert table.columns == ("id", "门店", "评价")
    assert _values(table) == [
        {"id": "001", "门店": "北京朝阳店", "评价": "非常满意"},
        {"id": "002", "门店": "上海浦东店", "评价": "一般般吧"},
    ]


def test_utf8_chinese_is_not_misread_as_gb18030(tmp_path: Path) -> None:
    text = "id,门店,评价\n001,张三,非常满意\n002,谢谢,很好\n"
    path = write_text(tmp_path / "utf8.csv", text, "utf-8")
    # The trap: these UTF-8 bytes are also valid GB18030 and decode to garbage that way.
    assert text.encode("utf-8").decode("gb18030") != text

    table = read_file(path)

    assert table.encoding == "utf-8"
    assert table.columns == ("id", "门店", "评价")
    assert _values(table) == [
        {"id": "001", "门店": "张三", "评价": "非常满意"},
        {"id": "002", "门店": "谢谢", "评价": "很好"},
    ]


def test_encoding_is_decided_on_the_whole_file_not_a_prefix(tmp_path: Path) -> None:
    ascii_rows = "".join(f"{i:07d},plain,ok\n" for i in range(300_000))  # > 2 chunks
    text = "id,name,comment\n" + ascii_rows + "9999999,张三,很好\n"
    path = write_text(tmp_path / "late_gbk.csv", text, "gbk")
    assert path.stat().st_size > 2 * CHUNK_BYTES

    table = read_file(path)

    assert table.encoding == "gb18030"
    last = table.data.slice(table.data.num_rows - 1).to_pylist()[0]
    assert last["name"] == "张三"
    assert last["comment"] == "很好"
    assert last["_row"] == 300_002


def test_utf8_character_split_across_chunk_boundary_stays_utf8(tmp_path: Path) -> None:
    header = "id,text\n"
    filler_rows = (CHUNK_BYTES - len(header)) // 10 - 1  # "0000001,x\n" is 10 bytes
    filler = "".join(f"{i:07d},x\n" for i in range(filler_rows))
    pad = "y" * (CHUNK_BYTES - len(header) - len(filler) - len("9999999,") - 1)
    assert pad
    text = header + filler + "9999999," + pad + "满意\n"
    path = write_text(tmp_path / "boundary.csv", text, "utf-8")
    # "满" (3 bytes) straddles the first chunk boundary.
    assert path.read_bytes()[CHUNK_BYTES - 1 : CHUNK_BYTES + 2] == "满".encode()

    table = read_file(path)

    assert table.encoding == "utf-8"
    assert table.data.column("text").to_pylist()[-1] == pad + "满意"


def test_utf8_bom_is_used_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "id,名称\n1,甲\n".encode())

    table = read_file(path)

    assert table.encoding == "utf-8-sig"
    assert table.columns == ("id", "名称")
    assert _values(table) == [{"id": "1", "名称": "甲"}]


@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_utf16_with_bom(tmp_path: Path, bom: bytes, codec: str, name: str) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_bytes(bom + "id\t评分\tcomment\r\n007\t9\tgood, really\r\n".encode(codec))

    table = read_file(path)

    assert table.encoding == name
    assert table.columns == ("id", "评分", "comment")
    assert _values(table) == [{"id": "007", "评分": "9", "comment": "good, really"}]


def test_latin1_bytes_invalid_in_utf8_and_gb18030_give_a_clear_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "latin.csv", "name,city\nJosé,Zürich\n", "latin-1")
    offset = path.read_bytes().index(b"\xe9")

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert f"0xE9 at byte offset {offset}" in message
    assert "utf-8" in message
    assert "gb18030" in message


def test_error_offset_is_exact_beyond_the_first_chunk(tmp_path: Path) -> None:
    body = "a,b\n" + "1,2\n" * 400_000
    path = tmp_path / "late_bad.csv"
    path.write_bytes(body.encode() + b"3,\xff\n")
    offset = len(body.encode()) + 2

    with pytest.raises(InputFileError, match=f"0xFF at byte offset {offset}") as excinfo:
        read_file(path)
    assert "on line 400002 (byte offset" in str(excinfo.value)  # header + 400,000 lines


def test_a_file_joining_two_encodings_is_refused_not_garbled(tmp_path: Path) -> None:
    # the first lines UTF-8, the rest GB18030 (two exports pasted together): GB18030
    # "decodes" UTF-8 Chinese as mojibake, so the file loaded garbled without a word
    path = tmp_path / "mixed.csv"
    head = "id,评分,comment\n" + "".join(f"{i},9,很好，物流快\n" for i in range(700))
    path.write_bytes(head.encode("utf-8") + "9,8,物流太慢\n".encode("gb18030"))
    assert path.read_bytes().decode("gb18030")  # the trap: it decodes
    with pytest.raises(InputFileError) as excinfo:
        read_file(path)
    message = str(excinfo.value)
    assert "joins text in two encodings: UTF-8 up to line 702, where byte 0xCE" in message
    assert "Export it again in one encoding" in message
    # a GB18030 file (Chinese from its first line) still reads as GB18030
    gb = tmp_path / "gb.csv"
    gb.write_bytes("id,评分,comment\n1,9,物流太慢\n".encode("gb18030"))
    assert read_file(gb).encoding == "gb18030"


def test_explicit_latin1_reads_the_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "latin.csv", "name,city\nJosé,Zürich\n", "latin-1")

    table = read_file(path, encoding="latin-1")

    assert table.encoding == "latin-1"
    assert _values(table) == [{"name": "José", "city": "Zürich"}]


def test_explicit_encoding_is_strict(tmp_path: Path) -> None:
    path = write_text(tmp_path / "gbk.csv", CHINESE, "gbk")

    with pytest.raises(InputFileError, match="is not valid utf-8 text"):
        read_file(path, encoding="utf-8")


@pytest.mark.parametrize("given", ["gb18030", "latin-1", "cp1252"])
def test_a_utf8_file_configured_as_another_encoding_is_refused(tmp_path: Path, given) -> None:
    # a config copied from a GB18030 export: read as GB18030, the UTF-8 text would load
    # garbled without an error (电话 → 鐢佃瘽)
    path = write_text(tmp_path / "u8.csv", "id,channel\nR1,电话\n", "utf-8")
    with pytest.raises(
        InputFileError, match=f"is UTF-8 text, but its encoding setting says '{given}'"
    ):
        read_file(path, encoding=given)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + "id,channel\nR1,电话\n".encode())
    with pytest.raises(InputFileError, match="starts with a utf-8-sig byte-order mark, but"):
        read_file(bom, encoding=given)
    ascii_only = write_text(tmp_path / "a.csv", "id,x\nR1,abc\n", "utf-8")  # the same either way
    assert read_file(ascii_only, encoding=given).encoding == given


def test_unknown_encoding_name_is_an_input_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "a\n1\n")

    with pytest.raises(InputFileError, match="unknown text encoding 'klingon'"):
        read_file(path, encoding="klingon")


def test_explicit_utf8_skips_a_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"id,x\n1,2\n")

    table = read_file(path, encoding="utf-8")

    assert table.columns == ("id", "x")


def test_bom_that_lies_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "liar.csv"
    path.write_bytes(codecs.BOM_UTF8 + "id,名\n1,".encode() + "甲".encode("gbk") + b"\n")

    with pytest.raises(InputFileError, match="UTF-8 with BOM byte-order mark but is not valid"):
        read_file(path)


def test_utf16_without_bom_needs_an_explicit_encoding(tmp_path: Path) -> None:
    path = tmp_path / "nobom.csv"
    path.write_bytes("id,name\n1,Ann\n".encode("utf-16-le"))

    with pytest.raises(InputFileError, match="UTF-16 LE text without a byte-order mark"):
        read_file(path)
    table = read_file(path, encoding="utf-16-le")
    assert _values(table) == [{"id": "1", "name": "Ann"}]


def test_detect_encoding_reports_both_candidates(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin.csv"
    path.write_bytes(b"ok\n\x80\n")

    with pytest.raises(InputFileError) as excinfo:
        detect_encoding(path, str(path))

    message = str(excinfo.value)
    assert "utf-8: byte 0x80 at byte offset 3" in message
    assert "gb18030: byte 0x80 at byte offset 3" in message
