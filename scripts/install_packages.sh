#!/usr/bin/env bash
# install_packages.sh WHO PACKAGE...: installs the Debian packages that are missing (with apt-get;
# sudo when not root), saying which; nothing when all are there. WHO prefixes its lines.
set -euo pipefail
who=$1
shift
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$who: all $# packages already installed"
  exit 0
fi
echo "$who: installing ${missing[*]}"
sudo_if_needed apt-get update
sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
