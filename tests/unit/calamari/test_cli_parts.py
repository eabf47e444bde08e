"""The command's pure parts: the progress line, tables, sizes, the token file's modes."""
from __future__ import annotations

import stat

from calamari import credentials, output
from calamari.cli.waiting import progress_line


def test_the_progress_bar_is_fed_by_a_fraction_in_the_status():
    line = progress_line({"headline": "Creating pool 'x'", "status": "Creating PGs (32/128), step 1 of 2"})
    assert line.startswith("[#####---------------]  25% Creating pool 'x': Creating PGs")
    assert progress_line({"headline": "Marking osd.1 out", "status": "Running"}, "/") == "/ Marking osd.1 out: Running"
    assert progress_line({"headline": "h", "status": "odd (5/0)"}) == "h: odd (5/0)"


def test_tables_align_columns_and_show_missing_values_as_dashes():
    rows = [{"id": 1, "name": "rbd", "used": 5 * 1024 ** 4}, {"id": 12, "name": None, "used": 1023}]
    text = output.table(rows, [output.column("ID"), output.column("Name"), output.column("Used", show=output.size)])
    assert text.splitlines() == ["ID  Name  Used", "1   rbd   5.0 TiB", "12  -     1023 B"]
    assert output.percent(0.2388) == "23.9%" and output.when("2026-12-06T21:08:55.1+00:00") == "2026-12-06 21:08:55"


def test_the_token_file_is_private_from_the_start_and_garbage_reads_as_none(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "calamari").mkdir(mode=0o755)
    saved = credentials.save(credentials.Credentials(url="http://h", token="cal_x", token_id="ab", username="u"))
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    assert credentials.load() == credentials.Credentials(url="http://h", token="cal_x", token_id="ab", username="u")
    saved.write_text('{"url": 3}')
    assert credentials.load() is None
    assert credentials.forget() is True and credentials.forget() is False
