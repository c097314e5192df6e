#!/usr/bin/env bash
# Installs what building and testing Bulwark needs on a fresh Debian machine with the
# Swift toolchain: the three C libraries' -dev packages, a C compiler (the tests build C
# plugins with cc), and openssl (the TLS tests make a CA). python3, which runs the test
# HTTP server, comes with the machine. Idempotent: does nothing when all is present.
set -euo pipefail

packages=(libyaml-dev libcurl4-openssl-dev libsqlite3-dev gcc pkg-config openssl curl)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }
command -v python3 >/dev/null || { echo "setup: python3 is needed by the tests' HTTP server" >&2; exit 1; }
