#!/usr/bin/env bash
# Builds the real control-plane components and both helm CLIs from their
# official Go modules, through the Go module proxy, and caches the binaries
# outside the checkout.
#
#   tests/cluster/build.sh [--env] [component...]
#
# Components: kube (kube-apiserver, kube-controller-manager, kube-scheduler),
# etcd, kwok (binary plus its stage files), helm3, helm4, registry (the CNCF
# distribution registry, for OCI tests) and chartsrv (our own static chart
# repository server and PKI/htpasswd generator, tools/chartsrv), and tmux (a
# system package for the `rudder ui` end-to-end tests: installed with apt-get
# when `command -v tmux` finds none; never skipped). Default: all.
# With --env, prints one KEY=PATH line per binary on stdout (progress goes to
# stderr), which is what cluster.sh and the Rust test harness read.
#
# The cache lives in $RUDDER_CACHE_DIR (default ~/.cache/rudder). Every
# output directory is keyed by the component's version and a hash of its
# tools module (go.mod + go.sum) and recipe, so a second run reuses it in
# well under a second, and a change to either builds a fresh one.
# chromium (Debian's chromium and chromium-driver packages, for the
# `rudder serve` page tests in headless Chromium) is installed like tmux.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${RUDDER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rudder}
mkdir -p "$cache/bin"

# One toolchain, no surprises: never download another Go, never consult the
# checksum database (the committed go.sum files are complete, and the
# build fails rather than adds to them), never fall back to git.
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=readonly -modcacherw -buildvcs=false -trimpath"
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
export GOSUMDB=off

# Bump a recipe revision when the way a family is built changes.
RECIPE_kube=1 RECIPE_etcd=1 RECIPE_kwok=1 RECIPE_helm3=1 RECIPE_helm4=1
RECIPE_registry=1 RECIPE_chartsrv=1

print_env=false
components=()
for a in "$@"; do
  case $a in
    --env) print_env=true ;;
    kube | etcd | kwok | helm3 | helm4 | registry | chartsrv | tmux | chromium) components+=("$a") ;;
    *) echo "build.sh: unknown component '$a'" >&2; exit 2 ;;
  esac
done
[ ${#components[@]} -gt 0 ] || components=(kube etcd kwok helm3 helm4 registry chartsrv tmux chromium)

log() { echo "[build] $*" >&2; }

version_of() {
  case $1 in
    kube) echo "$KUBE_VERSION" ;; etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;; helm3) echo "$HELM3_VERSION" ;;
    helm4) echo "$HELM4_VERSION" ;;
    registry) echo "$REGISTRY_VERSION" ;;
    # Our own source: the hash of its files below is its version.
    chartsrv) echo src ;;
  esac
}

