"""out/index.html links every report with its answer; the console shows warnings once and a summary table."""

import io
import json
import warnings

from pharmasynth.cli._console import console, text_table
from pharmasynth.demos.index_page import collect, summary_rows, write_index
from pharmasynth.errors import RuleWarning
from pharmasynth.evaluation import KeyNumber, Lead, Report, metric


def _write(folder, title, lead=None):
    rep = Report([metric("a", "fidelity", 0.9)], title=title)
    rep.lead = lead
    return rep.write(folder)


def test_index_links_every_report_with_its_lead_and_the_reports_link_back(tmp_path):
    out = tmp_path / "out"
    _write(out, "evaluation core")                      # the evaluation part writes at the top of out/
    _write(out / "trials", "trials", Lead("PROCOVA cut the SE by 21 %.", [KeyNumber("SE ratio", 0.786, status="good")]))
    _write(out / "trials" / "design", "design")
    summary = {"evaluation": {"status": "ok", "seconds": 12.0, "report": str(out / "report.html")},
               "trials": {"status": "ok", "seconds": 3.5, "report": str(out / "trials" / "report.html")},
               "molgen": {"status": "failed", "seconds": 0.1, "error": "RuntimeError: no GPU"}}
    entries = collect(out, summary)
    index = write_index(out, entries)
    page = index.read_text()
    assert "<meta name='viewport'" in page
    for href in ("report.html", "trials/report.html", "trials/design/report.html"):
        assert f"href='{href}'" in page
    assert "PROCOVA cut the SE by 21 %." in page and "SE ratio" in page and "RuntimeError: no GPU" in page
    trials = (out / "trials" / "report.html").read_text()
    assert "href='../index.html'" in trials and "href='../report.html'>evaluation</a>" in trials
    write_index(out, entries)                           # again: still one link bar
    assert (out / "trials" / "report.html").read_text().count("<nav class='reports'>") == 1
    rows = summary_rows(entries, out)
    assert [r["part"] for r in rows] == ["evaluation", "trials", "molgen"]
    assert rows[1]["headline"] == "SE ratio: 0.786" and rows[1]["report"].endswith("trials/report.html")
    assert rows[0]["headline"].startswith("overall score") or rows[0]["headline"].startswith("partial score")
    table = text_table(rows, ["part", "status", "time", "headline", "report"])
    assert table.splitlines()[0].split() == ["part", "status", "time", "headline", "report"]
    assert json.loads((out / "trials" / "report.json").read_text())["lead"]["numbers"][0]["status"] == "good"


def test_console_prints_each_warning_once_without_its_source_line():
    stream = io.StringIO()
    with console(stream=stream):
        for _ in range(3):
            warnings.warn("rule 'cd4 >= 0' is broken by the real data", RuleWarning)
        warnings.warn("rule 'cd4 >= 0' is broken by the real data", RuleWarning)  # another line, same message
    lines = stream.getvalue().splitlines()
    assert lines == ["warning (RuleWarning): rule 'cd4 >= 0' is broken by the real data"]
    assert warnings.showwarning.__name__ == "showwarning"   # restored after the command


def test_demo_command_ends_with_the_table_and_the_index(tmp_path, monkeypatch, capsys):
    import pharmasynth.demos as demos
    from pharmasynth.cli.main import main

    def fake_part(part, out_dir, random_state=0, quick=False, train=False):
        if part == "imaging":
            raise RuntimeError("no scans")
        folder = demos.part_dir(out_dir, part)
        warnings.warn("the same note from every part", RuleWarning)
        paths = _write(folder, f"{part} report", Lead(f"{part} answers.", [KeyNumber(f"{part} number", 0.5)]))
        return {"report": str(paths["html"]), "value": 0.5}

    monkeypatch.setattr(demos, "run_part", fake_part)
    rc = main(["demo", "--only", "trials", "imaging", "ehr", "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert rc == 1                                   # one part failed, the others' reports are kept
    table = out[out.index("part "):]
    assert "trials number: 0.5" in table and "ehr number: 0.5" in table and "RuntimeError: no scans" in table
    assert f"all reports: {tmp_path / 'o' / 'index.html'}" in out
    assert err.count("warning (RuleWarning): the same note from every part") == 1
    summary = json.loads((tmp_path / "o" / "demo_summary.json").read_text())
    assert summary["imaging"]["status"] == "failed" and summary["index"].endswith("index.html")
    assert "ehr answers." in (tmp_path / "o" / "index.html").read_text()


def test_nested_consoles_show_each_progress_line_and_warning_once():
    import logging

    stream = io.StringIO()
    with console(stream=stream):
        with console(stream=stream):     # main() wraps every verb; the demo verb wraps itself again
            logging.getLogger("pharmasynth.progress").info("featurising: 4/15 (27%)")
            warnings.warn("once", RuleWarning)
    assert stream.getvalue().splitlines() == ["featurising: 4/15 (27%)", "warning (RuleWarning): once"]
    assert not logging.getLogger("pharmasynth").handlers
