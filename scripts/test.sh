#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine.
# As root: prepares the host (packages, /dev modes, the test user), installs
# npm packages, builds, then runs the tests as the ordinary test user from a
# copy of the tree that user owns (a clone may sit where it cannot read).
# As an ordinary user on a prepared host: builds and runs the tests in place.
set -euo pipefail
cd "$(dirname "$0")/.."
TEST_USER=${TSPOD_TEST_USER:-tspodtest}

build() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  npm run build
}

if [ "$(id -u)" != 0 ]; then
  build
  exec npx vitest run "$@"
fi

bash scripts/prepare-host.sh --test-user "$TEST_USER"
build
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
copy="$home/tspod-test"
rm -rf "$copy"
mkdir -p "$copy"
# The tree as it is, built, without git history.
tar --exclude=./.git -cf - . | tar -xf - -C "$copy"
chown -R "$TEST_USER:" "$copy"
# A systemd user manager for the test user, so generated units run under systemd for real
# (the tests that need it are skipped, and say so, when it cannot start).
sd_runtime="/tmp/tspod-systemd-$TEST_USER"
sd_env=()
if bash scripts/systemd-user.sh start "$TEST_USER" "$sd_runtime"; then
  sd_env=(TSPOD_TEST_SYSTEMD_RUNTIME="$sd_runtime")
  trap 'bash scripts/systemd-user.sh stop "$TEST_USER" "$sd_runtime"' EXIT
else
  echo "test.sh: no systemd user manager here; unit tests under systemd are skipped"
fi
# --- store-hardening: a small file system (64 MiB tmpfs) owned by the test user for the full-disk
# test (TSPOD_TEST_SMALLFS); unmounted at exit. Without it that test is skipped, and says so.
smallfs="/tmp/tspod-smallfs-$TEST_USER"
smallfs_env=()
if mkdir -p "$smallfs" && { mountpoint -q "$smallfs" || mount -t tmpfs -o "size=64m,mode=0700,uid=$(id -u "$TEST_USER"),gid=$(id -g "$TEST_USER")" tmpfs "$smallfs"; }; then
  smallfs_env=(TSPOD_TEST_SMALLFS="$smallfs")
  prev_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "${prev_trap:+$prev_trap; }umount '$smallfs' && rmdir '$smallfs'" EXIT
fi
# --- end store-hardening
echo "test.sh: running the suite as $TEST_USER in $copy"
runuser -u "$TEST_USER" -- env -i PATH="$PATH" HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
  TERM="${TERM:-dumb}" CI="${CI:-}" "${sd_env[@]}" "${smallfs_env[@]}" bash -c 'cd "$1" && shift && exec npx vitest run "$@"' test-sh "$copy" "$@"
