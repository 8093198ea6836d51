#!/usr/bin/env bash
# Renders a run report in a real headless browser (Chromium from Debian's packages) and
# checks what it drew: a small std under mpirun -np 3 with --report run.html, a screenshot
# that must not be blank, and the rendered DOM's timeline and memory charts.
#   scripts/check-report.sh [FLOE_BINARY]     (default: .build/debug/floe)
set -euo pipefail
cd "$(dirname "$0")/.."
floe=${1:-.build/debug/floe}
[ -x "$floe" ] || { echo "check-report: no $floe (swift build first)" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "check-report: chromium missing; install it as root: apt-get install chromium" >&2; exit 1; }
  echo "check-report: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

source scripts/local-mpi.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$floe" gen -o "$work/in.nc" --shape 400,100,100 --chunks 20,100,100 >/dev/null
"${mpi[@]}" -np 3 "$floe" reduce "$work/in.nc" --var tas --op std -o "$work/std.nc" \
  --memory-per-rank 6MiB --quiet --report "$work/run.html"

browser=(chromium --headless --no-sandbox --disable-gpu --window-size=1200,1000)
"${browser[@]}" --screenshot="$work/run.png" "file://$work/run.html" 2>/dev/null
"${browser[@]}" --dump-dom "file://$work/run.html" 2>/dev/null > "$work/dom.html"

python3 - "$work" <<'PY'
import re, struct, sys, zlib
work = sys.argv[1]
png = open(f"{work}/run.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
# Decode the pixels (no imaging library needed): IDAT chunks, inflated, one filter byte a row.
pos, idat, width, height = 8, b"", 0, 0
while pos < len(png):
    length, kind = struct.unpack(">I4s", png[pos:pos + 8])
    body = png[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
bpp = {2: 3, 6: 4}[png[25]]  # 8-bit RGB or RGBA
stride = width * bpp
rows_drawn, previous = 0, bytearray(stride)
for y in range(height):
    kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):  # undo the row's PNG filter
        a = line[i - bpp] if i >= bpp else 0
        b, c = previous[i], previous[i - bpp] if i >= bpp else 0
        if kind == 1: line[i] = (line[i] + a) & 255
        elif kind == 2: line[i] = (line[i] + b) & 255
        elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if any(v < 200 for j, v in enumerate(line) if bpp == 3 or j % 4 != 3):
        rows_drawn += 1
    previous = line
dom = open(f"{work}/dom.html").read()
rects = len(re.findall(r"<rect ", dom))
svgs = len(re.findall(r"<svg ", dom))
print(f"check-report: {width}x{height} screenshot, {rows_drawn} rows with ink; {svgs} charts, {rects} bars in the rendered page")
assert width == 1200 and rows_drawn > 100, "the report rendered blank"
assert svgs == 2, "expected the timeline and the memory chart"
assert rects >= 2 * 4, "the timeline has no bars"
assert "standard_deviation" in dom and "rank 2" in dom
PY
echo "check-report: the report renders in $(chromium --version 2>/dev/null | head -1)"
