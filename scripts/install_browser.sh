#!/usr/bin/env bash
# Debian's Chromium + ChromeDriver and a CJK font, for the chat UI's browser test.
set -euo pipefail
PKGS="chromium chromium-driver fonts-wqy-microhei"
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi"; then
  echo "chromium and CJK font already installed"; exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq $PKGS || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $PKGS; }
/usr/bin/chromium --version
