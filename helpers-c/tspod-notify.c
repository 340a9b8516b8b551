/* tspod-notify: one sd_notify datagram, for `--sdnotify=conmon`.
 * Usage: tspod-notify MESSAGE   (e.g. "READY=1\nMAINPID=1234")
 * Sends MESSAGE to $NOTIFY_SOCKET (a path, or an abstract name starting with
 * '@'), as systemd's sd_notify does. Node has no unix datagram sockets. */
#include "common.h"
#include <stddef.h>

const char *helper_name = "tspod-notify";

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MESSAGE\n", helper_name);
    return 125;
  }
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 0; /* not under systemd: nothing to tell */
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) die_step("notify", ENAMETOOLONG, "NOTIFY_SOCKET %s", path);
  memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = 0;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_step("notify", errno, "socket");
  socklen_t alen = offsetof(struct sockaddr_un, sun_path) + len;
  if (sendto(fd, argv[1], strlen(argv[1]), MSG_NOSIGNAL, (struct sockaddr *)&addr, alen) < 0)
    die_step("notify", errno, "send to %s", path);
  close(fd);
  return 0;
}
