#!/usr/bin/env bash
# cpython.sh - provide CPython VERSION (e.g. 3.15), with the GIL or free-threaded
# ("3.15t"), and print its absolute path as the last line of stdout.
#
# Why: the benchmarks compare the same CPython with and without the GIL, which the
# machine's Debian does not ship. The network reaches only package registries
# (Debian's apt archive, PyPI, crates.io, the Go module proxy), not python.org or
# GitHub, so the source is taken from Debian's *source* package python$VERSION
# (suite sid by default): its upstream tarball (python3.X_3.X.Y.orig.tar.xz) is the
# unmodified CPython release, verified by apt against the signed archive index.
# Debian's patches are not applied. Where Debian does not serve it (it lists
# python3.14 and python3.15 without serving their files), the source is CPython's
# own repository at the newest release tag of VERSION (v3.X.Y), as the Go module
# proxy serves it: `go mod download` fetches github.com/python/cpython at that tag
# and checks it against Go's checksum database. A module zip keeps no file modes,
# so the scripts (the files that start with #!) are made executable again.
#
# How: a private APT configuration (own sources list, state and cache dirs in a
# temporary work folder; the system's sources are never touched) runs
# `apt-get source --download-only`. The tarball is kept, and unpacked once, in
# $ROOT/src; both builds of a version are configured out of tree from that one
# pristine source, with the same flags (CONFIGURE below) except --disable-gil,
# and installed (with pip) into $ROOT/cpython-X.Y or $ROOT/cpython-X.Yt. A cached
# source is used without asking the archive again, so the two builds stay on the
# same release even after sid moves on; delete $ROOT/src/python3.X_* to take a newer
# one (and then --rebuild both). Later runs reuse a cached interpreter if it still
# works and was built from the same source with the same flags (a stamp file in
# its prefix). Missing build dependencies are installed with apt-get (never upgraded).
#
# Optimisation: CPython's default release build (-O3, static libpython, no PGO, no
# LTO), the same for both builds. The interpreters serve benchmarks whose point is
# the difference between the GIL and the free-threaded build, so what matters is
# that nothing else differs, and that CI can afford both builds. Measured on
# 2 vCPUs (AMD EPYC Zen 3, shared), CPython 3.13.15 (Debian's 3.14/3.15 sources
# were not served to this machine when this was written):
#   default, cold (download 23 MB, unpack, configure, make -j2, install):
#     GIL build 166 s, then the free-threaded build from the same source 237 s;
#   --enable-optimizations --with-lto (PGO + gcc's serial LTO), configure and make
#     of the GIL build alone: 1648 s (27.5 min, ~10x; the profile run was 2 min);
#   what PGO+LTO buys, pure-Python micro-benchmarks (best of 5, 3 rounds): 3-4%
#     on the sum-of-squares loop, 5% on dicts, 12-15% on calls and objects.
# Two PGO+LTO builds (~1 hour) would not fit CI's 90 minutes with the package
# builds and three test runs; and PGO trains each build on its own profile run,
# which behaves differently without the GIL: a second difference between the two
# interpreters. So absolute speeds are a few to 15% below python.org's or Debian's
# PGO+LTO binaries; the ratio between the two builds is what the benchmarks report
# (default builds: the free-threaded one took 1.2-1.35x as long on those loops).
#
# All progress goes to stderr; only the interpreter path is printed on stdout.
set -euo pipefail

NAME=$(basename "$0")
ROOT="${GILBENCH_CPYTHON_CACHE:-$HOME/.cache/gilbench}"
SUITE="${GILBENCH_CPYTHON_SUITE:-sid}"
# Shared by both builds; --disable-gil is added for the free-threaded one only.
CONFIGURE=(--disable-test-modules --with-ensurepip=install)
DEPS=(build-essential pkg-config xz-utils libssl-dev zlib1g-dev libffi-dev
      libbz2-dev liblzma-dev libzstd-dev libsqlite3-dev libreadline-dev
      libncurses-dev uuid-dev libgdbm-dev libexpat1-dev unzip)
# Modules a usable interpreter must have (pip needs ssl and zlib).
REQUIRED=(ssl zlib ctypes sqlite3 bz2 lzma _decimal hashlib venv ensurepip)
IMPORTS=$(IFS=,; echo "${REQUIRED[*]}")

