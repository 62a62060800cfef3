#!/usr/bin/env bash
# Render the README's tray and notification screenshots on a real (virtual) X desktop: Xvfb, a
# tray (trayer) and a session bus, with the app started as `xerologdesk --sandbox` on a fresh
# data folder. Debian packages: xvfb trayer dbus-x11 imagemagick xdotool, plus Qt's xcb
# libraries (the app names any that are missing).
#     bash scripts/desktop_screenshots.sh [OUT_DIR]
set -euo pipefail
out=${1:-docs/screenshots}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export DISPLAY=:97 QT_QPA_PLATFORM=xcb
Xvfb "$DISPLAY" -screen 0 1600x1000x24 >/dev/null 2>&1 &
sleep 1
eval "$(dbus-launch --sh-syntax)"
trayer --edge top --align right --widthtype pixel --width 120 --height 28 \
  --transparent false --tint 0x333333 >/dev/null 2>&1 &
sleep 1
python3 -m xerologdesk --data-dir "$work/data" --sandbox >"$work/app.log" 2>&1 &
sleep 15  # the demo imports and syncs; its failures raise the notification
import -window root "$work/screen.png"
convert "$work/screen.png" -crop 600x120+1000+0 "$out/notification.png"
sleep 16  # the notification goes first (it stays 15 s)
xdotool mousemove 1588 12 click 3  # the tray icon's menu
sleep 1.5
import -window root "$work/screen.png"
convert "$work/screen.png" -crop 400x120+1200+0 "$out/tray-menu.png"
