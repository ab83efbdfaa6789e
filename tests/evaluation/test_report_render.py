"""The HTML page a report becomes: the answer first, rows coloured from their declared direction,
numbers for people, long tables folded with their CSV, nothing wider than the window."""

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from pharmasynth._util.figures import ensure_readable, min_font_points, new_figure
from pharmasynth.evaluation import KeyNumber, Lead, Report, metric
from pharmasynth.evaluation.metric import wilson_interval


class _Structure(HTMLParser):
    """Tags in order, each table's enclosing div classes, every style attribute."""

    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.order, self.styles, self.meta = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([c for t, c in self.stack if t in ("div", "td")])
        if a.get("style"):
            self.styles.append(a["style"])
        if tag == "meta":
            self.meta.append(a)
        self.order.append((tag, a.get("class", "")))
        if tag not in ("meta", "img", "br", "link"):
            self.stack.append((tag, a.get("class", "")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def _report():
    rep = Report(title="GBSG2 and ACTG 175 checks",
                 meta={"data": "ACTG 175", "timings_s": {"fit": 1.234567891234, "sample": 0.1},
                       "settings": {"tau": 1825.0, "covariates": []}})
    rep.add(metric("coverage_95", "validity", 0.952, direction="target", target=0.95, ci=wilson_interval(952, 1000)),
            metric("type_one_error_synthetic_control", "validity", 0.182, direction="target", target=0.05,
                   ci=wilson_interval(182, 1000)),
            metric("column_shape", "fidelity", 0.91))
    rep.lead = Lead("The answer comes first.", [KeyNumber("effect", 73.36, unit="cells/mm³", ci=(57.6, 89.1)),
                                                 KeyNumber("type I error", 0.182, status="bad")])
    rep.add_table("Time-to-event estimates", pd.DataFrame(
        {"method": ["rmst", "cox"], "tau": [1825.0, np.nan], "rho": [np.nan, 0.5], "covariates": [[], ["age"]],
         "times": [[np.float64(611.0), np.float64(1207.5)], []]}), units={"tau": "days"})
    long = pd.DataFrame({"time": np.arange(200.0), "km_real": np.linspace(1, 0.3, 200)})
    rep.add_table("Kaplan-Meier curves on a grid", long)
    fig, ax = new_figure(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    rep.add_figure("a line", fig, section="ACTG 175")
    return rep, long


def test_the_page_opens_with_the_lead_and_colours_rows_from_their_direction():
    rep, _ = _report()
    page = rep.to_html()
    s = _Structure()
    s.feed(page)
    assert any(m.get("name") == "viewport" for m in s.meta)
    tags = [t for t, _ in s.order]
    assert tags.index("section") < tags.index("table")          # the lead before any table
    assert "The answer comes first." in page and "73.4 cells/mm³" in page and "95% CI 57.6 to 89.1" in page
    rows = re.findall(r"<tr class='(\w*)'><td>.*?</td><td>validity</td><td class='name'><b>(\w+)</b>", page)
    assert dict((name, cls) for cls, name in rows) == {"coverage_95": "good", "type_one_error_synthetic_control": "bad"}
    assert "<h2>ACTG 175</h2>" in page and "Actg 175" not in page


def test_numbers_for_people_and_no_raw_python_values():
    rep, _ = _report()
    page = rep.to_html()
    text = re.sub(r"data:[^'\"]+", "", page)
    for raw in ("np.float64", "1.82e+03", "nan", "NaN", "[]", "1.234567891234", "{&#x27;", "{'"):
        assert raw not in text, raw
    assert "<td>611, 1,208</td>" in page   # numpy scalars in a list read as numbers
    assert "1,825" in page and "(days)" in page
    about = page[page.index("About this report"):]
    assert "<table class='about'>" in about and "timings s" in about and "1.23" in about


def test_long_tables_fold_with_a_csv_of_every_row_and_every_table_scrolls_in_its_box():
    rep, long = _report()
    page = rep.to_html()
    block = page[page.index("Kaplan-Meier curves on a grid"):]
    assert block.index("<details>") < block.index("<table>")
    uri = re.search(r"href='data:text/csv;charset=utf-8;base64,([^']+)'", block).group(1)
    back = pd.read_csv(io.BytesIO(base64.b64decode(uri)))
    pd.testing.assert_frame_equal(back, long)
    s = _Structure()
    s.feed(page)
    assert s.tables and all(any("scroll" in c for c in enclosing) for enclosing in s.tables)
    # nothing in the page asks for a fixed width over 1024 px
    widths = [int(w) for st in s.styles for w in re.findall(r"width:\s*(\d+)px", st)]
    css = page[page.index("<style>"):page.index("</style>")]
    widths += [int(w) for w in re.findall(r"(?<!max-)width:\s*(\d+)px", css)]
    assert all(w <= 1024 for w in widths)
    assert "figure img{max-width:100%" in css


def test_figures_are_made_readable_at_the_size_the_page_shows_them():
    fig, axes = new_figure(1, 4, figsize=(14, 3))
    for ax in axes:
        ax.plot(range(10))
        ax.tick_params(labelsize=5)
        ax.set_title("small", fontsize=6)
    floor = min_font_points(fig)
    assert floor > 6  # a 14-inch figure is shown scaled down, so 6 pt would be under 10 px
    assert ensure_readable(fig) is True
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text()]
    assert min(sizes) >= floor - 1e-6
    assert all(ax.xaxis.get_major_ticks()[0].label1.get_fontsize() >= floor - 1e-6 for ax in axes)
    assert ensure_readable(fig) is False  # nothing left to raise


def test_cell_text_reads_every_missing_value_as_a_dash():
    import datetime

    from pharmasynth.evaluation.report_tables import cell_text

    for missing in (None, float("nan"), np.nan, pd.NA, pd.NaT, [], (), {}, "nan", "None", np.array([])):
        assert cell_text(missing) == "—", repr(missing)
    assert cell_text(np.array([1.5, 2.0])) == "1.5, 2" and cell_text(datetime.date(2020, 1, 2)) == "2020-01-02"
    assert cell_text(list(range(20))).endswith("… (20 in all)") and cell_text({"fit": 1.234567891}) == "fit: 1.23"
