#!/usr/bin/env bash
# Peak disk use of the SQLite bank while it writes one large object: runs
# bulwark-bank-bench (release build) for the SQLite bank and samples the size of its
# database and WAL every 50 ms. Prints the peak, and the peak over the object's size (the
# bench writes the object twice, unsized then sized, deleting the first in between).
#   bash Benchmarks/banks/peak_disk.sh [MiB, default 1024] [build dir, default .build/release]
set -euo pipefail
mib=${1:-1024}
build=${2:-.build/release}
before=$(ls -d /tmp/bulwark-bank-bench-* 2>/dev/null || true)
"$build/bulwark-bank-bench" --bank sqlite --objects 200 --large-mib "$mib" > /tmp/peak-disk-bench.out &
bench=$!
peak=0
while kill -0 "$bench" 2>/dev/null; do
    for dir in /tmp/bulwark-bank-bench-*; do
        [ -d "$dir" ] || continue
        case " $before " in *" $dir "*) continue ;; esac
        size=$(du -cb "$dir" 2>/dev/null | tail -1 | cut -f1)
        if [ "${size:-0}" -gt "$peak" ]; then peak=$size; fi
    done
    sleep 0.05
done
wait "$bench"
cat /tmp/peak-disk-bench.out
object=$((mib << 20))
python3 -c "import sys; p, o = int(sys.argv[1]), int(sys.argv[2]); print(f'peak disk: {p / 2**20:.0f} MiB for a {o / 2**20:.0f} MiB object ({p / o:.2f}x)')" "$peak" "$object"
