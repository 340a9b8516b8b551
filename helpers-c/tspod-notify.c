/* tspod-notify: one sd_notify datagram, for `--sdnotify=conmon`, and a wait
 * until systemd has processed it.
 * Usage: tspod-notify MESSAGE   (e.g. "READY=1\nMAINPID=1234")
 * Sends MESSAGE to $NOTIFY_SOCKET (a path, or an abstract name starting with
 * '@'), as systemd's sd_notify does. Node has no unix datagram sockets.
 *
 * Why the wait: systemd reads the datagram later and finds its unit from the
 * sender's pid; a sender that has already exited cannot be attributed, and the
 * READY is dropped ("did not take the steps required by its unit
 * configuration"). So, as sd_notify_barrier() does, we then send "BARRIER=1"
 * with the write end of a pipe and wait until the manager closes it: it does
 * so only after processing every earlier message from us. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <time.h>

const char *helper_name = "tspod-notify";

/* How long to wait for the barrier, as sd_notify_barrier's usual 5 s. */
#define BARRIER_TIMEOUT_MS 5000

static void send_message(int fd, const struct sockaddr_un *addr, socklen_t alen, const char *msg, int pass_fd, const char *path) {
  struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr mh = {.msg_name = (void *)addr, .msg_namelen = alen, .msg_iov = &iov, .msg_iovlen = 1};
  if (pass_fd >= 0) {
    mh.msg_control = control.buf;
    mh.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  for (;;) {
    if (sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0) return;
    if (errno == EINTR) continue;
    die_step("notify", errno, "send %s to %s", pass_fd >= 0 ? "the barrier" : "the message", path);
  }
}

static long long now_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) die_step("barrier", errno, "clock_gettime");
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MESSAGE\n", helper_name);
    return 125;
  }
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return 0; /* not under systemd: nothing to tell */
  struct sockaddr_un addr;
  socklen_t alen = notify_address(path, &addr);
  if (!alen) die_step("notify", ENAMETOOLONG, "NOTIFY_SOCKET %s", path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_step("notify", errno, "socket");
  send_message(fd, &addr, alen, argv[1], -1, path);

  /* The barrier: the manager closes its copy of the write end once it has
   * processed our messages; ours goes at once, so POLLHUP means "done". */
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die_step("barrier", errno, "pipe");
  send_message(fd, &addr, alen, "BARRIER=1", p[1], path);
  close(p[1]);
  close(fd);
  long long deadline = now_ms() + BARRIER_TIMEOUT_MS;
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) {
      /* A manager that ignores barriers and keeps the fd: the message went out,
       * we only could not confirm it was processed. */
      fprintf(stderr, "%s: barrier: %s did not confirm the notification within %d ms; carrying on\n", helper_name, path, BARRIER_TIMEOUT_MS);
      return 0;
    }
    struct pollfd pf = {.fd = p[0], .events = 0};
    int n = poll(&pf, 1, (int)left);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_step("barrier", errno, "poll");
    }
    if (n > 0 && (pf.revents & (POLLHUP | POLLERR))) return 0;
  }
}