usage() {
  cat <<EOF
Usage: $NAME VERSION [--free-threaded] [--rebuild] [--help]

Build (once) CPython VERSION (e.g. 3.14) from Debian's source package
python\$VERSION, or where Debian does not serve it from CPython's repository at
VERSION's newest release tag through the Go module proxy (needs Go), and print
the interpreter's absolute path as the last line of stdout. Everything else goes
to stderr. The GIL and the free-threaded build of a version come from the same
source and the same configure flags, except --disable-gil.

  --free-threaded   build with --disable-gil (the "3.15t" interpreter)
  --rebuild         rebuild even if the cache holds a working interpreter
  --help            show this help

Environment:
  GILBENCH_CPYTHON_CACHE   cache root (default: \$HOME/.cache/gilbench); the
                           interpreters go to ROOT/cpython-X.Y and ROOT/cpython-X.Yt,
                           the source tarball to ROOT/src
  GILBENCH_CPYTHON_SUITE   Debian suite to take the source from (default: sid)
  GILBENCH_CPYTHON_MIRROR  Debian archive URI (default: first one in /etc/apt sources)

The source is kept in ROOT/src and reused without asking the archive again, so
both builds stay on one release. To build from python.org's release tarball
instead, put Python-X.Y.Z.tar.xz in ROOT/src by hand.

Example: py=\$($NAME 3.15 --free-threaded | tail -n 1) && "\$py" -VV
EOF
}

log() { printf '[%s +%ss] %s\n' "$NAME" "$SECONDS" "$*" >&2; }
die() { printf '%s: error: %s\n' "$NAME" "$*" >&2; exit 1; }

VERSION="" FT=0 REBUILD=0
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --free-threaded) FT=1 ;;
    --rebuild) REBUILD=1 ;;
    -*) die "unknown option: $arg (see --help)" ;;
    *) [[ -z "$VERSION" ]] || die "one VERSION only, got '$VERSION' and '$arg'"; VERSION="$arg" ;;
  esac
done
[[ -n "$VERSION" ]] || die "VERSION is required, e.g. 3.15 (see --help)"
[[ "$VERSION" =~ ^3\.([0-9]+)$ ]] || die "VERSION must look like 3.15, not '$VERSION'"
MINOR=${BASH_REMATCH[1]}
[[ $FT -eq 0 || $MINOR -ge 13 ]] || die "free-threaded builds exist from CPython 3.13 on, not $VERSION"

T=""; [[ $FT -eq 1 ]] && T=t
PREFIX="$ROOT/cpython-$VERSION$T"
PY="$PREFIX/bin/python$VERSION$T"
STAMP="$PREFIX/gilbench-build.txt"
SRCDIR="$ROOT/src"
FLAGS=("${CONFIGURE[@]}"); [[ $FT -eq 1 ]] && FLAGS+=(--disable-gil)

mkdir -p "$ROOT" "$SRCDIR"
# One run at a time: the cache is shared by everyone on the machine, and two
# builds at once would only slow each other down.
exec 9>"$ROOT/.lock"
flock -n 9 || { log "waiting for another $NAME run to finish"; flock 9; }

# Debian's python3.X_3.X.Y.orig.tar.xz, the Go module proxy's cpython-v3.X.Y.zip, or
# python.org's Python-3.X.Y.tar.xz put there by hand.
cached_tarball() {
  find "$SRCDIR" -maxdepth 1 \( -name "python${VERSION}_${VERSION}.*.orig.tar.xz" -o -name "Python-${VERSION}.*.tar.xz" \
    -o -name "cpython-v${VERSION}.*.zip" \) | sort -V | tail -n 1
}
expected_stamp() { printf 'source: %s\nconfigure: %s\n' "$(basename "$1")" "${FLAGS[*]}"; }

# Succeeds if $PY runs, has the GIL state asked for, has the required modules and
# was built with today's flags from the cached source (if that is still there).
works() {
  local tarball; tarball=$(cached_tarball)
  [[ -x "$PY" && -r "$STAMP" ]] || return 1
  [[ -n "$tarball" ]] || tarball=$(sed -n 's/^source: //p' "$STAMP")
  [[ "$(cat "$STAMP")" == "$(expected_stamp "$tarball")" ]] ||
    { log "the cached build was not made from $(basename "$tarball") with today's flags"; return 1; }
  env -u PYTHON_GIL "$PY" -I -c "import sys, sysconfig
import $IMPORTS
ft = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))
gil = getattr(sys, '_is_gil_enabled', lambda: True)()
sys.exit(not (ft == bool($FT) and gil == (not ft)))" 2>/dev/null
}

