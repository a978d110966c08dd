#!/usr/bin/env bash
# Checks that the npm package works as an installed command: `npm pack`, install the tarball
# into a throw-away prefix (as `npm install -g` would), and from another directory run
# `widen --version`, a review of the seed example and `widen explain`. Run by .ci/run; run it
# by hand with `bash scripts/check-pack.sh` (needs the npm registry or a warm npm cache).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/widen-pack.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cd "$ROOT"
# --ignore-scripts: the tarball is packed from the dist/ already built (npm run build).
test -f dist/cli/main.js || { echo "check-pack: run npm run build first" >&2; exit 1; }
npm pack --ignore-scripts --silent --pack-destination "$WORK" > "$WORK/name"
TARBALL="$WORK/$(cat "$WORK/name")"
npm install -g --prefix "$WORK/prefix" --prefer-offline --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null

# Everything below runs outside the clone, with only the installed command on PATH.
mkdir -p "$WORK/elsewhere" && cp -r "$ROOT/examples/seed" "$WORK/elsewhere/seed"
cd "$WORK/elsewhere"
export PATH="$WORK/prefix/bin:$PATH"

version=$(widen --version)
expected="widen $(node -p "require('$ROOT/package.json').version")"
[ "$version" = "$expected" ] || { echo "check-pack: widen --version printed '$version', expected '$expected'" >&2; exit 1; }

set +e
widen review seed/seed.patch --tree seed/tree --format json > review.json
status=$?
set -e
[ "$status" -eq 1 ] || { echo "check-pack: the seed review exited $status, expected 1 (findings)" >&2; exit 1; }
rules=$(node -e "const r = JSON.parse(require('fs').readFileSync('review.json', 'utf8')); console.log(r.findings.map((f) => f.rule + ':' + f.line).join(' '))")
[ "$rules" = "tlb-vma-bracket-vma-reassigned:31 tlb-vma-bracket-misuse:31" ] || { echo "check-pack: unexpected findings: $rules" >&2; exit 1; }

# Captured whole, not piped into head: an early reader would kill widen with SIGPIPE under pipefail.
page=$(widen explain tlb-vma-bracket-vma-reassigned)
[ "${page%%$'\n'*}" = '# tlb-vma-bracket-vma-reassigned' ] \
	|| { echo "check-pack: widen explain did not find the rule's page in the package" >&2; exit 1; }
echo "check-pack: $(basename "$TARBALL") installs and runs as widen from any directory"