# The cache key: version, recipe revision and the exact dependency graph
# (plus the Go source of a module that has its own, like chartsrv).
out_dir() {
  local c=$1 recipe="RECIPE_$1" sum
  sum=$(cd "$here/tools/$c" && cat go.mod go.sum $(ls ./*.go 2>/dev/null) |
    { cat; echo "${!recipe}"; } | sha256sum | cut -c1-12)
  echo "$cache/bin/$c-$(version_of "$c")-$sum"
}

kube_ldflags() {
  local minor flags="-s -w" p
  minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  # Stamp like upstream's hack/lib/version.sh so /version (and with it
  # helm's .Capabilities.KubeVersion) reports the real release.
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    flags+=" -X $p.gitTreeState=clean"
  done
  echo "$flags"
}

helm_ldflags() {
  local major=$1 version=$2 flags k8s minor
  flags="-s -w -X helm.sh/helm/v$major/internal/version.version=$version"
  flags+=" -X helm.sh/helm/v$major/internal/version.gitTreeState=clean"
  if [ "$major" = 3 ]; then
    # Helm v3's release Makefile derives its offline Kubernetes version
    # (helm template, lint) from the client-go module it was built with.
    k8s=$(cd "$here/tools/helm3" && go list -m -f '{{.Version}}' k8s.io/client-go)
    minor=${k8s#v0.}; minor=${minor%%.*}
    local p
    for p in pkg/chartutil pkg/lint/rules; do
      flags+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1"
      flags+=" -X helm.sh/helm/v3/$p.k8sVersionMinor=$minor"
    done
  fi
  echo "$flags"
}

# tmux is not built from source: the system package, installed when missing
# (in CI a component that cannot be had is a failing test, never a skip).
ensure_tmux() {
  command -v tmux >/dev/null 2>&1 && return 0
  log "tmux missing: installing it with apt-get"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq tmux >&2
  command -v tmux >/dev/null 2>&1 || { log "tmux could not be installed"; return 1; }
}

# Chromium and its WebDriver server for the page tests: Debian's packages,
# installed the same way (a missing browser fails those tests).
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && return 0
  log "chromium missing: installing chromium and chromium-driver with apt-get"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium chromium-driver >&2
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 ||
    { log "chromium could not be installed"; return 1; }
}

build_one() {
  local c=$1 dest tmp start
  if [ "$c" = tmux ]; then
    ensure_tmux
    return
  fi
  if [ "$c" = chromium ]; then
    ensure_chromium
    return
  fi
  dest=$(out_dir "$c")
  if [ -f "$dest/.complete" ]; then
    return 0
  fi
  start=$(date +%s)
  log "building $c $(version_of "$c") -> $dest"
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (
    cd "$here/tools/$c"
    case $c in
      kube)
        go build -ldflags "$(kube_ldflags)" -o "$tmp/" \
          k8s.io/kubernetes/cmd/kube-apiserver \
          k8s.io/kubernetes/cmd/kube-controller-manager \
          k8s.io/kubernetes/cmd/kube-scheduler
        ;;
      etcd)
        go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
        ;;
      kwok)
        go build -ldflags "-s -w" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok
        # kwok v0.8 has no built-in stages: keep the module's stage files
        # next to the binary, so the cache stays usable without the
        # module cache.
        local src
        src=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
        mkdir -p "$tmp/stages"
        cp "$src"/kustomize/stage/node/fast/node-initialize.yaml \
          "$src"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
          "$src"/kustomize/stage/pod/fast/pod-ready.yaml \
          "$src"/kustomize/stage/pod/fast/pod-complete.yaml \
          "$src"/kustomize/stage/pod/fast/pod-delete.yaml \
          "$src"/kustomize/stage/pod/chaos/pod-container-running-failed.yaml \
          "$src"/kustomize/stage/volume/fast/pvc-provision.yaml \
          "$src"/kustomize/stage/volume/fast/pv-bind.yaml \
          "$src"/kustomize/stage/volume/fast/pv-delete.yaml \
          "$src"/kustomize/stage/volume/fast/pvc-delete.yaml \
          "$src"/kustomize/stage/volume/fast/storage-class.yaml \
          "$tmp/stages/"
        chmod u+w "$tmp"/stages/*
        ;;
      helm3)
        go build -ldflags "$(helm_ldflags 3 "$HELM3_VERSION")" -o "$tmp/helm" helm.sh/helm/v3/cmd/helm
        ;;
      helm4)
        go build -ldflags "$(helm_ldflags 4 "$HELM4_VERSION")" -o "$tmp/helm" helm.sh/helm/v4/cmd/helm
        ;;
      registry)
        go build -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION" \
          -o "$tmp/registry" github.com/distribution/distribution/v3/cmd/registry
        ;;
      chartsrv)
        go build -ldflags "-s -w" -o "$tmp/chartsrv" .
        ;;
    esac
  )
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "built $c in $(($(date +%s) - start))s"
}

# Several test binaries may ask for the components at once: build under a
# lock, and let the others find the finished output.
exec 9>"$cache/build.lock"
flock 9
for c in "${components[@]}"; do
  build_one "$c"
done
flock -u 9

if $print_env; then
  for c in "${components[@]}"; do
    d=; [ "$c" = tmux ] || [ "$c" = chromium ] || d=$(out_dir "$c")
    case $c in
      kube)
        echo "KUBE_APISERVER=$d/kube-apiserver"
        echo "KUBE_CONTROLLER_MANAGER=$d/kube-controller-manager"
        echo "KUBE_SCHEDULER=$d/kube-scheduler"
        ;;
      etcd) echo "ETCD=$d/etcd" ;;
      kwok)
        echo "KWOK=$d/kwok"
        echo "KWOK_STAGES=$d/stages"
        ;;
      helm3) echo "HELM3=$d/helm" ;;
      helm4) echo "HELM4=$d/helm" ;;
      registry) echo "REGISTRY=$d/registry" ;;
      chartsrv) echo "CHARTSRV=$d/chartsrv" ;;
      tmux) echo "TMUX_BIN=$(command -v tmux)" ;;
      chromium)
        echo "CHROMIUM_BIN=$(command -v chromium)"
        echo "CHROMEDRIVER_BIN=$(command -v chromedriver)"
        ;;
    esac
  done
fi