if [[ $REBUILD -eq 0 ]] && works; then
  log "reusing cached interpreter"
  echo "$PY"; exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cpython-$VERSION$T.XXXXXX")"
LOG="$WORK/build.log"
BUILD="$WORK/build"
# On failure keep the work folder if a build was started there (its log), else remove it.
cleanup() {
  local rc=$?
  if [[ $rc -ne 0 && -d "$BUILD" ]]; then log "work folder kept for inspection: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- the source: cached, or from the archive through a private APT config -------
# The Debian archive URI, from the machine's own sources (not security).
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

# CPython's repository at VERSION's newest release tag, from the Go module proxy
# (verified by `go` against its checksum database), kept as ROOT/src/cpython-vX.Y.Z.zip.
download_from_go_proxy() {
  local module=github.com/python/cpython tag zip
  command -v go >/dev/null ||
    die "neither Debian nor (without Go) the Go module proxy can provide CPython $VERSION's source: install Go (https://go.dev/doc/install, or apt-get install golang-go), or see --help for a tarball put in by hand"
  export GOMODCACHE="$WORK/gomod" GOFLAGS=-modcacherw GOTOOLCHAIN=local
  log "asking the Go module proxy for $module's release tags of $VERSION"
  # Release tags only (v3.14.6+incompatible; not v3.14.0rc1 or a pseudo-version).
  tag=$(cd "$WORK" && go list -m -versions "$module" 2>>"$LOG" | tr ' ' '\n' |
    grep -E "^v${VERSION//./\\.}\.[0-9]+\+incompatible$" | sort -V | tail -n 1) || true
  [[ -n "$tag" ]] || { tail -n 5 "$LOG" >&2; die "the Go module proxy lists no release tag of CPython $VERSION"; }
  log "downloading $module@$tag"
  zip=$(cd "$WORK" && go mod download -json "$module@$tag" 2>>"$LOG" | sed -n 's/^[[:space:]]*"Zip": "\(.*\)",$/\1/p')
  [[ -f "$zip" ]] || { tail -n 5 "$LOG" >&2; die "go mod download $module@$tag failed"; }
  tag=${tag%+incompatible}
  cp "$zip" "$SRCDIR/cpython-$tag.zip"
  log "got cpython-$tag.zip ($(du -h "$SRCDIR/cpython-$tag.zip" | cut -f1)), checked against sum.golang.org"
}

download() {
  local mirror="${GILBENCH_CPYTHON_MIRROR:-}"
  [[ -n "$mirror" ]] || mirror="$(find_mirror | head -n 1)" || true
  [[ -n "$mirror" ]] || { mirror=http://deb.debian.org/debian; log "no Debian archive found in /etc/apt; using $mirror"; }
  mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial" "$WORK/dl"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg opt=""
  [[ -r $keyring ]] && opt="[signed-by=$keyring] "
  echo "deb-src ${opt}${mirror} ${SUITE} main" > "$WORK/apt/sources.list"
  local cfg=(-q -o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State=$WORK/apt" -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache=$WORK/apt/cache")
  [[ $(id -u) -eq 0 ]] && cfg+=(-o APT::Sandbox::User=root)
  log "reading Debian $SUITE's source index from $mirror"
  apt-get "${cfg[@]}" update >>"$LOG" 2>&1 ||
    { tail -n 5 "$LOG" >&2; die "apt-get update of the private '$SUITE' deb-src list failed (mirror: $mirror; set GILBENCH_CPYTHON_MIRROR?)"; }
  if ! apt-cache "${cfg[@]}" showsrc --only-source "python$VERSION" 2>/dev/null | grep -q '^Version:'; then
    log "CPython $VERSION is not in Debian $SUITE (no source package python$VERSION at $mirror)"
    download_from_go_proxy; return
  fi
  log "downloading source package python$VERSION ($SUITE)"
  if ! (cd "$WORK/dl" && apt-get "${cfg[@]}" source --download-only "python$VERSION" >>"$LOG" 2>&1); then
    if grep -q '404' "$LOG"; then
      log "Debian $SUITE lists python$VERSION but $mirror does not serve its source files (404)"
      download_from_go_proxy; return
    fi
    tail -n 5 "$LOG" >&2; die "apt-get source --download-only python$VERSION failed"
  fi
  local tarball
  tarball="$(find "$WORK/dl" -maxdepth 1 -name "python${VERSION}_${VERSION}.*.orig.tar.xz" | head -n 1)"
  [[ -n "$tarball" ]] || die "no python${VERSION}_${VERSION}.*.orig.tar.xz in the source package"
  log "got $(basename "$tarball") ($(du -h "$tarball" | cut -f1); whole source package $(du -ch "$WORK"/dl/* | tail -n 1 | cut -f1))"
  mv "$tarball" "$SRCDIR/"
}

TARBALL=$(cached_tarball)
if [[ -n "$TARBALL" ]]; then
  log "using cached source $TARBALL"
else
  download
  TARBALL=$(cached_tarball)
fi

# --- build dependencies (only what is missing; no upgrades) -------------------
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

step() {  # run a build step, output to $LOG; show its tail on failure
  local what="$1"; shift
  log "$what (log: $LOG)"
  "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; die "$what failed; see $LOG"; }
}

# One pristine unpacked tree per release serves both builds (never built in).
REL=$(basename "$TARBALL"); REL=${REL%.orig.tar.xz}; REL=${REL%.tar.xz}; REL=${REL%.zip}
REL=${REL#*[_-]}; REL=${REL#v}   # e.g. 3.15.2
SRC="$SRCDIR/Python-$REL"
if [[ ! -f "$SRC/.unpacked" ]]; then
  rm -rf "$SRC" "$WORK/unpack"; mkdir -p "$WORK/unpack"
  if [[ "$TARBALL" == *.zip ]]; then  # github.com/python/cpython@vX.Y.Z+incompatible/...
    step "unpacking $(basename "$TARBALL")" unzip -q "$TARBALL" -d "$WORK/unpack"
    mv "$WORK/unpack/github.com/python/cpython@v$REL+incompatible" "$WORK/unpack/Python-$REL"
    find "$WORK/unpack/Python-$REL" -type f -exec awk 'FNR == 1 && /^#!/ { print FILENAME } { nextfile }' {} + |
      xargs -d '\n' chmod +x
  else
    step "unpacking $(basename "$TARBALL")" tar -xJf "$TARBALL" -C "$WORK/unpack"
  fi
  [[ -x "$WORK/unpack/Python-$REL/configure" ]] || die "unexpected source layout: no Python-$REL/configure"
  mv "$WORK/unpack/Python-$REL" "$SRC" && touch "$SRC/.unpacked"
fi

# Both builds of a version should come from one release; say so if not.
other="$ROOT/cpython-$VERSION$([[ $FT -eq 1 ]] || echo t)/gilbench-build.txt"
if [[ -r "$other" ]] && ! grep -qxF "source: $(basename "$TARBALL")" "$other"; then
  log "warning: $(dirname "$other") was built from another source ($(head -n 1 "$other")); rebuild it with --rebuild"
fi

# --- build and install (out of tree) -------------------------------------------
mkdir -p "$BUILD"; cd "$BUILD"
started=$SECONDS
step "configuring: ${FLAGS[*]}" "$SRC/configure" "${FLAGS[@]}" --prefix="$PREFIX"
step "building with $(nproc) jobs" make -j"$(nproc)"
rm -rf "$PREFIX"
step "installing into $PREFIX" make install
expected_stamp "$TARBALL" > "$STAMP"
cp "$LOG" "$PREFIX/gilbench-build.log"

works || { env -u PYTHON_GIL "$PY" -I -c "import $IMPORTS" >&2 || true
  rm -f "$STAMP"; die "the installed $PY lacks a required module or has the wrong GIL state; see $LOG"; }
for m in readline curses dbm.gnu uuid compression.zstd; do
  "$PY" -I -c "import $m" 2>/dev/null || log "note: module '$m' is unavailable in the new interpreter"
done
"$PY" -I -m pip --version >&2 || die "pip is not available in $PY"
cd /
log "done in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s: $("$PY" -I -c 'import sys; print(sys.version)' | head -n 1)"
echo "$PY"
