#!/usr/bin/env bash
# Starts and stops a real, throw-away Kubernetes control plane on loopback:
# etcd -> kube-apiserver -> kube-controller-manager -> kube-scheduler -> kwok
# (one fake node, so Deployments become Ready, Jobs Complete and pod logs
# can be read), all built from their Go modules by build.sh.
#
#   cluster.sh up [--dir DIR]        start in the background; prints
#                                    `export KUBECONFIG=...` lines for eval
#   cluster.sh down [--dir DIR]      stop it (DIR defaults to $RUDDER_CLUSTER_DIR)
#   cluster.sh run [--keep] -- CMD   start, run CMD with KUBECONFIG set, stop
#   cluster.sh serve --dir DIR [--stdin] [--cleanup]
#                                    foreground; DIR/ready appears when the
#                                    cluster is usable; stops on SIGINT/SIGTERM
#                                    and, with --stdin, when stdin closes (how
#                                    the Rust test harness ties the cluster to
#                                    the life of the test process); with
#                                    --cleanup, DIR is removed on the way out
#   cluster.sh stats [--dir DIR]     resident memory of each component
#
# The kubeconfig has two contexts: `admin` (system:masters, the default) and
# `restricted` (user `restricted`, no groups, so it can do only what a test
# grants it through RBAC).
#
# Nothing outlives the launcher: every component runs under
# `setpriv --pdeathsig KILL`, so even a SIGKILLed launcher takes its
# processes with it, and the ports they held are freed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

log() { echo "[cluster] $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- binaries ----------------------------------------------------------------

load_binaries() {
  local line
  while IFS= read -r line; do
    case $line in *=*) export "${line?}" ;; esac
  done < <("$here/build.sh" --env)
}

# --- ports -------------------------------------------------------------------

used_ports=" "
pick_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    case $used_ports in *" $p "*) continue ;; esac
    if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then
      used_ports+="$p "
      echo "$p"
      return
    fi
  done
}

# --- PKI and credentials -----------------------------------------------------

