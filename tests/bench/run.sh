#!/usr/bin/env bash
# The list/status benchmark: builds rudder and the seeder (release mode),
# starts a fresh cluster, seeds it and compares rudder with helm v3 and v4.
# Arguments go to bench.py (--runs, --releases, --revisions, ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --bin rudder --example seed
tests/cluster/build.sh >/dev/null
exec tests/cluster/cluster.sh run -- python3 tests/bench/bench.py \
  --rudder "$PWD/target/release/rudder" --seed "$PWD/target/release/examples/seed" "$@"
