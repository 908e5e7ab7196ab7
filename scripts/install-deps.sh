#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine: PostgreSQL 15 with pgvector (built from
# Debian's source package), espeak-ng and sox for real speech audio, opus-tools (opusenc) to encode it,
# Chromium for the page tests, Open JTalk with its dictionary and voice for the avatar's Japanese speech
# (the voice is in Debian's contrib component, enabled here for the mirror apt already uses).
# Idempotent: each step is skipped when its result is already present.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# debian_uri prints the first mirror URI of the Debian apt sources (never a hard-coded host).
debian_uri() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$uri" ]; then
    uri=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  echo "$uri"
}

# Open JTalk's voice (hts-voice-nitech-jp-atr503-m001) is in contrib: add that component for the
# same mirror, suites and signing key as the system's first Debian source (apt refuses one source
# with two different Signed-By values).
contrib_src=/etc/apt/sources.list.d/livehost-contrib.sources
contrib_added=0
if ! dpkg -s hts-voice-nitech-jp-atr503-m001 >/dev/null 2>&1 && [ ! -f "$contrib_src" ]; then
  uri=$(debian_uri)
  if [ -z "$uri" ]; then echo "install-deps: no Debian mirror URI found in apt sources" >&2; exit 1; fi
  suites=$(awk '/^Suites:/ {sub(/^Suites:[ \t]*/, ""); print; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$suites" ]; then suites=$(. /etc/os-release && echo "$VERSION_CODENAME"); fi
  keyring=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "install-deps: enabling contrib for $uri $suites"
  {
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: $suites"
    echo "Components: contrib"
    if [ -n "$keyring" ]; then echo "Signed-By: $keyring"; fi
  } | $SUDO tee "$contrib_src" >/dev/null
  contrib_added=1
fi

need_pkgs=()
for p in postgresql-15 postgresql-server-dev-15 espeak-ng sox chromium fonts-noto-cjk fonts-noto-color-emoji opus-tools build-essential \
  open-jtalk open-jtalk-mecab-naist-jdic hts-voice-nitech-jp-atr503-m001; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
updated=0
if [ ${#need_pkgs[@]} -gt 0 ] || [ "$contrib_added" = 1 ]; then
  $SUDO apt-get update -qq
  updated=1
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "install-deps: installing ${need_pkgs[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
ext_dir=$($PG_CONFIG --sharedir)/extension
if [ ! -f "$ext_dir/vector.control" ]; then
  echo "install-deps: building pgvector from Debian's source package"
  # pgvector is not packaged for bookworm; trixie's source package builds against PG 15.
  src_list=/etc/apt/sources.list.d/livehost-pgvector-src.list
  if [ ! -f "$src_list" ]; then
    uri=$(debian_uri)
    if [ -z "$uri" ]; then echo "install-deps: no Debian mirror URI found in apt sources" >&2; exit 1; fi
    echo "deb-src $uri trixie main" | $SUDO tee "$src_list" >/dev/null
    updated=0
  fi
  if [ "$updated" = 0 ]; then $SUDO apt-get update -qq; fi
  work=$(mktemp -d)
  (
    cd "$work"
    apt-get source --download-only pgvector >/dev/null 2>&1
    tar xf pgvector_*.orig.tar.*
    cd pgvector-*/
    make -s PG_CONFIG=$PG_CONFIG OPTFLAGS="" >/dev/null
    $SUDO make -s PG_CONFIG=$PG_CONFIG install >/dev/null
  )
  rm -rf "$work"
fi
echo "install-deps: ok (postgresql $($PG_CONFIG --version | awk '{print $2}'), pgvector $(awk -F"'" '/default_version/ {print $2}' "$ext_dir/vector.control"))"
