#!/usr/bin/env bash
# Finds or creates the Python virtual environment of the Authlib relying party (test/integration/authlib.test.ts):
# python3 -m venv, then the pinned packages of test/support/authlib/requirements.txt from PyPI. Idempotent and
# cached outside the repository under a name derived from the requirements file, so a changed pin gets a new venv;
# prints the venv's python on its last line (progress goes to stderr). With --cached-only it never creates one: it
# fails when the venv is missing.
#
#   PURSER_CACHE_DIR  where builds are kept (default ~/.cache/purser)
set -euo pipefail

# --cached-only: print what is cached, or fail without building (the tests' mode with CI=true, after .ci/run built).
cached_only=false
[[ "${1:-}" != --cached-only ]] || cached_only=true

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/test/support/authlib/requirements.txt"
cache=${PURSER_CACHE_DIR:-$HOME/.cache/purser}
digest=$(sha256sum "$requirements" | cut -c1-12)
dir="$cache/authlib-venv-$digest"

say() { echo "authlib venv: $*" >&2; }

# A venv cannot be moved once made, so it is built in place; the marker is written last and tells a finished venv
# from one a killed run left half-installed.
create() {
  if [[ -e "$dir/.complete" ]]; then
    say "cached in $dir"
    return
  fi
  [[ "$cached_only" == false ]] || { say "no venv in $dir: run scripts/authlib-venv.sh (as .ci/run does)"; exit 1; }
  command -v python3 >/dev/null || { say "python3 is needed (Debian: apt-get install python3 python3-venv)"; exit 1; }
  rm -rf "$dir"
  say "creating $dir with $(python3 --version)"
  python3 -m venv "$dir"
  say "installing $(grep -c '^[A-Za-z]' "$requirements") pinned packages from PyPI"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$requirements" >&2
  "$dir/bin/python" -m pip check >&2
  touch "$dir/.complete"
}

# Test files start in parallel, and each may call this script: one creates, the others wait and find the cache.
mkdir -p "$cache"
exec 9>"$cache/.authlib-venv.lock"
flock 9
create
echo "$dir/bin/python"
