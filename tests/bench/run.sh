#!/usr/bin/env bash
# The list/status benchmark: builds rudder and the seeder (release mode),
# starts a fresh cluster, seeds it and compares rudder with helm v3 and v4.
# `run.sh template`, `run.sh upgrade`, `run.sh watch` and `run.sh serve` run the other benchmarks.
# Arguments go to bench.py (--runs, --releases, --revisions, ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
# `run.sh template [--runs N]`: the template benchmark (no cluster needed).
if [ "${1:-}" = template ]; then
  shift
  cargo build --release --locked --bin rudder
  bins=$(tests/cluster/build.sh --env helm3 helm4)
  realcharts=${RUDDER_REALCHARTS:-}
  for d in "$PWD/../shared/realcharts" "$PWD/../../shared/realcharts" /work/shared/realcharts; do
    [ -n "$realcharts" ] && break
    [ -f "$d/README.md" ] && realcharts=$d
  done
  exec python3 tests/bench/template.py --rudder "$PWD/target/release/rudder" \
    --helm3 "$(sed -n 's/^HELM3=//p' <<<"$bins")" --helm4 "$(sed -n 's/^HELM4=//p' <<<"$bins")" \
    --realcharts "$realcharts" "$@"
fi
cargo build --release --locked --bin rudder --example seed
tests/cluster/build.sh >/dev/null
# `run.sh upgrade [--runs N]`: the upgrade benchmark (long history, wide chart).
if [ "${1:-}" = upgrade ]; then
  shift
  exec tests/cluster/cluster.sh run -- python3 tests/bench/upgrade.py \
    --rudder "$PWD/target/release/rudder" --seed "$PWD/target/release/examples/seed" "$@"
fi
# `run.sh watch [--idle SECONDS]`: the watch and ui benchmark (latency, idle LISTs, RSS).
if [ "${1:-}" = watch ]; then
  shift
  exec tests/cluster/cluster.sh run -- python3 tests/bench/watch.py \
    --rudder "$PWD/target/release/rudder" --seed "$PWD/target/release/examples/seed" "$@"
fi
# `run.sh serve [--seconds N]`: the `rudder serve` load test (200 SSE clients,
# 50 list requests a second, releases changing).
if [ "${1:-}" = serve ]; then
  shift
  exec tests/cluster/cluster.sh run -- python3 tests/bench/serve.py \
    --rudder "$PWD/target/release/rudder" --seed "$PWD/target/release/examples/seed" "$@"
fi
exec tests/cluster/cluster.sh run -- python3 tests/bench/bench.py \
  --rudder "$PWD/target/release/rudder" --seed "$PWD/target/release/examples/seed" "$@"
