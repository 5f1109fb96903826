#!/bin/sh
# The README's kiosk pictures, taken from the running kiosk on a real X server (Xvfb) under a kiosk window manager
# (matchbox), on the simulated rig with the demo kit's logo, at 1080x1920 and 1920x1080, in every language; the
# walk is `booth kiosk --check-layout`, so the script fails, naming it, when anything does not fit a screen.
# Usage: [SIZES="1080x1920 1920x1080 768x1024"] docs/screenshots/take-kiosk.sh [OUT_DIR]  (`make pictures`)
set -eu
out=$(realpath "${1:-docs/screenshots}")
booth=$(realpath .venv/bin/booth)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$booth" logos kit "$work/kit" >/dev/null
cat >"$work/booth.toml" <<TOML
[booth]
id = "booth-1"
event = "orbita-launch"
data_dir = "data"
[rig]
cameras = 12
[kiosk]
title = "Orbita Launch Night"
logo = "kit/orbita/logo.png"
demo_clip = "demo.webp"
countdown_s = 5
[web]
host = "127.0.0.1"
wifi_name = "Orbita-Guests"
wifi_password = "bullet-time-2026"
TOML
# the attract loop's clip: one shot of the simulated rig, as an event's demo clip would be
"$booth" shoot --rig sim --config "$work/booth.toml" --out "$work/demo" >/dev/null
cp "$(ls -d "$work"/demo/*/ | tail -n 1)preview.webp" "$work/demo.webp"
rm -f "$out"/kiosk-*.png  # each picture drawn by this run, none left from an earlier one
for size in ${SIZES:-1080x1920 1920x1080}; do
    xvfb-run -a -s "-screen 0 ${size}x24 -nolisten tcp" sh -c '
        matchbox-window-manager -use_titlebar no &
        wm=$!
        until xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q "window id"; do sleep 0.1; done
        "$0" kiosk --rig sim --config "$1" --check-layout --screenshots "$2"
        status=$?
        kill $wm
        exit $status' "$booth" "$work/booth.toml" "$out"
done
# a screen that ends by itself is drawn only while it lasts: every picture the README shows must be new
missing=$(grep -o 'docs/screenshots/kiosk-[a-z-]*\.png' README.md | sort -u | while read -r picture; do
    [ -f "$out/$(basename "$picture")" ] || printf ' %s' "$(basename "$picture")"
done)
if [ -n "$missing" ]; then
    echo "take-kiosk.sh: not drawn:$missing (the screen ended first; lengthen countdown_s in this script)" >&2
    exit 1
fi
# the staff panel speaks the staff's language only: its pictures in the participants' other languages are the same
rm -f "$out"/kiosk-staff-*-fr-*.png
# kept at half the screen's size, which reads well and keeps the repository small
"$(dirname "$booth")/python" - "$out" <<'PY'
import sys
from pathlib import Path

from PIL import Image

for path in Path(sys.argv[1]).glob("kiosk-*.png"):
    with Image.open(path) as image:
        if image.width < 1000 and image.height < 1000:
            continue  # halved already
        small = image.convert("RGB").resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    small.save(path, optimize=True)
PY
