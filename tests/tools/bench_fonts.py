"""What the Chinese font costs (``make bench``): registering it (``convlab.fonts.register``,
matplotlib's ``addfont`` of the 16 MB Noto Sans CJK SC) as a ratio to importing matplotlib, and
drawing a figure with it as the fallback, as a ratio to the same figure drawn without it, in
English and in Chinese. Registration happens once per process, so every run is a fresh Python;
each figure is the median of 5.
"""

import json
import statistics
import subprocess
import sys

RUNS = 5
PROBE = r"""
import io, json, os, sys, time, warnings
start = time.perf_counter()
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot
imported = time.perf_counter() - start
import torch
import convlab.fonts as fonts
if sys.argv[1] == "off":
    fonts.register = lambda: None
start = time.perf_counter()
fonts.register()
registered = time.perf_counter() - start
from convlab import plots

def draw(names):
    X = torch.arange(25.0).reshape(5, 5)
    fig = plots.heatmaps(dict(zip(names, [X, X[:3, :3], X[:3, :3]])))
    start = time.perf_counter()
    fig.savefig(io.BytesIO(), format="png")
    return time.perf_counter() - start

warnings.simplefilter("ignore")  # without the font, the Chinese glyphs are missing: the boxes' cost
out = {"import": imported, "register": registered}
out["english first"], out["english"] = draw("XKY"), draw("XKY")
chinese = ["输入 X", "卷积核 K", "输出 Y"]
out["chinese first"], out["chinese"] = draw(chinese), draw(chinese)
print(json.dumps(out))
"""


def probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    runs = {mode: [probe(mode) for _ in range(RUNS)] for mode in ("on", "off")}
    med = {mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for mode, rs in runs.items()}
    on, off = med["on"], med["off"]
    print("the Chinese font (convlab.fonts), medians of 5 fresh processes")
    ratio = on["register"] / on["import"]
    print(f"  register (addfont):      {on['register'] * 1000:6.1f} ms = {ratio:.3f} × importing matplotlib")
    for name in ("english first", "english", "chinese first", "chinese"):
        print(f"  draw a heat-map, {name + ':':<15} {on[name] / off[name]:.2f} × the same without the font")


if __name__ == "__main__":
    main()
