#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for tspod. Idempotent; run as root.
#   - installs what tspod runs (newuidmap/newgidmap, fuse-overlayfs, slirp4netns; iproute2 and nftables for user-defined networks;
#     passt, whose pasta is --network pasta)
#     and what its build and tests need (busybox-static for the default image,
#     gcc/make and libseccomp-dev for the C helpers; docker-registry, the real distribution
#     registry, that the registry tests push to and pull from; zstd to make zstd layers;
#     binutils and cpp-12, whose files make the tests' multi-layer image; systemd for
#     `systemd-analyze verify` of generated units; podman-compose, installed without podman
#     (--no-install-recommends), a real client of networks and volumes for the compose test)
#   - makes /dev/fuse and /dev/net/tun usable by ordinary users (0666, as Debian ships them)
#   - with --test-user NAME: creates that ordinary user with /etc/subuid and /etc/subgid ranges
set -euo pipefail

test_user=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test-user) test_user="$2"; shift 2 ;;
    *) echo "usage: $0 [--test-user NAME]" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "prepare-host.sh must run as root (it installs packages and creates a user)" >&2
  exit 1
fi

packages=(uidmap fuse-overlayfs slirp4netns iproute2 nftables busybox-static gcc make libc6-dev libseccomp-dev util-linux docker-registry zstd cpp-12 binutils-x86-64-linux-gnu systemd podman-compose passt gpg gpg-agent)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "prepare-host: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for dev in /dev/fuse /dev/net/tun; do
  if [ -e "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then
    chmod 666 "$dev"
    echo "prepare-host: chmod 666 $dev"
  fi
done

if [ -n "$test_user" ]; then
  if ! id "$test_user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$test_user"
    echo "prepare-host: created user $test_user"
  fi
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    if ! grep -q "^$test_user:" "$f"; then
      # Pick a range above every range already handed out.
      start=$(awk -F: 'BEGIN{m=100000} {e=$2+$3; if (e>m) m=e} END{print m}' "$f")
      echo "$test_user:$start:65536" >> "$f"
      echo "prepare-host: $f gets $test_user:$start:65536"
    fi
  done
fi
