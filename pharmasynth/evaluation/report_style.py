"""How a report page looks: one stylesheet shared by every report and the demo's index page.

Layout rules that keep a page readable at 1024 px and on a phone: a viewport meta tag (in
`page_head`), a content column capped at 1100 px, every table inside a box that scrolls sideways
(`.scroll`) instead of pushing the page wider, images at most 100 % of their box, long words and
paths allowed to break. Status colours: good (green), borderline (amber), bad (red), the same for a
lead's key numbers, a metric row and the index page's cards.
"""

from __future__ import annotations

import html

STATUS_COLOURS = {"good": "#1a7f37", "borderline": "#9a6700", "bad": "#cf222e"}
STATUS_BACKGROUNDS = {"good": "#e6f4ea", "borderline": "#fff4d6", "bad": "#fde2e2"}
STATUS_WORDS = {"good": "good", "borderline": "borderline", "bad": "bad", None: ""}

CSS = """
*{box-sizing:border-box}
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;padding:1em 1.2em;max-width:1100px;
     color:#1f2328;line-height:1.45;overflow-wrap:break-word}
h1{font-size:1.55em;margin:.3em 0 .4em} h2{font-size:1.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.02em;margin:1.1em 0 .3em}
nav.reports{font-size:.85em;margin:0 0 .6em;color:#57606a} nav.reports a{margin-right:.8em}
.scroll{overflow-x:auto;max-width:100%;margin:.4em 0 .8em}
table{border-collapse:collapse;font-size:.88em} td,th{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600} th .unit{font-weight:400;color:#57606a;white-space:nowrap}
table.metrics td.num,table.gates td:not(:last-child){white-space:nowrap} table.metrics td.name{min-width:20em;overflow-wrap:anywhere}
table.metrics td.name .note{margin-top:.15em;font-size:.85em}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.good td:first-child{box-shadow:inset 4px 0 #1a7f37} tr.borderline td:first-child{box-shadow:inset 4px 0 #9a6700}
tr.bad td:first-child{box-shadow:inset 4px 0 #cf222e} tr.bad{background:#fde2e2} tr.borderline{background:#fffaeb}
tr.skipped{color:#6e7781}
.badge{display:inline-block;border-radius:3px;padding:0 .35em;font-size:.8em;font-weight:600;color:#fff}
.badge.good{background:#1a7f37} .badge.borderline{background:#9a6700} .badge.bad{background:#cf222e}
section.lead{border:1px solid #d0d7de;border-left:6px solid #57606a;border-radius:6px;padding:.7em 1em;margin:.6em 0 1em}
section.lead.good{border-left-color:#1a7f37} section.lead.borderline{border-left-color:#9a6700}
section.lead.bad{border-left-color:#cf222e}
section.lead p.answer{font-size:1.12em;font-weight:600;margin:.1em 0 .6em}
.keys{display:flex;flex-wrap:wrap;gap:.6em}
.key{flex:1 1 190px;max-width:100%;border:1px solid #d0d7de;border-radius:6px;padding:.45em .7em;background:#f6f8fa}
.key.good{background:#e6f4ea;border-color:#1a7f37} .key.borderline{background:#fff4d6;border-color:#9a6700}
.key.bad{background:#fde2e2;border-color:#cf222e}
.key .label{font-size:.82em;color:#57606a} .key .value{font-size:1.35em;font-weight:700}
.key .ci,.key .note{font-size:.8em;color:#57606a}
.headline{padding:.45em .7em;border-radius:4px;margin:.4em 0}
.headline.fail{background:#fde2e2} .headline.incomplete{background:#fff4d6} .headline.pass{background:#e6f4ea}
.headline.info{background:#f6f8fa}
.note{color:#57606a;font-size:.88em}
ul.warnings li{background:#fff4d6;margin:.2em 0;padding:.2em .4em;list-style:none}
details{margin:.4em 0 .8em} details>summary{cursor:pointer;color:#0969da}
figure{display:inline-block;margin:.5em .5em .5em 0;vertical-align:top;max-width:100%}
figure img{max-width:100%;height:auto} figcaption{font-size:.85em;color:#57606a;max-width:640px}
a.csv{font-size:.85em;margin-left:.6em}
.cards{display:grid;grid-template-columns:1fr;gap:.8em}
.card{border:1px solid #d0d7de;border-left:6px solid #57606a;border-radius:6px;padding:.6em .9em}
.card.good{border-left-color:#1a7f37} .card.borderline{border-left-color:#9a6700} .card.bad{border-left-color:#cf222e}
.card h2{margin:.1em 0 .3em;border:0;font-size:1.1em}
"""


def page_head(title: str) -> str:
    """The opening of a page: doctype, charset, the viewport meta tag, the title and the stylesheet."""
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>")


NAV_MARKER = "<!--pharmasynth:nav-->"  # replaced by links to the other reports (demos/index_page.py)


def badge(status: str | None) -> str:
    """A small coloured word for a status ('' when not graded)."""
    return f"<span class='badge {status}'>{STATUS_WORDS[status]}</span>" if status else ""


def heading(text: str) -> str:
    """A section heading from its name: first letter up, the rest as written ("ACTG 175" stays, never
    "Actg 175"); snake_case names read as words."""
    text = str(text)
    if "_" in text and " " not in text:
        text = text.replace("_", " ")
    return text[:1].upper() + text[1:]
