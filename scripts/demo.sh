#!/usr/bin/env bash
# The main job on a fresh Debian machine: build tspod, make the embedded
# default busybox image from Debian's busybox-static, load it into an
# ordinary user's storage and run a container in it as that user.
# As root: prepares the host first and runs as the test user (or $TSPOD_USER).
# As an ordinary user on a prepared host: does the same as yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_USER=${TSPOD_USER:-tspodtest}

if [ "$(id -u)" = 0 ]; then
  bash scripts/prepare-host.sh --test-user "$RUN_USER"
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
node scripts/build-busybox-image.mjs build/images

if [ "$(id -u)" = 0 ]; then
  # The ordinary user needs to read the package and the image, wherever the clone sits.
  home=$(getent passwd "$RUN_USER" | cut -d: -f6)
  dest="$home/tspod"
  rm -rf "$dest" && mkdir -p "$dest"
  tar --exclude=./.git -cf - . | tar -xf - -C "$dest"
  chown -R "$RUN_USER:" "$dest"
  as_user() { runuser -u "$RUN_USER" -- env -i PATH="$PATH" HOME="$home" USER="$RUN_USER" TERM="${TERM:-dumb}" "$@"; }
  tspod="$dest/bin/tspod"
  image="$dest/build/images/busybox-docker.tar"
else
  as_user() { "$@"; }
  tspod="$PWD/bin/tspod"
  image="$PWD/build/images/busybox-docker.tar"
fi

set -x
as_user "$tspod" doctor
as_user "$tspod" load -i "$image"
as_user "$tspod" images
as_user "$tspod" run --rm busybox sh -c 'echo "hello from $(hostname): uid $(id -u) in the container"; cat /proc/self/uid_map; ip -4 addr show tap0 | grep inet'
