# shellcheck shell=bash
# Shared set-up for scripts/demo, scripts/try, scripts/lock, benchmarks/run and the entry scripts/test (whose stages are
# in noxfile.py): Python per ansible-core line, pinned venvs, staged collection.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENVS="$ROOT/.venv"
# Outside the checkout: ansible-test finds the enclosing git repo and would see the staged copy as ignored files.
# One folder per checkout and per script, so the demo, the tests and the benchmarks can run side by side.
BUILD="${NF_BUILD_DIR:-${TMPDIR:-/tmp}/netfoundry-api-build-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/$(basename "$0")}"
COLLECTIONS="$BUILD/collections"
STAGE="$COLLECTIONS/ansible_collections/netfoundry/api"

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The ansible-core lines, the controller Python each is tested on and their venvs belong to noxfile.py (LINES,
# ensure_venv): this file makes only the venv of nox itself (Python 3.11), then asks noxfile.py.
NOX_PYTHON=3.11
python_version_for() {
  if [ "$1" = nox ]; then echo "$NOX_PYTHON"; return 0; fi
  ensure_venv nox >/dev/null || die "could not install nox (requirements/dev-nox.txt)"
  (cd "$ROOT" && "$VENVS/nox/bin/python" -c 'import sys, noxfile; print(noxfile.LINES.get(sys.argv[1], ""))' "$1") |
    grep . || die "unknown ansible-core line $1 (noxfile.py LINES; requirements/dev-<line>.txt)"
}

# A real python3.X (pyenv shims of unselected versions exit 127, so each candidate is run once).
find_python() {
  local version=$1 candidate
  local candidates=("python$version")
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$version".*/bin/python"$version"; do candidates+=("$candidate"); done
  fi
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  die "Python $version not found: install it (for example with pyenv install $version) and run again"
}

venv_stamp() {
  cat "$ROOT/requirements/dev-$1.txt" "$ROOT/requirements/constraints-$1.txt" | sha256sum | cut -c1-16
}

UV_VERSION=0.13.8

# uv (from PyPI, pinned) makes the venvs: the same pins as pip, several times faster (parallel downloads, one cache).
ensure_uv() {
  local dir="$VENVS/.uv"
  # uv prints "uv 0.13.8 (x86_64-unknown-linux-gnu)": only its first two words are the version.
  if [ "$("$dir/bin/uv" --version 2>/dev/null | cut -d" " -f1-2)" = "uv $UV_VERSION" ]; then return 0; fi
  if ! { "$(find_python 3.11)" -m venv --clear "$dir" &&
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" \
      2> >(grep -v "is ignored: it is neither" >&2); }; then
    die "could not install uv $UV_VERSION"
  fi
}

# A venv for one ansible-core line (noxfile.py's ensure_venv), or nox's own; (re)built whenever its pinned
# requirements change (ensure_uv first).
ensure_venv() {
  local core=$1 dir="$VENVS/$1" python stamp
  if [ "$core" != nox ]; then
    ensure_venv nox >/dev/null || return 1
    python_version_for "$core" >/dev/null
    (cd "$ROOT" && "$VENVS/nox/bin/python" -c 'import sys, noxfile; noxfile.ensure_venv(sys.argv[1])' "$core") >/dev/null
    return
  fi
  stamp=$(venv_stamp "$core")
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  python=$(find_python "$NOX_PYTHON")
  say "creating $dir (nox, $("$python" --version))"
  "$VENVS/.uv/bin/uv" venv --quiet --seed --clear --python "$python" "$dir" &&
    "$VENVS/.uv/bin/uv" pip install --quiet --compile-bytecode --python "$dir/bin/python" \
      -r "$ROOT/requirements/dev-$core.txt" -c "$ROOT/requirements/constraints-$core.txt" || return 1
  echo "$stamp" > "$dir/.stamp"
}

# ansible-test needs the collection at .../ansible_collections/netfoundry/api (a symlink does not do).
stage_collection() {  # stage_collection [DEST] (default $STAGE)
  local dest=${1:-$STAGE}
  rm -rf "$dest"
  mkdir -p "$dest"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar -cf - --null -T - | tar -C "$dest" -xf -)
  if [ ! -f "$dest/galaxy.yml" ] || [ ! -f "$dest/plugins/modules/nf_token.py" ]; then
    die "staging the collection into $dest failed"
  fi
}
