/* Shared pieces for tspod's C helpers: fatal errors, the sync channel to
 * tspod, safe read/write loops and fd utilities. Header-only on purpose. */
#ifndef TSPOD_COMMON_H
#define TSPOD_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern const char *helper_name;

/* The sync socket to tspod, or -1 when none is connected yet. */
/* A helper built from several files defines TSPOD_SYNC_FD_EXTERN and owns one sync_fd. */
#ifndef TSPOD_SYNC_FD_EXTERN
static int sync_fd = -1;
#endif

static __attribute__((unused)) void sync_send(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  /* Messages are one line: fold any newline the text carries. */
  for (int i = 0; i < n; i++)
    if (buf[i] == '\n') buf[i] = ' ';
  buf[n++] = '\n';
  if (sync_fd < 0) return;
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(sync_fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= w;
  }
}

/* Print "tspod-<helper>: <step>: <what>: <strerror>", tell tspod the same as
 * one "error" line, and exit 125 (tspod's own failure). */
static void __attribute__((noreturn)) die_step(const char *step, int err, const char *fmt, ...) {
  char what[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (err)
    fprintf(stderr, "%s: %s: %s: %s\n", helper_name, step, what, strerror(err));
  else
    fprintf(stderr, "%s: %s: %s\n", helper_name, step, what);
  sync_send("error\t%s\t%d\t%s", step, err, what);
  _exit(125);
}

/* A stream socket connected to the unix socket PATH; failures die naming STEP. */
static __attribute__((unused)) int unix_connect(const char *path, const char *step) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die_step(step, errno, "socket");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) die_step(step, 0, "socket path too long: %s", path);
  strcpy(sa.sun_path, path);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die_step(step, errno, "connect %s", path);
  return fd;
}

static __attribute__((unused)) int sync_connect(const char *path) {
  sync_fd = unix_connect(path, "sync");
  return sync_fd;
}

/* Buffered line reader over the sync socket. Returns a malloc'd line without
 * its newline, or NULL at EOF. Lines may be long (an environment variable can
 * be), up to 16 MiB. */
static char *rbuf;
static size_t rlen = 0, rcap = 0;

static __attribute__((unused)) char *sync_read_line(void) {
  for (;;) {
    char *nl = rlen ? memchr(rbuf, '\n', rlen) : NULL;
    if (nl) {
      size_t len = nl - rbuf;
      char *line = malloc(len + 1);
      if (!line) die_step("sync", ENOMEM, "read");
      memcpy(line, rbuf, len);
      line[len] = 0;
      memmove(rbuf, nl + 1, rlen - len - 1);
      rlen -= len + 1;
      return line;
    }
    if (rlen == rcap) {
      if (rcap >= (16u << 20)) die_step("sync", 0, "a message from tspod is longer than 16 MiB");
      rcap = rcap ? rcap * 2 : 65536;
      rbuf = realloc(rbuf, rcap);
      if (!rbuf) die_step("sync", ENOMEM, "read buffer");
    }
    ssize_t r = read(sync_fd, rbuf + rlen, rcap - rlen);
    if (r < 0) {
      if (errno == EINTR) continue;
      die_step("sync", errno, "read");
    }
    if (r == 0) return NULL;
    rlen += r;
  }
}

/* Wait for tspod to send exactly `want`; anything else (or EOF) is fatal. */
static __attribute__((unused)) void sync_expect(const char *want) {
  char *line = sync_read_line();
  if (!line) die_step("sync", 0, "tspod closed the channel while we waited for '%s'", want);
  if (strcmp(line, want) != 0) die_step("sync", 0, "expected '%s', got '%s'", want, line);
  free(line);
}

/* Undo the escaping tspod applies to plan values: \\ \n \t. In place. */
static __attribute__((unused)) void unescape(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
}

/* O_NONBLOCK on FD: 0, or -1 with errno. */
static __attribute__((unused)) int set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* systemd's NOTIFY_SOCKET as an address: a path, or an abstract name after '@'; its length, or 0
 * when NAME cannot be one. */
static __attribute__((unused)) socklen_t notify_address(const char *name, struct sockaddr_un *sa) {
  size_t n = strlen(name);
  if (n == 0 || n >= sizeof sa->sun_path) return 0;
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  memcpy(sa->sun_path, name, n);
  if (name[0] == '@') sa->sun_path[0] = 0;
  return (socklen_t)(__builtin_offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '@' ? 0 : 1));
}

