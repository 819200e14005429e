#!/usr/bin/env bash
# debian-python.sh - Debian's own build of CPython VERSION (e.g. 3.15), in a
# minimal Debian sid root, and a way to run commands there with this repository.
#
# Why: tools/cpython.sh builds CPython from Debian's *source* package, but for
# 3.14 and 3.15 the archive lists the source and answers 404 for its files. Its
# *binary* packages are served, built for sid: they need sid's C library, newer
# than this machine's, so they run in a sid root of their own (debootstrap) and
# not beside the host's. That is Debian's regular build, with the GIL (Debian
# ships no free-threaded build), enough to run the test suite and the
# subinterpreter executor (CPython 3.14+) on today's CPython.
#
# How: `debootstrap --variant=minbase sid` into $ROOT/debian-sid once, then
# apt-get installs python$VERSION with its headers and venv, a C/C++ compiler and
# CMake there (sid's: gcc is newer than the host's), and qemu-user, with which the
# tests play CPUs that lack AVX2. `--run` binds /proc, /sys,
# /dev, this repository (at /src), and the host's Rust (CARGO_HOME, RUSTUP_HOME)
# into the root, runs a command with bash in it, and unbinds them afterwards,
# also on Ctrl-C. The host's CA bundle is copied in, for a TLS proxy that the
# host trusts. Needs root (chroot and mount do) and Debian's apt-get.
set -euo pipefail

NAME=$(basename "$0")
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE="${GILBENCH_CPYTHON_CACHE:-$HOME/.cache/gilbench}"
ROOT="$CACHE/debian-sid"
MIRROR="${GILBENCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt # the host's: copied in as /etc/ssl/host-ca.crt

usage() {
  cat <<EOF
Usage: $NAME VERSION [--run COMMAND] [--help]

Set up (once) a minimal Debian sid root with Debian's build of CPython VERSION
(e.g. 3.15, installed as python\$VERSION, with its headers and venv), a C/C++
compiler, CMake and qemu-user, and print the root's path as the last line of
stdout.

  --run COMMAND   then run COMMAND with bash inside the root, this repository
                  at /src and the host's cargo and rustup on PATH; the exit
                  status is COMMAND's
  --help          show this help

Environment:
  GILBENCH_CPYTHON_CACHE   cache root (default: \$HOME/.cache/gilbench); the
                           sid root goes to ROOT/debian-sid
  GILBENCH_DEBIAN_MIRROR   Debian archive URI (default: $MIRROR)

Needs root and apt-get (debootstrap is installed if missing). Debian ships no
free-threaded CPython: for 3.14t use tools/cpython.sh.

Example: $NAME 3.15 --run 'python3.15 -VV'
EOF
}

log() { printf '[%s +%ss] %s\n' "$NAME" "$SECONDS" "$*" >&2; }
die() { printf '%s: error: %s\n' "$NAME" "$*" >&2; exit 1; }

VERSION="" COMMAND="" RUN=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --run) [[ $# -ge 2 ]] || die "--run needs a COMMAND"; RUN=1; COMMAND="$2"; shift ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [[ -z "$VERSION" ]] || die "one VERSION only, got '$VERSION' and '$1'"; VERSION="$1" ;;
  esac
  shift
done
[[ -n "$VERSION" ]] || die "VERSION is required, e.g. 3.15 (see --help)"
[[ "$VERSION" =~ ^3\.[0-9]+$ ]] || die "VERSION must look like 3.15, not '$VERSION'"
[[ "$(id -u)" == 0 ]] || die "needs root: debootstrap, chroot and mount do"
command -v apt-get >/dev/null || die "needs Debian's apt-get (to install debootstrap)"

in_root() { chroot "$ROOT" env -i HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

mkdir -p "$CACHE"
# One run at a time: two would install into, or unmount under, each other.
exec 9>"$CACHE/.debian-sid.lock"
flock -n 9 || { log "waiting for another $NAME run to finish"; flock 9; }

# Written last: a root that debootstrap did not finish (Ctrl-C, a network error) is
# made again, not used.
BOOTSTRAPPED="$ROOT/.gilbench-bootstrapped"
if [[ ! -e "$BOOTSTRAPPED" ]]; then
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    apt-get install -y -qq debootstrap >/dev/null || die "could not install debootstrap (apt-get install debootstrap)"
  }
  log "debootstrap: a minimal sid root in $ROOT (about a minute)"
  rm -rf "$ROOT"
  debootstrap --variant=minbase --include=ca-certificates sid "$ROOT" "$MIRROR" >&2 ||
    { rm -rf "$ROOT"; die "debootstrap of sid from $MIRROR failed (see above)"; }
  touch "$BOOTSTRAPPED"
fi
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
[[ -r "$CA_BUNDLE" ]] && cp "$CA_BUNDLE" "$ROOT/etc/ssl/host-ca.crt"

PY="/usr/bin/python$VERSION"
if ! in_root "$PY" -c 'import ssl, venv, ensurepip, sysconfig' 2>/dev/null ||
  [[ ! -r "$ROOT/usr/include/python$VERSION/Python.h" || ! -x "$ROOT/usr/bin/qemu-x86_64" ]]; then
  log "apt-get: python$VERSION, its headers and venv, g++, CMake, qemu-user (sid's)"
  # Check-Valid-Until: the archive this machine reaches may be a snapshot whose
  # signed index has outlived its expiry date; the signature is still checked.
  in_root apt-get -o Acquire::Check-Valid-Until=false update -qq >&2
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "python$VERSION-dev" "python$VERSION-venv" g++ make cmake pkg-config qemu-user >&2 ||
    die "Debian sid has no python$VERSION to install (or apt-get failed, see above)"
  in_root "$PY" -c 'import ssl, venv, ensurepip, sysconfig' || die "python$VERSION in $ROOT does not work"
fi
log "$(in_root "$PY" -VV | head -n 1) in $ROOT"

if [[ $RUN -eq 1 ]]; then
  CARGO_DIR="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_DIR="${RUSTUP_HOME:-$HOME/.rustup}"
  [[ -x "$CARGO_DIR/bin/cargo" ]] || die "no cargo in $CARGO_DIR/bin: the Rust backend needs it (https://rustup.rs)"
  mounts=()
  unbind() {
    local k
    for ((k = ${#mounts[@]} - 1; k >= 0; k--)); do umount -l "${mounts[k]}" 2>/dev/null || true; done
  }
  trap unbind EXIT
  trap 'exit 130' INT TERM
  bind() { # bind SOURCE TARGET-IN-ROOT
    mkdir -p "$ROOT$2"
    mount --bind "$1" "$ROOT$2" && mounts+=("$ROOT$2")
  }
  bind /proc /proc
  bind /sys /sys
  bind /dev /dev
  bind /dev/pts /dev/pts
  bind "$REPO" /src
  bind "$CARGO_DIR" /root/.cargo
  [[ -d "$RUSTUP_DIR" ]] && bind "$RUSTUP_DIR" /root/.rustup
  ca=()
  [[ -r "$ROOT/etc/ssl/host-ca.crt" ]] &&
    ca=(SSL_CERT_FILE=/etc/ssl/host-ca.crt PIP_CERT=/etc/ssl/host-ca.crt CARGO_HTTP_CAINFO=/etc/ssl/host-ca.crt)
  status=0
  chroot "$ROOT" env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "${ca[@]}" \
    PATH=/root/.cargo/bin:/usr/local/bin:/usr/bin:/bin bash -c "cd /src && $COMMAND" || status=$?
  exit "$status"
fi
echo "$ROOT"
