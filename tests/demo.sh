#!/usr/bin/env bash
# rudder's main job on a local cluster this script starts itself.
#
#   tests/demo.sh          build what is missing, start a cluster, install a
#                          handful of releases with helm, show them with
#                          rudder, roll back, uninstall and recover with
#                          rudder, install, diff, upgrade and test a release
#                          with rudder alone, watch a helm upgrade live with
#                          `rudder watch`, let helm carry on, serve it all
#                          over HTTP with `rudder serve` (API, metrics, the
#                          web page), stop the cluster
#   tests/demo.sh --keep   leave the cluster and `rudder serve` running
#                          afterwards (open the printed URL in a browser)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --inside ]; then
  keep=()
  [ "${1:-}" = --keep ] && keep=(--keep) && export RUDDER_DEMO_KEEP=1
  echo "== building rudder and the local cluster's components (cached after the first run)" >&2
  cargo build --release --locked --bin rudder
  tests/cluster/build.sh
  exec tests/cluster/cluster.sh run "${keep[@]}" -- "$0" --inside
fi

# --- inside the running cluster (KUBECONFIG, HELM3, HELM4 are set) ----------
rudder=$PWD/target/release/rudder
helm=$HELM4
export HELM_CACHE_HOME=$RUDDER_CLUSTER_DIR/helm/cache
export HELM_CONFIG_HOME=$RUDDER_CLUSTER_DIR/helm/config
export HELM_DATA_HOME=$RUDDER_CLUSTER_DIR/helm/data
charts=$PWD/fixtures/charts
quiet() { "$@" >/dev/null 2>&1; }
bold=; plain=
if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; fi
# Runs rudder, showing the command line first.
show() {
  printf '\n%s$ rudder %s%s\n' "$bold" "$*" "$plain"
  "$rudder" "$@"
}

echo "== installing releases with helm $("$helm" version --short)"
quiet "$helm" install web "$charts/web" -n shop --create-namespace --wait
quiet "$helm" upgrade web "$charts/web" -n shop --set message=second --wait
quiet "$helm" upgrade web "$charts/web" -n shop --set message=third --set replicaCount=2 --wait
quiet "$helm" install db "$charts/stateful" -n shop --wait
quiet "$helm" install jobs "$charts/hooks" -n ops --create-namespace --wait
quiet "$helm" upgrade jobs "$charts/hooks" -n ops --set message=again --wait
quiet "$helm" install broken "$charts/web" -n ops --set unschedulable=true --wait --timeout 5s || true
# A release left pending-install: helm is killed while it waits.
"$helm" install stuck "$charts/web" -n ops --set unschedulable=true --wait --timeout 10m >/dev/null 2>&1 &
helm_pid=$!
until "$rudder" history stuck -n ops -o json 2>/dev/null | grep -q pending-install; do sleep 0.2; done
sleep 0.5
kill -9 "$helm_pid" 2>/dev/null || true
wait "$helm_pid" 2>/dev/null || true

echo
echo "== what rudder sees (no helm involved from here on)"
show list -A
show history web -n shop
show status web -n shop
show status stuck -n ops
show get values web -n shop -o yaml

echo
echo "== and the same answers as helm, byte for byte:"
for args in "list -A" "history web -n shop" "status broken -n ops -o json" "get all jobs -n ops"; do
  # shellcheck disable=SC2086
  if cmp -s <("$helm" $args 2>&1) <("$rudder" $args 2>&1); then
    echo "  identical: $args"
  else
    echo "  DIFFERENT: $args"
  fi
done

echo
echo "== changing releases without helm: rollback, uninstall, recover"
show rollback web 1 -n shop --wait
show history web -n shop
show uninstall jobs -n ops --keep-history
show rollback jobs -n ops --wait
show history jobs -n ops
# helm was killed seconds ago: rudder cannot know that it is gone, so it
# refuses until the record has been left alone for a grace period.
show recover stuck -n ops || true
sleep 2
show recover stuck -n ops --grace 1s
show list -A

echo
echo "== installing and upgrading without helm: install, diff, upgrade, test"
show install api "$charts/web" -n apps --create-namespace --wait --timeout 2m
show diff upgrade api "$charts/web" -n apps --set message=v2 --set replicaCount=2 -C 2 || true
show upgrade api "$charts/web" -n apps --set message=v2 --set replicaCount=2 --rollback-on-failure --timeout 2m
show upgrade api "$charts/web" -n apps --reuse-values --set image.tag=1.1 --wait --timeout 2m
show history api -n apps
show install suite "$charts/testsuite" -n apps
show test suite -n apps --filter name=suite-pass || true

