#!/usr/bin/env bash
# free-threaded-python.sh - provide a free-threaded CPython 3.13 ("3.13t") and
# print its absolute path as the last line of stdout.
#
# Why: the GIL benchmarks need an interpreter built with --disable-gil, which
# Debian 12 does not ship. This machine's network reaches only package
# registries (Debian's apt archive, PyPI, crates.io), not python.org or GitHub,
# so the CPython source is taken from Debian's *source* package python3.13 of
# suite trixie: its upstream tarball (python3.13_3.13.*.orig.tar.xz) is the
# unmodified CPython release, and apt verifies it against the signed archive
# index. Debian's patches are not applied.
#
# How: a private APT configuration (own sources list, state and cache dirs in a
# temporary work folder; the system's sources are never touched) runs
# `apt-get source --download-only`; the tarball is built with
# `./configure --disable-gil` and installed (with pip) into a cache folder
# outside the repository. Later runs reuse a working cached interpreter.
# Missing build dependencies are installed with apt-get (never upgraded).
#
# All progress goes to stderr; only the interpreter path is printed on stdout.
set -euo pipefail

CACHE="${GILBENCH_FT_CACHE:-$HOME/.cache/gilbench/cpython-3.13t}"
SUITE="${GILBENCH_FT_SUITE:-trixie}"
PY="$CACHE/bin/python3.13t"
DEPS=(build-essential pkg-config xz-utils libssl-dev zlib1g-dev libffi-dev
      libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev)

usage() {
  cat <<EOF
Usage: $(basename "$0") [--rebuild] [--help]

Build (once) a free-threaded CPython 3.13 from Debian's $SUITE source package
and print the interpreter's absolute path as the last line of stdout.

  --rebuild   rebuild even if the cache already holds a working interpreter
  --help      show this help

Environment:
  GILBENCH_FT_CACHE    install prefix (default: \$HOME/.cache/gilbench/cpython-3.13t)
  GILBENCH_FT_MIRROR   Debian archive URI (default: first one in /etc/apt sources)
EOF
}

log() { printf '[free-threaded-python +%ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

REBUILD=0
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --rebuild) REBUILD=1 ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

# Succeeds if $PY runs, imports ssl and really runs without the GIL.
works() {
  [[ -x "$PY" ]] && env -u PYTHON_GIL "$PY" -I -c 'import sys, sysconfig, ssl
sys.exit(not sysconfig.get_config_var("Py_GIL_DISABLED") or sys._is_gil_enabled())' 2>/dev/null
}

if [[ $REBUILD -eq 0 ]] && works; then
  log "reusing cached interpreter"
  echo "$PY"; exit 0
fi

# --- build dependencies (only what is missing; no upgrades) ---------------
missing=()
for p in "${DEPS[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root to install: ${missing[*]} (run as root or install sudo)"
    SUDO=(sudo)
  fi
  log "installing build dependencies: ${missing[*]}"
  apt_install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  apt_install || { log "install failed; refreshing package lists and retrying"
    "${SUDO[@]}" apt-get update >&2 && apt_install; } || die "apt-get install ${missing[*]} failed"
fi

# --- Debian archive URI from the machine's own sources (not security) -----
# shellcheck disable=SC1091
CODENAME="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
find_mirror() {
  shopt -s nullglob
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] && sed -E 's/\[[^]]*\]//' "$f" |
      awk -v s="$CODENAME" '$1 == "deb" && $3 == s && $2 !~ /security/ { print $2; exit }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    awk -v s="$CODENAME" 'BEGIN { RS = ""; FS = "\n" } {
      t = u = st = ""; en = 1
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Types:/) t = $i; if ($i ~ /^Suites:/) st = $i
        if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); u = w[2] }
        if ($i ~ /^Enabled:[ \t]*no/) en = 0
      }
      if (en && t ~ /[ \t]deb([ \t]|$)/ && (" " st " ") ~ ("[ \t]" s "[ \t]") && u !~ /security/) { print u; exit }
    }' "$f"
  done
}
MIRROR="${GILBENCH_FT_MIRROR:-}"
[[ -n "$MIRROR" ]] || MIRROR="$(find_mirror | head -n 1)" || true
[[ -n "$MIRROR" ]] || { MIRROR=http://deb.debian.org/debian; log "no Debian archive found in /etc/apt; using $MIRROR"; }

# --- private APT configuration and download ---------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cpython-ft.XXXXXX")"
LOG="$WORK/build.log"
trap '[[ $? -eq 0 ]] || log "work folder kept for inspection: $WORK"' EXIT
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/src"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
OPT=""; [[ -r $KEYRING ]] && OPT="[signed-by=$KEYRING] "
echo "deb-src ${OPT}${MIRROR} ${SUITE} main" > "$WORK/apt/sources.list"
APT=(apt-get -q -o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State=$WORK/apt" -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache=$WORK/apt/cache")
[[ $(id -u) -eq 0 ]] && APT+=(-o APT::Sandbox::User=root)
log "fetching python3.13 source package from $MIRROR ($SUITE)"
"${APT[@]}" update >&2 || die "apt-get update of the private '$SUITE' deb-src list failed (mirror: $MIRROR; set GILBENCH_FT_MIRROR?)"
(cd "$WORK/src" && "${APT[@]}" source --download-only python3.13 >&2) ||
  die "apt-get source --download-only python3.13 failed (is the $SUITE Sources index reachable at $MIRROR?)"
TARBALL="$(find "$WORK/src" -maxdepth 1 -name 'python3.13_3.13.*.orig.tar.xz' | head -n 1)"
[[ -n "$TARBALL" ]] || die "no python3.13_3.13.*.orig.tar.xz in the downloaded source package"
log "got $(basename "$TARBALL") ($(du -h "$TARBALL" | cut -f1))"

# --- build and install --------------------------------------------------------
step() {  # run a build step, output to $LOG; show its tail on failure
  local what="$1"; shift
  log "$what (log: $LOG)"
  "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; die "$what failed; see $LOG"; }
}
step "unpacking" tar -xJf "$TARBALL" -C "$WORK/src"
SRC="$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'Python-3.13*' | head -n 1)"
[[ -n "$SRC" ]] || die "unexpected tarball layout: no Python-3.13* directory"
cd "$SRC"
step "configuring" ./configure --disable-gil --disable-test-modules --with-ensurepip=install --prefix="$CACHE"
step "building with $(nproc) jobs" make -j"$(nproc)"
step "installing into $CACHE" make install

works || die "the installed $PY does not run with the GIL disabled or lacks ssl; see $LOG"
for m in zlib ctypes bz2 lzma sqlite3 readline; do
  "$PY" -I -c "import $m" 2>/dev/null || log "warning: module '$m' is unavailable in the new interpreter"
done
"$PY" -I -m pip --version >&2 || die "pip is not available in $PY"
trap - EXIT
cd / && rm -rf "$WORK"
log "done: $("$PY" -I -c 'import sys; print(sys.version.split()[0])') free-threaded"
echo "$PY"
