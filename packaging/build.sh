#!/usr/bin/env bash
# Build the one-folder bundle (dist/xerologdesk/) and run its smoke test.
# Needs PyInstaller: python3 -m pip install "pyinstaller>=6.10,<7"
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/xerologdesk.spec
QT_QPA_PLATFORM=offscreen dist/xerologdesk/xerologdesk --smoke-test
