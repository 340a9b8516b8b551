/* tspod-launch, terminal: with -t the container's terminal is allocated in
 * the container's own devpts (so ttyname() works inside: /dev/pts/0) by the
 * container's side, which sends the master back over a socket (SCM_RIGHTS):
 * to this helper, which relays it to tspod's terminal (run -it, exec -it), or
 * to tspod-monitor (TSPOD_CONSOLE_FD) for a detached container. */
#include "launch.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

/* console_send: where the container's side sends the master; console_recv:
 * our end when we relay it ourselves (-1 when a monitor receives it). */
static int console_send = -1, console_recv = -1;

void console_open(void) {
  const char *inherited = getenv("TSPOD_CONSOLE_FD");
  if (inherited) {
    /* Inherited from tspod-monitor: never passed on to anything we exec. */
    console_send = atoi(inherited);
    int type;
    socklen_t len = sizeof type;
    if (getsockopt(console_send, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
      die_step("terminal", errno, "console socket fd %s", inherited);
    if (fcntl(console_send, F_SETFD, FD_CLOEXEC) < 0) die_step("terminal", errno, "console socket fd %s", inherited);
    unsetenv("TSPOD_CONSOLE_FD");
    if (!plan.tty) {
      close(console_send);
      console_send = -1;
    }
    return;
  }
  if (!plan.tty) return;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die_step("terminal", errno, "socketpair");
  console_recv = sv[0];
  console_send = sv[1];
}

static void send_fd(int sock, int fd) {
  char byte = 't';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t r;
  while ((r = sendmsg(sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
    ;
  if (r != 1) die_step("terminal", errno, "send the terminal's master");
}

/* In the container's process, after pivot_root (or after joining a running
 * container's namespaces): a session of its own and, with -t, a terminal
 * from the container's devpts as controlling terminal and stdio. */
void console_child(void) {
  if (setsid() < 0) die_step("session", errno, "setsid");
  if (!plan.tty) return;
  if (console_recv >= 0) close(console_recv);
  int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die_step("terminal", errno, "open /dev/pts/ptmx in the container");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die_step("terminal", errno, "unlock the pty");
  /* The peer by fd, not by a path in the container's /dev/pts. */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_step("terminal", errno, "open the pty's terminal side");
  /* The first size: tspod's terminal's when we run in front of it (a monitor
   * gets one from `attach`). */
  struct winsize ws;
  for (int fd = 0; fd < 3; fd++) {
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
      if (ioctl(slave, TIOCSWINSZ, &ws) < 0) die_step("terminal", errno, "set the window size");
      break;
    }
  }
  send_fd(console_send, master);
  close(master);
  close(console_send);
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die_step("terminal", errno, "make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) die_step("terminal", errno, "dup2 the pty to fd %d", fd);
  if (slave > 2) close(slave);
}

/* In the helper: the master the container's side sent (-1 when a monitor
 * receives it, or when the container's side failed before sending it). */
int console_wait_master(void) {
  if (console_send >= 0) close(console_send);
  console_send = -1;
  if (console_recv < 0) return -1;
  int fd;
  int r = recv_fd(console_recv, &fd);
  if (r < 0) die_step("terminal", errno, "receive the terminal's master");
  close(console_recv);
  console_recv = -1;
  if (r == 0) return -1;
  if (fd < 0) die_step("terminal", 0, "the container's side sent no terminal");
  /* Whatever the container's /dev/pts held, relay only a pty master. */
  int n;
  if (ioctl(fd, TIOCGPTN, &n) < 0) die_step("terminal", errno, "what the container sent is not a pty master");
  return fd;
}

/* ---- tspod's terminal, while relay.c copies it to the container's -------- */

static struct termios saved;
static int saved_fd = -1;

void copy_winsize(int master) {
  struct winsize ws;
  for (int fd = 0; fd < 3; fd++)
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
      if (ioctl(master, TIOCSWINSZ, &ws) < 0) fprintf(stderr, "%s: terminal: set the window size: %s\r\n", helper_name, strerror(errno));
      return;
    }
}

/* Fully raw: every key reaches the container's line discipline (so ctrl-C
 * and ctrl-Z act there), and no output processing here, since the
 * container's pty already turned "\n" into "\r\n". Without input (-t alone)
 * only output processing goes off, and ctrl-C still stops tspod. */
void make_raw(void) {
  int fd = plan.interactive && isatty(0) ? 0 : isatty(1) ? 1 : -1;
  if (fd < 0) return;
  if (tcgetattr(fd, &saved) < 0) die_step("terminal", errno, "tcgetattr");
  struct termios raw = saved;
  if (fd == 0) cfmakeraw(&raw);
  else raw.c_oflag &= ~OPOST;
  if (tcsetattr(fd, TCSADRAIN, &raw) < 0) die_step("terminal", errno, "tcsetattr");
  saved_fd = fd;
}

void restore_terminal(void) {
  if (saved_fd >= 0 && tcsetattr(saved_fd, TCSADRAIN, &saved) < 0)
    fprintf(stderr, "%s: terminal: restore the terminal: %s\n", helper_name, strerror(errno));
  saved_fd = -1;
}
