#!/usr/bin/env bash
# Install Debian's chromium (and CJK fonts) for the browser tests, when missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "chromium is missing and cannot be installed without root: run 'apt-get install chromium fonts-noto-cjk' as root" >&2
  exit 1
fi
echo "Installing Debian's chromium and CJK fonts for the browser tests..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
command -v chromium >/dev/null || { echo "chromium install failed" >&2; exit 1; }
