"""Screenshot every demo report in headless Chromium at 1024 px and check what a reader would see.

    python benchmarks/screenshot_reports.py --out out            # after `pharmasynth demo --out out`
    python benchmarks/screenshot_reports.py --out out --quick    # the first screen of each page only

For every `*.html` under --out (index.html first): loads it at a 1024 x 800 window, then checks
  overflow     the page is not wider than the window (a table or image that pushes the page sideways
               fails; a table scrolling inside its own box is fine)
  viewport     a <meta name="viewport"> tag is present
  lead         the page opens with its answer (a `section.lead` before the first table; index: cards)
  small_text   no visible text is rendered under 10 px (the figures' text is checked where they are
               drawn, `pharmasynth/_util/figures.py`)
  raw_dicts    no "{'" / "np.float64(" / "nan" cell leaks into the page text
and saves a PNG of the page (capped at 6,000 px tall; --quick: the first 800 px) to
OUT/screenshots/. Results: a table on stdout and benchmarks/results/screenshot_reports.json
(via `results_file.write_results`). Exit code 1 when a page fails a check.

Chromium: --chromium PATH, else $PHARMASYNTH_CHROMIUM, else chromium / chromium-browser /
google-chrome / headless_shell on PATH. No browser is downloaded here. One that ships inside a
registry package: `npm install @sparticuz/chromium` then
`python benchmarks/screenshot_reports.py --unpack node_modules/@sparticuz/chromium --to ~/.cache/chromium`
(decompresses its brotli files with node; then pass --chromium ~/.cache/chromium/chromium).
Needs the `websocket-client` package (the DevTools protocol runs over a websocket).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_results

WIDTH, HEIGHT, MIN_PX, MAX_SHOT = 1024, 800, 10, 6000

CHECK_JS = r"""
(() => {
  const doc = document.documentElement;
  const overflow = Math.max(doc.scrollWidth, document.body.scrollWidth) - window.innerWidth;
  const culprits = [];
  if (overflow > 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && !el.closest('.scroll')) culprits.push(el.tagName + (el.className ? '.' + el.className : ''));
      if (culprits.length > 5) break;
    }
  }
  let small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode; if (!t.textContent.trim()) continue;
    const el = t.parentElement; if (!el || el.closest('details:not([open])')) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < %MIN%) small.push(t.textContent.trim().slice(0, 40) + ' (' + px + ' px)');
    if (small.length > 5) break;
  }
  const text = document.body.innerText;
  const raw = (text.match(/\{'|np\.float64\(|\bnan\b|\bNaN\b|\[\]/g) || []).slice(0, 5);
  const lead = document.querySelector('section.lead, .cards');
  const firstTable = document.querySelector('table');
  const leadFirst = !!lead && (!firstTable || (lead.compareDocumentPosition(firstTable) & Node.DOCUMENT_POSITION_FOLLOWING) > 0);
  return JSON.stringify({overflow_px: Math.max(0, overflow), culprits, small_text: small, raw_values: raw,
    viewport: !!document.querySelector('meta[name=viewport]'), lead_first: leadFirst,
    height: Math.max(doc.scrollHeight, document.body.scrollHeight),
    lead: lead ? lead.innerText.slice(0, 300) : ''});
})()
""".replace("%MIN%", str(MIN_PX))


def find_chromium(given: str | None) -> str:
    for cand in (given, os.environ.get("PHARMASYNTH_CHROMIUM"), *map(shutil.which, (
            "chromium", "chromium-browser", "google-chrome", "headless_shell"))):
        if cand and Path(cand).is_file():
            return str(cand)
    sys.exit("no Chromium found: pass --chromium PATH or set PHARMASYNTH_CHROMIUM (see this script's docstring).")


def unpack_sparticuz(package: Path, to: Path) -> Path:
    """Decompress @sparticuz/chromium's bin/*.br (brotli, via node's zlib) and untar its libraries into `to`."""
    to.mkdir(parents=True, exist_ok=True)
    for br in sorted((package / "bin").glob("*.br")):
        target = to / br.name[:-3]
        subprocess.run(["node", "-e", "const z=require('zlib'),fs=require('fs');"
                        f"fs.writeFileSync({json.dumps(str(target))},z.brotliDecompressSync(fs.readFileSync({json.dumps(str(br))})))"],
                       check=True)
        if target.suffix == ".tar":
            subprocess.run(["tar", "xf", str(target), "-C", str(to)], check=True)
    (to / "chromium").chmod(0o755)
    return to / "chromium"


class Browser:
    """Chromium with --remote-debugging-port; one websocket to one page target."""

    def __init__(self, exe: str):
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="pharmasynth-chromium-")
        libdir = Path(exe).parent
        env = {**os.environ, "LD_LIBRARY_PATH": f"{libdir / 'lib'}:{libdir}:{os.environ.get('LD_LIBRARY_PATH', '')}"}
        if not Path("/etc/fonts/fonts.conf").exists() and (libdir / "fonts").is_dir():
            # no system fontconfig: use the fonts shipped beside the browser (else every glyph is blank)
            conf = Path(self.profile) / "fonts.conf"
            conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{libdir / 'fonts'}</dir>"
                            f"<cachedir>{self.profile}/fonts-cache</cachedir></fontconfig>")
            env["FONTCONFIG_FILE"] = str(conf)
        self.proc = subprocess.Popen(
            [exe, "--headless=shell", "--no-sandbox", "--no-zygote", "--single-process", "--use-gl=angle",
             "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--hide-scrollbars", "--disable-dev-shm-usage",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", f"--window-size={WIDTH},{HEIGHT}",
             "about:blank"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
        deadline, url = time.time() + 60, None
        while time.time() < deadline and url is None:
            line = self.proc.stderr.readline()
            m = re.search(r"ws://[^\s]+", line or "")
            url = m.group(0) if m else None
        if url is None:
            self.close()
            sys.exit("Chromium did not open its DevTools port within 60 s.")
        port = re.search(r":(\d+)/", url).group(1)
        import urllib.request

        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json").read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120, suppress_origin=True)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def load(self, url: str, timeout: float = 120) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            state = self.call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
            if state["result"].get("value") == "complete":
                return
            time.sleep(0.2)
        raise TimeoutError(f"{url} did not finish loading in {timeout} s")

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def check_page(browser: Browser, path: Path, shots: Path, quick: bool) -> dict:
    t0 = time.perf_counter()
    browser.load(path.resolve().as_uri())
    res = json.loads(browser.call("Runtime.evaluate", expression=CHECK_JS, returnByValue=True)["result"]["value"])
    height = HEIGHT if quick else min(int(res["height"]), MAX_SHOT)
    browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height, deviceScaleFactor=1, mobile=False)
    png = browser.call("Page.captureScreenshot", format="png",
                       clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1})["data"]
    browser.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)
    shot = shots / (re.sub(r"[^A-Za-z0-9]+", "_", str(path.with_suffix(""))).strip("_") + ".png")
    shot.write_bytes(base64.b64decode(png))
    problems = []
    if res["overflow_px"] > 1:
        problems.append(f"wider than {WIDTH} px by {res['overflow_px']} px ({', '.join(res['culprits'])})")
    if not res["viewport"]:
        problems.append("no viewport meta tag")
    if not res["lead_first"]:
        problems.append("does not open with its lead")
    if res["small_text"]:
        problems.append("text under 10 px: " + "; ".join(res["small_text"]))
    if res["raw_values"]:
        problems.append("raw values in the text: " + ", ".join(res["raw_values"]))
    return {"page": str(path), "screenshot": str(shot), "height_px": res["height"], "ok": not problems,
            "problems": problems, "lead": res["lead"], "seconds": round(time.perf_counter() - t0, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out", help="the demo's output folder (default: out)")
    ap.add_argument("--chromium", help="path to a Chromium / headless_shell binary (default: see above)")
    ap.add_argument("--quick", action="store_true", help="screenshot the first screen only (default: whole page)")
    ap.add_argument("--unpack", help="an @sparticuz/chromium npm package folder to unpack, then exit")
    ap.add_argument("--to", default=str(Path.home() / ".cache" / "pharmasynth-chromium"),
                    help="where --unpack puts the browser (default: ~/.cache/pharmasynth-chromium)")
    ap.add_argument("--results", default=str(Path(__file__).parent / "results" / "screenshot_reports.json"),
                    help="results JSON (default: benchmarks/results/screenshot_reports.json)")
    args = ap.parse_args(argv)
    if args.unpack:
        print(unpack_sparticuz(Path(args.unpack), Path(args.to)))
        return 0
    out = Path(args.out)
    pages = sorted(p for p in out.rglob("*.html") if "screenshots" not in p.parts)
    pages.sort(key=lambda p: (p.name != "index.html", len(p.parts), str(p)))
    if not pages:
        sys.exit(f"no .html under {out}: run `pharmasynth demo --out {out}` first.")
    shots = out / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser = Browser(find_chromium(args.chromium))
    try:
        rows = [check_page(browser, p, shots, args.quick) for p in pages]
    finally:
        browser.close()
    print(f"{'page':<48} {'height':>7}  result")
    for r in rows:
        print(f"{r['page']:<48} {r['height_px']:>7}  {'ok' if r['ok'] else 'FAIL: ' + ' | '.join(r['problems'])}")
    write_results(args.results, {"width_px": WIDTH, "pages": rows, "all_ok": all(r["ok"] for r in rows)})
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
