"""Property: any table written by csv.writer comes back exactly, with the right line numbers."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reportgen.io import read_file

_FIELD = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(["\n", "\r", '"', ",", " ", "\t", "满", "意"]),
    ),
    max_size=12,
)


def _line_breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(min_value=1, max_value=4),
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]),
)
def test_written_rows_read_back_exactly(width: int, data: st.DataObject, encoding: str) -> None:
    header = [f"c{i}" for i in range(width)]
    rows = data.draw(st.lists(st.lists(_FIELD, min_size=width, max_size=width), max_size=8))
    for row in rows:
        assume(any(field.strip() for field in row))  # fully blank records are not data
        assume([field.strip() for field in row] != header)  # nor repeated headers
    chunks = []
    for record in [header, *rows]:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(record)  # quotes any CR/LF
        chunks.append(out.getvalue())
    starts, line = [], 1
    for chunk in chunks:
        starts.append(line)
        line += _line_breaks(chunk)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "round.csv"
        path.write_bytes("".join(chunks).encode(encoding))

        table = read_file(path, delimiter=",")

    assert table.columns == tuple(header)
    assert table.rejected == ()
    assert table.rows_read == len(rows) == table.data.num_rows
    expected = [
        {**{h: (v if v != "" else None) for h, v in zip(header, row, strict=True)}, "_row": start}
        for row, start in zip(rows, starts[1:], strict=True)
    ]
    assert table.data.to_pylist() == expected
