# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: Python per ansible-core version, pinned venvs, staged collection.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENVS="$ROOT/.venv"
# Outside the checkout: ansible-test finds the enclosing git repo and would see the staged copy as ignored files.
# One folder per checkout and per script, so the demo, the tests and the benchmarks can run side by side.
BUILD="${NF_BUILD_DIR:-${TMPDIR:-/tmp}/netfoundry-api-build-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/$(basename "$0")}"
COLLECTIONS="$BUILD/collections"
STAGE="$COLLECTIONS/ansible_collections/netfoundry/api"

say() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The controller Python each ansible-core line is tested on: one the line supports, and together 3.10 to 3.13.
# 2.18-floor is ansible-core 2.18 with the lowest requests and urllib3 the collection supports.
python_version_for() {
  case "$1" in
    2.16) echo 3.10 ;;
    2.17) echo 3.12 ;;
    2.18-floor) echo 3.11 ;;
    2.19) echo 3.11 ;;
    2.20) echo 3.13 ;;
    2.21) echo 3.12 ;;
    *) die "unknown ansible-core line $1 (requirements/dev-<line>.txt)" ;;
  esac
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

# A venv for one ansible-core line, (re)built whenever its pinned requirements change (ensure_uv first).
ensure_venv() {
  local core=$1 dir="$VENVS/$1" python stamp
  stamp=$(venv_stamp "$core")
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  python=$(find_python "$(python_version_for "$core")")
  say "creating $dir (ansible-core $core, $("$python" --version))"
  # --seed: pip in the venv too; --compile-bytecode: the .pyc files pip would write (the tests run with
  # PYTHONDONTWRITEBYTECODE=1, so without them every ansible-playbook would compile ansible-core anew).
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

# A folder of real python3.X links for ansible-test (pyenv shims of unselected versions fail with rc 127),
# so its compile and import tests run on every module Python this machine has (3.8 to 3.14).
python_links() {
  local dir="$BUILD/pybin" version found
  rm -rf "$dir" && mkdir -p "$dir"
  for version in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
    found=$(find_python "$version" 2>/dev/null) && ln -s "$found" "$dir/python$version"
  done
  echo "$dir"
}

# ansible-test's venvs download a get-pip script from a host this machine cannot reach; it looks in its
# cache first: ~/.ansible/test/cache/get_pip_<version>.py, for the pip version its python_requirements.py names
# (23.1.2 on 2.16, 24.2 on 2.19, 25.2 on 2.21). This stand-in bootstraps pip with ensurepip (in a subprocess, so
# pip keeps the machine's config), then installs what ansible-test asked for.
write_get_pip_standins() {  # write_get_pip_standins LINE... (the venvs whose ansible-test runs)
  local cache="$HOME/.ansible/test/cache" version line
  mkdir -p "$cache"
  for version in $(for line in "$@"; do
                     sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" \
                       "$VENVS/$line"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py
                   done | sort -u); do
    cat > "$cache/get_pip_${version//./_}.py" <<'PY'
import subprocess
import sys

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args)
PY
  done
}

# From here on HOME is a folder of the build: ansible-test (its sanity venvs and the pip stand-in), ansible-lint,
# ansible-galaxy and galaxy-importer keep their state there, not in the user's ~/.ansible or ~/.cache. pip keeps
# the user's config file and download cache; pyenv keeps its root.
isolate_home() {
  local real=$HOME config
  export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$(python3 -m pip cache dir 2>/dev/null || echo "$real/.cache/pip")}"
  if [ -z "${PIP_CONFIG_FILE:-}" ]; then
    for config in "${XDG_CONFIG_HOME:-$real/.config}/pip/pip.conf" "$real/.pip/pip.conf"; do
      if [ -f "$config" ]; then export PIP_CONFIG_FILE="$config"; break; fi
    done
  fi
  if command -v pyenv > /dev/null 2>&1; then export PYENV_ROOT="${PYENV_ROOT:-$(pyenv root)}"; fi
  export HOME="$BUILD/home"
  # Unset, not pointed into the build HOME: the playbook tests give each run its own HOME, and a shared
  # XDG_CACHE_HOME would give them one token cache (netfoundry's default cache_dir follows it).
  unset XDG_CONFIG_HOME XDG_CACHE_HOME XDG_DATA_HOME
  mkdir -p "$HOME"
}

# Debian packages the tests need, installed when missing: tinyproxy (package tinyproxy-bin) for the proxy tests and
# the shellcheck program for ansible-test sanity's shellcheck test.
ensure_debian_tools() {
  local packages=() sudo=""
  command -v tinyproxy > /dev/null 2>&1 || packages+=(tinyproxy-bin)
  command -v shellcheck > /dev/null 2>&1 || packages+=(shellcheck)
  [ ${#packages[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  command -v apt-get > /dev/null 2>&1 ||
    die "${packages[*]} missing and there is no apt-get: install tinyproxy and shellcheck and run again"
  say "installing ${packages[*]} (for the proxy tests and ansible-test's shellcheck)"
  if ! { $sudo apt-get update -qq > /dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" > /dev/null; }; then
    die "could not install ${packages[*]}: apt-get install ${packages[*]} and run again"
  fi
}
