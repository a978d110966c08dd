#!/usr/bin/env bash
# The Docker image, verified on a machine without a Docker engine (see ../shared/docker/README.md):
#   1. lint the Dockerfile with tally's hadolint (DL) rules and buildkit's checks; any report fails
#   2. build it with podman (chroot isolation, the local stand-in of node:24-bookworm-slim)
#   3. print the image's size and what the runtime stage adds over the base, layer by layer,
#      and check the runtime holds no compiler, no tests, and the grammar .wasm files
#   4. run it (scripts/image/check.ts): the App answers /ping, reviews a signed pull_request
#      for the seed example from the GitHub stand-in, stops cleanly on SIGTERM; the same with
#      REDIS_URL and `widen worker` from the image; the CLI in the image reviews the seed patch
# Needs root (podman storage, chroot, mounts). Called by .ci/run; prints how long each step took.
#   usage: scripts/image-check.sh        WIDEN_DOCKER_TOOLS=DIR overrides ../shared/docker
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(readlink -f "${WIDEN_DOCKER_TOOLS:-../shared/docker}" || true)
TAG=localhost/widen:check
TALLY_VERSION=0.45.0
start=$SECONDS
step() { printf '\nimage-check: %s (at %d s)\n' "$1" $((SECONDS - start)); }
fail() { printf 'image-check: %s\n' "$1" >&2; exit 1; }
[ -x "$tools/run-image.sh" ] && [ -x "$tools/base-image.sh" ] || fail "no run-image.sh and base-image.sh in $tools (set WIDEN_DOCKER_TOOLS)"
[ "$(id -u)" = 0 ] || fail "podman builds and run-image.sh need root here"
export CONTAINERS_CONF=$tools/containers.conf

step "lint the Dockerfile (tally $TALLY_VERSION: hadolint/* and buildkit/* rules)"
tally=.bench/tally/node_modules/@wharflab/tally-linux-x64/bin/tally
if [ ! -x "$tally" ]; then
  npm install --prefix .bench/tally --no-save --no-audit --no-fund --loglevel=error "@wharflab/tally-linux-x64@$TALLY_VERSION" >/dev/null
fi
# tally's own style rules (tally/*) are not hadolint's and are left out; --fail-level style makes
# any hadolint or buildkit report, however mild, fail the check.
"$tally" lint --no-config --ignore 'tally/*' --select 'hadolint/*' --select 'buildkit/*' --fail-level style Dockerfile
echo "  no reports"

step "base image"
base=$("$tools/base-image.sh" 24)
echo "  $base"

step "podman build"
command -v podman >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null; }
# --format docker: the OCI format has no HEALTHCHECK.
podman build --isolation chroot --pull=never --format docker -q -t "$TAG" . >/dev/null
echo "  built $TAG in $((SECONDS - start)) s from the start"

step "size"
size() { podman image inspect "$1" --format '{{.Size}}'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "  image $(mib "$(size "$TAG")"), base $(mib "$(size "$base")"), runtime stage adds $(mib $(( $(size "$TAG") - $(size "$base") )))"
added=$(( $(podman history -q "$TAG" | wc -l) - $(podman history -q "$base" | wc -l) ))
echo "  layers of the runtime stage over the base (newest first):"
# awk, not head: head exits early, podman then dies of SIGPIPE and pipefail fails the check (exit 141).
podman history --format '{{.Size}}\t{{.CreatedBy}}' "$TAG" | awk -v n="$added" 'NR <= n { print "    " substr($0, 1, 150) }'
healthcheck=$(podman image inspect "$TAG" --format '{{json .Config.Healthcheck}}')
[[ "$healthcheck" == *"/health"* ]] || fail "the image has no HEALTHCHECK on /health: $healthcheck"
echo "  HEALTHCHECK: $healthcheck"
"$tools/run-image.sh" "$TAG" sh -ec '
  for c in gcc cc g++ make python3 curl; do if command -v "$c" >/dev/null; then echo "  FAIL: $c is in the image"; exit 1; fi; done
  test ! -e test && test ! -e src && test ! -e node_modules/typescript && test ! -e node_modules/jest
  ls node_modules/tree-sitter-c/tree-sitter-c.wasm node_modules/web-tree-sitter/tree-sitter.wasm >/dev/null
  echo "  no compiler, curl, sources, tests or dev dependencies; grammar .wasm files present; user $(id -un), NODE_ENV=$NODE_ENV HOST=$HOST PORT=$PORT"
  du -sh node_modules dist docs | sed "s/^/    /"
'

step "run the image"
node_modules/.bin/tsc -p tsconfig.bench.json
node .bench/build/scripts/image/check.js "$TAG" "$tools/run-image.sh"

step "done"
