#!/usr/bin/env bash
# Benchmarks of issue 2, side by side with dtach and tmux (Debian packages),
# plus the Go micro-benchmarks of the hot path. Usage: bash bench/run.sh [termbench flags]
set -euo pipefail
cd "$(dirname "$0")/.."
for t in dtach tmux vim; do
  command -v "$t" >/dev/null || { echo "bench: needs $t (apt-get install dtach tmux vim)" >&2; exit 1; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ptykeeper" ./cmd/ptykeeper
go build -o "$out/termbench" ./bench/termbench
echo "== go test -bench (hot path allocations, screen model cost)"
go test -run XXX -bench 'Fanout|ClientRead|ScreenModel|TextFilter|Repaint' -benchtime 2000x ./ptykeeper/ | grep Benchmark
echo "== termbench (clients in real PTYs)"
PATH="$out:$PATH" "$out/termbench" -ptykeeper "$out/ptykeeper" "$@"