gen_pki() {
  local d=$1/pki
  mkdir -p "$d"
  (
    cd "$d"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=rudder-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out apiserver.key 2>/dev/null
    openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" -out apiserver.csr 2>/dev/null
    printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 3650 -sha256 -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # kwok's kubelet endpoint (pod logs), at the node's loopback address.
    # Signed by the same CA so the API server verifies it
    # (--kubelet-certificate-authority) instead of skipping verification.
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out kwok.key 2>/dev/null
    openssl req -new -key kwok.key -subj "/CN=kwok-node-0" -out kwok.csr 2>/dev/null
    printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1" \
      >kwok.ext
    openssl x509 -req -in kwok.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -days 3650 -sha256 -extfile kwok.ext -out kwok.crt 2>/dev/null
    # Service-account token signing key pair.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    admin_token=$(openssl rand -hex 24)
    restricted_token=$(openssl rand -hex 24)
    {
      echo "$admin_token,admin,admin-uid,\"system:masters\""
      echo "$restricted_token,restricted,restricted-uid"
    } >tokens.csv
    chmod 600 ./*.key tokens.csv
  )
}

token_of() { awk -F, -v u="$2" '$2 == u { print $1 }' "$1/pki/tokens.csv"; }

write_kubeconfig() {
  local dir=$1 out=$2 only_admin=${3:-}
  local ca server
  ca=$(base64 -w0 <"$dir/pki/ca.crt")
  server="https://127.0.0.1:$(cat "$dir/apiserver.port")"
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rudder-test
  cluster:
    server: $server
    certificate-authority-data: $ca
users:
- name: admin
  user:
    token: $(token_of "$dir" admin)
EOF
    [ -n "$only_admin" ] || cat <<EOF
- name: restricted
  user:
    token: $(token_of "$dir" restricted)
EOF
    cat <<EOF
contexts:
- name: admin
  context:
    cluster: rudder-test
    user: admin
    namespace: default
EOF
    [ -n "$only_admin" ] || cat <<EOF
- name: restricted
  context:
    cluster: rudder-test
    user: restricted
    namespace: default
EOF
    echo "current-context: admin"
  } >"$out"
  chmod 600 "$out"
}

# --- API calls during bring-up (plain curl, so no client is needed) -----------

api() {
  local method=$1 path=$2
  shift 2
  curl -sS --fail-with-body --cacert "$dir/pki/ca.crt" \
    -H "Authorization: Bearer $(token_of "$dir" admin)" \
    -X "$method" "https://127.0.0.1:$(cat "$dir/apiserver.port")$path" "$@"
}

# Polls until a command succeeds; bring-up only (the product never polls).
wait_for() {
  local what=$1 timeout=$2 start
  shift 2
  start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    check_alive || return 1
    sleep 0.2
  done
}

# --- components --------------------------------------------------------------

names=()
pids=()

start_component() {
  local name=$1
  shift
  setpriv --pdeathsig KILL -- "$@" >"$dir/logs/$name.log" 2>&1 &
  names+=("$name")
  pids+=("$!")
  echo "$!" >"$dir/$name.pid"
}

check_alive() {
  local i
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      log "${names[$i]} exited unexpectedly; last lines of $dir/logs/${names[$i]}.log:"
      tail -n 15 "$dir/logs/${names[$i]}.log" >&2 || true
      return 1
    fi
  done
}

stop_all() {
  local i pid deadline
  [ ${#pids[@]} -gt 0 ] || return 0
  # Reverse start order: clients of the API first, etcd last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    deadline=$(($(date +%s) + 10))
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  names=()
}

start_cluster() {
  local etcd_client etcd_peer apiserver_port kubelet_port start
  etcd_client=$(pick_port)
  etcd_peer=$(pick_port)
  apiserver_port=$(pick_port)
  kubelet_port=$(pick_port)
  echo "$apiserver_port" >"$dir/apiserver.port"
  rm -rf "$dir/etcd-data"

  start=$(now)
  start_component etcd "$ETCD" \
    --name=rudder --data-dir="$dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_client" \
    --advertise-client-urls="http://127.0.0.1:$etcd_client" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="rudder=http://127.0.0.1:$etcd_peer" \
    --unsafe-no-fsync=true --quota-backend-bytes=8589934592 --log-level=warn
  wait_for "etcd" 30 curl -sf "http://127.0.0.1:$etcd_client/health" || return 1
  log "etcd ready ($(elapsed "$start")s)"

  start_component kube-apiserver "$KUBE_APISERVER" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --bind-address=127.0.0.1 --secure-port="$apiserver_port" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$dir/pki/apiserver.crt" --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --token-auth-file="$dir/pki/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --allow-privileged=true --profiling=false \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-certificate-authority="$dir/pki/ca.crt"
  wait_for "kube-apiserver /readyz" 90 api GET /readyz || return 1
  wait_for "namespace default" 30 api GET /api/v1/namespaces/default || return 1
  log "kube-apiserver ready ($(elapsed "$start")s)"

  write_kubeconfig "$dir" "$dir/admin.kubeconfig" admin-only
  start_component kube-controller-manager "$KUBE_CONTROLLER_MANAGER" \
    --kubeconfig="$dir/admin.kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=0 \
    --service-account-private-key-file="$dir/pki/sa.key" \
    --root-ca-file="$dir/pki/ca.crt" --cluster-name=rudder-test
  start_component kube-scheduler "$KUBE_SCHEDULER" \
    --kubeconfig="$dir/admin.kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=0

  # The fake node. kwok (started next) fills in its conditions and keeps
  # them fresh; no taint, so unmodified charts schedule onto it.
  api POST /api/v1/nodes -H 'Content-Type: application/json' -d '{
    "apiVersion": "v1", "kind": "Node",
    "metadata": {
      "name": "kwok-node-0",
      "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
      "labels": {"kubernetes.io/hostname": "kwok-node-0", "kubernetes.io/os": "linux",
                 "kubernetes.io/arch": "amd64", "type": "kwok"}
    },
    "status": {
      "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "1000"},
      "capacity": {"cpu": "64", "memory": "256Gi", "pods": "1000"}
    }
  }' >/dev/null || return 1

  local stages=() f
  for f in node-initialize node-heartbeat pod-ready pod-complete pod-delete \
    pvc-provision pv-bind pv-delete pvc-delete; do
    stages+=("--config=$KWOK_STAGES/$f.yaml")
  done
  for f in "$here"/stages/*.yaml; do stages+=("--config=$f"); done
  write_kwok_logs "$dir/kwok-logs.yaml"
  # kwok also plays the kubelet's API for pod logs: node-initialize
  # advertises --node-ip as the node's InternalIP and --node-port as its
  # kubelet port, which is where the API server sends
  # GET .../pods/NAME/log. The server takes no client certificate (kwok
  # checks none), so the API server needs no --kubelet-client-certificate.
  start_component kwok "$KWOK" \
    --kubeconfig="$dir/admin.kubeconfig" \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.0/16 --node-ip=127.0.0.1 --node-lease-duration-seconds=0 \
    --node-port="$kubelet_port" --server-address="127.0.0.1:$kubelet_port" \
    --tls-cert-file="$dir/pki/kwok.crt" --tls-private-key-file="$dir/pki/kwok.key" \
    "${stages[@]}" --config="$dir/kwok-logs.yaml"

  # The default StorageClass that kwok's volume stages provision for.
  api POST /apis/storage.k8s.io/v1/storageclasses -H 'Content-Type: application/yaml' \
    --data-binary "@$KWOK_STAGES/storage-class.yaml" >/dev/null || return 1

  wait_for "node kwok-node-0 Ready" 60 node_ready || return 1
  wait_for "default ServiceAccount (kube-controller-manager)" 60 \
    api GET /api/v1/namespaces/default/serviceaccounts/default || return 1
  probe_pod "$start" || return 1
  log "cluster ready in $(elapsed "$start")s; kubeconfig: $dir/kubeconfig"
}

# Every container of every pod on the fake node logs the same fixed lines,
# tests/cluster/container.log (CRI log format). kwok resolves a relative
# logsFile against its working directory, hence a config written per cluster
# with the absolute path.
write_kwok_logs() {
  cat >"$1" <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: rudder-container-log
spec:
  logs:
  - logsFile: "$here/container.log"
EOF
}

node_ready() {
  api GET /api/v1/nodes/kwok-node-0 |
    jq -e '.status.conditions[]? | select(.type == "Ready" and .status == "True")'
}

# End to end: a pod is admitted, scheduled (kube-scheduler) and run (kwok).
probe_pod() {
  api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "rudder-probe"},
    "spec": {"containers": [{"name": "probe", "image": "probe"}]}}' >/dev/null || return 1
  wait_for "probe pod Running" 60 pod_running || return 1
  # Its log comes through the API server from kwok's kubelet endpoint.
  wait_for "probe pod log (kwok's kubelet endpoint)" 30 \
    api GET /api/v1/namespaces/default/pods/rudder-probe/log || return 1
  api DELETE /api/v1/namespaces/default/pods/rudder-probe >/dev/null || return 1
  log "scheduler and kwok ready ($(elapsed "$1")s)"
}

pod_running() {
  api GET /api/v1/namespaces/default/pods/rudder-probe | jq -e '.status.phase == "Running"'
}

rss_report() {
  local d=$1 total=0 name pid kb
  for f in "$d"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    [ "$name" = launcher ] && continue
    pid=$(cat "$f")
    kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$kb" ] || kb=0
    total=$((total + kb))
    printf '%-24s %6d MiB\n' "$name" $((kb / 1024))
  done
  printf '%-24s %6d MiB\n' total $((total / 1024))
}

# --- commands ----------------------------------------------------------------

cmd_serve() {
  local watch_stdin=false attempt ok=false
  cleanup=false
  dir=
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      --stdin) watch_stdin=true; shift ;;
      --cleanup) cleanup=true; shift ;;
      *) die "serve: unknown argument '$1'" ;;
    esac
  done
  [ -n "$dir" ] || die "serve: --dir is required"
  mkdir -p "$dir/logs"
  dir=$(cd "$dir" && pwd)
  rm -f "$dir/ready" "$dir/failed"
  echo $$ >"$dir/launcher.pid"

  trap 'stop_all; exit 130' INT
  trap 'stop_all; exit 143' TERM
  trap 'stop_all; if $cleanup; then rm -rf "$dir"; fi' EXIT

  load_binaries || { echo "build failed" >"$dir/failed"; die "building components failed"; }
  gen_pki "$dir"
  # A port picked as free can be taken before the component binds it (other
  # clusters start in parallel): start again on fresh ports.
  for attempt in 1 2 3; do
    if start_cluster; then ok=true; break; fi
    log "start attempt $attempt failed"
    stop_all
  done
  if ! $ok; then
    echo "start failed" >"$dir/failed"
    die "the cluster did not start; logs are in $dir/logs"
  fi
  write_kubeconfig "$dir" "$dir/kubeconfig"
  {
    echo "KUBECONFIG=$dir/kubeconfig"
    echo "RUDDER_CLUSTER_DIR=$dir"
    echo "HELM3=$HELM3"
    echo "HELM4=$HELM4"
  } >"$dir/env"
  rss_report "$dir" >"$dir/rss-at-ready" 2>/dev/null || true
  touch "$dir/ready"

  if $watch_stdin; then
    # Until the parent closes our stdin (it exited, however it exited).
    local rc
    while :; do
      rc=0
      read -r -t 2 _ || rc=$?
      [ "$rc" -eq 0 ] && continue
      [ "$rc" -gt 128 ] || break # EOF; above 128 is the read timeout
      check_alive || exit 1
    done
  else
    while check_alive; do
      sleep 2 &
      wait $! || true
    done
    exit 1
  fi
}

default_dir() {
  if [ -n "${RUDDER_CLUSTER_DIR:-}" ]; then
    echo "$RUDDER_CLUSTER_DIR"
  else
    echo "${TMPDIR:-/tmp}/rudder-cluster"
  fi
}

cmd_up() {
  local d pid start
  d=$(default_dir)
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) d=$2; shift 2 ;;
      *) die "up: unknown argument '$1'" ;;
    esac
  done
  if [ -f "$d/launcher.pid" ] && kill -0 "$(cat "$d/launcher.pid")" 2>/dev/null; then
    die "a cluster is already running in $d (cluster.sh down --dir $d)"
  fi
  rm -rf "$d"
  mkdir -p "$d"
  d=$(cd "$d" && pwd)
  start=$(now)
  setsid "$self" serve --dir "$d" </dev/null >"$d/launcher.log" 2>&1 &
  pid=$!
  while [ ! -e "$d/ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$d/launcher.log" >&2
      die "the cluster failed to start"
    fi
    sleep 0.2
  done
  log "up in $(elapsed "$start")s (components built or reused, then started)"
  sed 's/^/export /' "$d/env"
}

cmd_down() {
  local d pid
  d=$(default_dir)
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) d=$2; shift 2 ;;
      *) die "down: unknown argument '$1'" ;;
    esac
  done
  [ -f "$d/launcher.pid" ] || die "no cluster in $d"
  pid=$(cat "$d/launcher.pid")
  if kill -TERM "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -rf "$d"
  log "stopped"
}

cmd_run() {
  local keep=false d
  while [ $# -gt 0 ]; do
    case $1 in
      --keep) keep=true; shift ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "run: no command given"
  d=$(mktemp -d "${TMPDIR:-/tmp}/rudder-cluster.XXXXXX")
  eval "$(cmd_up --dir "$d")"
  if ! $keep; then
    trap 'cmd_down --dir "'"$d"'"' EXIT
  fi
  local rc=0
  "$@" || rc=$?
  if $keep; then
    log "kept running; stop it with: $self down --dir $d"
    log "use it with: export KUBECONFIG=$d/kubeconfig"
  fi
  return $rc
}

cmd_stats() {
  local d
  d=$(default_dir)
  [ "${1:-}" = --dir ] && d=$2
  rss_report "$d"
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  run) shift; cmd_run "$@" ;;
  serve) shift; cmd_serve "$@" ;;
  stats) shift; cmd_stats "$@" ;;
  *)
    sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