echo
echo "== rudder watch sees a helm upgrade live (lists once, then only watches)"
printf '\n%s$ rudder watch -n shop -f %s --exit-on deployed,failed &%s\n' "$bold" "'^web\$'" "$plain"
watch_out=$RUDDER_CLUSTER_DIR/watch.out
timeout 120 "$rudder" watch -n shop -f '^web$' --exit-on deployed,failed >"$watch_out" 2>&1 &
watch_pid=$!
# The snapshot table is printed once the listing is complete.
for _ in $(seq 100); do grep -q '^NAME' "$watch_out" && break; sleep 0.1; done
quiet "$helm" upgrade web "$charts/web" -n shop --set message=live --wait && echo "  (helm upgrade web --set message=live --wait: ok)"
if wait "$watch_pid"; then watch_exit=0; else watch_exit=$?; fi
cat "$watch_out"
echo "  (rudder watch exited with status $watch_exit once web reached deployed)"

echo
echo "== helm carries on where rudder left off:"
quiet "$helm" upgrade web "$charts/web" -n shop --set message=fourth --wait && echo "  helm upgrade web: ok"
quiet "$helm" rollback jobs 1 -n ops --wait && echo "  helm rollback jobs 1: ok"
quiet "$helm" uninstall stuck -n ops && echo "  helm uninstall stuck: ok"
quiet "$helm" upgrade api "$charts/web" -n apps --reuse-values --set message=v3 --wait && echo "  helm upgrade api (installed by rudder): ok"
if cmp -s <("$helm" history web -n shop 2>&1) <("$rudder" history web -n shop 2>&1); then
  echo "  identical: history web -n shop"
else
  echo "  DIFFERENT: history web -n shop"
fi

echo
echo "== rudder serve: the same releases over HTTP (JSON API, live events, metrics, the web page)"
serve_log=$RUDDER_CLUSTER_DIR/serve.log
printf '\n%s$ rudder serve -A --listen 127.0.0.1:0 &%s\n' "$bold" "$plain"
if [ -n "${RUDDER_DEMO_KEEP:-}" ]; then
  setsid "$rudder" serve -A --listen 127.0.0.1:0 2>"$serve_log" >/dev/null </dev/null &
else
  "$rudder" serve -A --listen 127.0.0.1:0 2>"$serve_log" >/dev/null </dev/null &
fi
serve_pid=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*/auth?token=[0-9a-f]*' "$serve_log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
echo "  ${url:-(rudder serve did not start: see $serve_log)}"
if [ -n "$url" ]; then
  # The API answers from the server's own watch: no API-server request per call.
  python3 - "$url" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
base, token = url.split("/auth?token=")
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode()
print("\n$ GET /api/v1/releases")
for r in json.loads(get("/api/v1/releases"))["releases"]:
    print(f"  {r['namespace']:6} {r['name']:8} rev {r['revision']:<3} {r['status']:16} {r['chart']}-{r['chart_version']}")
print("\n$ GET /metrics  (helm-exporter's helm_chart_info, answered from the watch)")
for line in get("/metrics").splitlines():
    if line.startswith("helm_chart_info"):
        print("  " + line)
PY
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    # The page, as a browser shows it once its event stream has filled the
    # table (the token becomes a cookie on the first load and leaves the
    # address bar), driven over WebDriver by chromedriver.
    mkdir -p target/demo
    shot=$PWD/target/demo/page.png
    rm -f "$shot"
    python3 - "$url" "$shot" "$RUDDER_CLUSTER_DIR/chromium" <<'PY' || true
import base64, json, socket, subprocess, sys, time, urllib.request
url, shot, profile = sys.argv[1:4]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
def call(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)["value"]
try:
    for _ in range(100):
        try:
            call("GET", "/status"); break
        except OSError:
            time.sleep(0.1)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--window-size=1280,800"]
    sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}})["sessionId"]
    call("POST", f"/session/{sid}/url", {"url": url})
    script = "return document.querySelectorAll('#releases tbody tr[data-key]').length"
    for _ in range(100):
        if call("POST", f"/session/{sid}/execute/sync", {"script": script, "args": []}):
            break
        time.sleep(0.1)
    with open(shot, "wb") as f:
        f.write(base64.b64decode(call("GET", f"/session/{sid}/screenshot")))
    call("DELETE", f"/session/{sid}")
finally:
    driver.terminate()
PY
    [ -s "$shot" ] && echo "  the web page, as headless Chromium shows it: $shot"
  fi
  if [ -n "${RUDDER_DEMO_KEEP:-}" ]; then
    echo "  open $url in a browser; rudder serve keeps running (pid $serve_pid: kill it when done)"
  fi
fi
if [ -z "${RUDDER_DEMO_KEEP:-}" ]; then
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
fi