static __attribute__((unused)) int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= w;
  }
  return 0;
}

/* The next signal a signalfd reports (EINTR retried); a short read is fatal.
 * The first call for a signalfd reports SIGCHLD without reading: a child may
 * have exited before SIGCHLD was blocked (its signal then discarded, as
 * tspod-launch's container can before it execs tspod-wait), and only a reap
 * pass finds that zombie. Every loop that uses this reaps with
 * waitpid(-1, WNOHANG) on SIGCHLD, so the extra pass is harmless. */
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
static __attribute__((unused)) int next_signal(int sfd) {
  static int reaped_before_first_read = -1;
  if (reaped_before_first_read != sfd) {
    reaped_before_first_read = sfd;
    return SIGCHLD;
  }
  struct signalfd_siginfo si;
  for (;;) {
    ssize_t r = read(sfd, &si, sizeof si);
    if (r < 0 && errno == EINTR) continue;
    if (r != sizeof si) die_step("signalfd", errno, "read");
    return (int)si.ssi_signo;
  }
}


/* One descriptor passed with SCM_RIGHTS (and one data byte) on SOCK: 1 and *FD set (-1 when
 * the message carried none), 0 when the peer closed first, -1 on error (errno). */
static __attribute__((unused)) int recv_fd(int sock, int *fd) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t r;
  while ((r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  *fd = -1;
  if (r <= 0) return (int)r;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
    memcpy(fd, CMSG_DATA(c), sizeof *fd);
  return 1;
}

/* A new user namespace mapped by tspod (it writes the id maps on "userns PID", answers
 * "mapped"), then its root: tspod-userns and tspod-launch both start this way. */
static __attribute__((unused)) void enter_mapped_userns(void) {
  if (unshare(CLONE_NEWUSER) < 0)
    die_step("userns", errno, "unshare(CLONE_NEWUSER) (are unprivileged user namespaces enabled?)");
  sync_send("userns\t%d", getpid());
  sync_expect("mapped");
}

/* Field 22 of /proc/PID/stat (the start time in clock ticks since boot): with the pid, it
 * names one process; 0 when it cannot be read. */
static __attribute__((unused)) unsigned long long proc_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  p++;
  /* p is at the space before field 3 (the state): step to the one before field 22 */
  for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Join the user's shared user namespace, held by the pause process PID started at START
 * (see lib/runtime/pause.ts): no new namespace and no newuidmap. A pid that now names
 * another process, or a holder that exits while we join, is refused with step "pause"
 * (tspod then starts a new holder). The caller becomes root in it (become_userns_root). */
#include <poll.h>
#include <sys/syscall.h>
static __attribute__((unused)) void join_userns_pid(pid_t pid, unsigned long long start) {
  /* The pidfd first: once the start time matches, it names the holder itself, and
   * polling it tells whether /proc/PID (the namespace file opened below) is still the holder. */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) die_step("pause", errno, "open the user namespace holder %d", (int)pid);
  if (proc_start_time(pid) != start) die_step("pause", ESRCH, "the user namespace holder %d is gone (its pid names another process)", (int)pid);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) die_step("pause", errno, "open %s", path);
  struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
  if (poll(&pfd, 1, 0) != 0) die_step("pause", ESRCH, "the user namespace holder %d exited", (int)pid);
  if (setns(ns, CLONE_NEWUSER) < 0) die_step("pause", errno, "join the user namespace of %d", (int)pid);
  /* A holder stopped while we joined leaves this namespace to us alone: refuse it too. */
  if (poll(&pfd, 1, 0) != 0) die_step("pause", ESRCH, "the user namespace holder %d exited while joining", (int)pid);
  close(ns);
  close(pidfd);
}

/* Become root of the user namespace just entered, with no supplementary groups. */
static __attribute__((unused)) void become_userns_root(void) {
  if (setresgid(0, 0, 0) < 0) die_step("userns", errno, "setresgid(0)");
  if (setresuid(0, 0, 0) < 0) die_step("userns", errno, "setresuid(0)");
  if (setgroups(0, NULL) < 0) die_step("userns", errno, "setgroups");
}

#endif
