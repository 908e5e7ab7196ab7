#!/usr/bin/env bash
# The several-nodes figures of docs/BENCHMARKS.md: `livehost load-cluster` on 3 nodes and on 1,
# each run on a database of its own (every node folds every show of its database at start).
#   scripts/load-cluster.sh ADMIN_URL [OUT_DIR] [RUN...]
# ADMIN_URL is a PostgreSQL admin URL (scripts/pg.sh start DIR PORT prints one). A RUN is
# NODES:RATE_PER_SHOW[:no-bus]; default: the issue's run (10 shows × 500 msg/s × 20 subscribers)
# on 3 nodes, 1 node, 1 node without NATS. Prints one JSON report per run and keeps them in OUT_DIR.
set -euo pipefail
admin=${1:?usage: load-cluster.sh ADMIN_URL [OUT_DIR] [NODES:RATE[:no-bus]...]}
out=${2:-load-cluster-out}
shift $(( $# >= 2 ? 2 : 1 ))
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(3:500 1:500 1:500:no-bus)
: "${SHOWS:=10}" "${SUBSCRIBERS:=20}" "${DURATION:=30s}" "${BATCH:=10}"
PSQL=${PSQL:-/usr/lib/postgresql/15/bin/psql}
mkdir -p "$out"
bin=$(mktemp -d)/livehost
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/livehost
for run in "${runs[@]}"; do
  IFS=: read -r nodes rate bus <<<"$run"
  db=lh_load_$$_${nodes}_${rate}_${bus:-nats}; db=${db//-/_}
  "$PSQL" "$admin" -qc "CREATE DATABASE $db" >/dev/null
  url=$(sed -E "s#/[^/?]*(\?|$)#/$db\1#" <<<"$admin")
  "$PSQL" "$url" -qc "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
  flags=(--db "$url" --nodes "$nodes" --shows "$SHOWS" --rate "$rate" --subscribers "$SUBSCRIBERS"
    --duration "$DURATION" --batch "$BATCH" --json)
  [ "$bus" = no-bus ] && flags+=(--no-bus)
  name="$out/nodes${nodes}-rate${rate}${bus:+-$bus}.json"
  "$bin" load-cluster "${flags[@]}" >"$name" || echo "run $run: exit $? (see $name)" >&2
  cat "$name"
  "$PSQL" "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
