#!/usr/bin/env bash
# A real systemd user manager for the test user, on a machine where systemd is
# not PID 1 (the recipe of shared/docs/reference-facts.md). Run as root.
#   systemd-user.sh start USER RUNTIME_DIR   start it; its bus is RUNTIME_DIR/systemd/private
#   systemd-user.sh stop USER RUNTIME_DIR    stop it and remove its cgroups
# Only the name=systemd (v1) and unified (v2) hierarchies are touched, never the
# v1 controller hierarchies the machine's own services live in.
set -euo pipefail
action=$1 user=$2 rundir=$3
cg="tspod-test-$user"
case "$action" in
  start)
    uid=$(id -u "$user") gid=$(id -g "$user") home=$(getent passwd "$user" | cut -d: -f6)
    mkdir -p /run/systemd/system
    for h in systemd unified; do
      [ -d "/sys/fs/cgroup/$h" ] || { echo "systemd-user.sh: no /sys/fs/cgroup/$h here" >&2; exit 1; }
      mkdir -p "/sys/fs/cgroup/$h/$cg"
      chown -R "$user:" "/sys/fs/cgroup/$h/$cg"
    done
    rm -rf "$rundir"
    mkdir -p "$rundir"
    chown "$user:" "$rundir"
    chmod 700 "$rundir"
    (
      for h in systemd unified; do echo "$BASHPID" > "/sys/fs/cgroup/$h/$cg/cgroup.procs"; done
      exec setpriv --reuid="$uid" --regid="$gid" --init-groups env -i HOME="$home" USER="$user" XDG_RUNTIME_DIR="$rundir" \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin setsid /lib/systemd/systemd --user > "$rundir.log" 2>&1
    ) &
    for _ in $(seq 1 100); do
      [ -S "$rundir/systemd/private" ] && exit 0
      sleep 0.1
    done
    echo "systemd-user.sh: systemd --user did not start: $(tail -3 "$rundir.log" 2>/dev/null)" >&2
    exit 1
    ;;
  stop)
    pkill -u "$user" -x systemd 2>/dev/null || true
    for _ in $(seq 1 50); do pgrep -u "$user" -x systemd >/dev/null || break; sleep 0.1; done
    for h in systemd unified; do
      find "/sys/fs/cgroup/$h/$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    ;;
  *) echo "usage: $0 start|stop USER RUNTIME_DIR" >&2; exit 2 ;;
esac
