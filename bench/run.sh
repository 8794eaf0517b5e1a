#!/usr/bin/env bash
# Benchmarks of issues 2 and 11, side by side with dtach and tmux (Debian
# packages): builds ptykeeper and termbench, runs the Go micro-benchmarks of
# the hot path (only when no -only is given), then termbench with the
# arguments given. See bench/README.md.
# Usage: bash bench/run.sh [termbench flags]     e.g. bash bench/run.sh -only slow -answer=false
set -euo pipefail
cd "$(dirname "$0")/.."
for t in dtach tmux vim; do
  command -v "$t" >/dev/null || { echo "bench: needs $t (apt-get install dtach tmux vim)" >&2; exit 1; }
done
case " $* " in
  *-only*) gobench=no ;;
  *) gobench=yes ;;
esac
[ -x /usr/sbin/sshd ] || echo "bench: no /usr/sbin/sshd: the comparisons with OpenSSH's sshd are skipped (slow) or fail (ssh); apt-get install openssh-server" >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go build -o "$out/ptykeeper" ./cmd/ptykeeper
go build -o "$out/termbench" ./bench/termbench
if [ "$gobench" = yes ]; then
  echo "== go test -bench (hot path allocations, screen model cost)"
  go test -run XXX -bench 'Fanout|ClientRead|ScreenModel|TextFilter|Repaint' -benchtime 2000x ./ptykeeper/ | grep Benchmark
fi
echo "== termbench (clients in real PTYs)"
TERMBENCH_CMD="bash bench/run.sh $*" PATH="$out:$PATH" "$out/termbench" -ptykeeper "$out/ptykeeper" "$@"
