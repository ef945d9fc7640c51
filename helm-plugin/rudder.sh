#!/bin/sh
# Runs rudder for `helm rudder ...`. helm passes its settings in the
# environment (HELM_NAMESPACE, HELM_KUBECONTEXT, KUBECONFIG, HELM_DRIVER,
# ...), which rudder reads as helm does.
#
# The binary: $RUDDER_BIN if set, else `rudder` next to this script (copy or
# link it there), else `rudder` on PATH.
#
# rudder imitates helm v4 by default; under helm v3 ($HELM_BIN reports
# v3.x) it imitates v3, unless RUDDER_HELM_COMPAT says otherwise.
set -e
dir=$(dirname "$0")
if [ -n "$RUDDER_BIN" ]; then
    bin=$RUDDER_BIN
elif [ -x "$dir/rudder" ]; then
    bin=$dir/rudder
else
    bin=rudder
fi
if [ -z "$RUDDER_HELM_COMPAT" ] && [ -n "$HELM_BIN" ]; then
    case $("$HELM_BIN" version --template '{{.Version}}' 2>/dev/null) in
        v3.*) RUDDER_HELM_COMPAT=v3; export RUDDER_HELM_COMPAT ;;
    esac
fi
exec "$bin" "$@"
