#!/usr/bin/env bash
# The main job: builds Bulwark in release mode and runs the demo.
#
# Today the demo loads every shipped plugin through the plugin ABI and shows what each
# provides. The protect -> list -> restore -> delete demo on the SQLite bank joins it as
# soon as the provider engine lands (see README, "Status").
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
swift build -c release
bin=.build/release

echo "== plugins on the search path"
"$bin/bulwark" plugin list
for lib in "$bin"/lib*.so; do
    echo
    echo "== $lib"
    "$bin/bulwark" plugin inspect "$lib"
done
