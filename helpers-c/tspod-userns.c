/* tspod-userns: the user's shared user namespace and the commands run in it.
 *
 *   tspod-userns --pause        (TSPOD_SYNC_SOCKET set) the pause process: makes a new user
 *                               namespace that tspod maps (0 -> the user, 1..N -> every subuid
 *                               range), then holds it, asleep, until SIGTERM or SIGINT, or
 *                               until it has been idle a while after SIGUSR1 (below)
 *                               (lib/runtime/pause.ts starts and stops it)
 *   tspod-userns -J PID START COMMAND [ARGS...]
 *                               runs COMMAND as root of the namespace held by PID (started at
 *                               START): how tspod extracts layers with their owners, removes
 *                               files of subordinate ids, and runs `tspod unshare`. */
#include "common.h"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <dirent.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

const char *helper_name = "tspod-userns";

/* Lingering. tspod sends SIGUSR1 when the user's last container is gone (lib/runtime/pause.ts),
 * and a new holder counts from its start the same way:
 * instead of exiting at once, the holder waits LINGER seconds (TSPOD_PAUSE_LINGER), so that a
 * script's next `run` does not map a namespace anew. Then it looks for itself:
 *  - a container record in the store (TSPOD_PAUSE_CONTAINERS): it stays, until the next SIGUSR1;
 *  - another process in its namespace (a command extracting a layer, say): it waits again;
 *  - neither: it retires. It removes the pid file that names it (TSPOD_PAUSE_PIDFILE), so the
 *    next command starts a new holder, waits RETIRE_GRACE_S more for a command that read the file
 *    just before to join, and exits, unless such a command did join: then it writes the pid file
 *    again (only if no other holder was recorded meanwhile) and stays. */
#define RETIRE_GRACE_S 2

static int any_container(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0; /* no store: no container */
  int found = 0;
  struct dirent *e;
  while (!found && (e = readdir(d))) {
    size_t n = strlen(e->d_name), i;
    for (i = 0; i < n && strchr("0123456789abcdef", e->d_name[i]); i++)
      ;
    found = n == 64 && i == 64;
  }
  closedir(d);
  return found;
}

/* Does a process other than this one live in the user namespace NS (st_ino of /proc/self/ns/user)? */
static int namespace_shared(ino_t ns) {
  DIR *d = opendir("/proc");
  if (!d) return 1; /* cannot tell: keep it */
  int found = 0;
  pid_t self = getpid();
  struct dirent *e;
  char path[64];
  struct stat st;
  while (!found && (e = readdir(d))) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == self) continue;
    snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
    found = stat(path, &st) == 0 && st.st_ino == ns;
  }
  closedir(d);
  return found;
}

/* The pid file's line for this process, as lib/runtime/pause.ts writes it. */
static void own_pidline(char *buf, size_t n) {
  snprintf(buf, n, "%d %llu linger\n", (int)getpid(), proc_start_time(getpid()));
}

/* If the pid file names this process, remove it. */
static void remove_own_pidfile(const char *file) {
  char want[64], have[64] = "";
  own_pidline(want, sizeof want);
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  ssize_t r = read(fd, have, sizeof have - 1);
  close(fd);
  if (r > 0 && (size_t)r == strlen(want) && !memcmp(have, want, (size_t)r)) unlink(file);
}

/* Name this process in the pid file again, unless another holder has been recorded meanwhile
 * (O_EXCL): a retiring holder that found itself in use after all. 1 when it is recorded. */
static int restore_pidfile(const char *file) {
  char line[64];
  own_pidline(line, sizeof line);
  int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  int ok = write_all(fd, line, strlen(line)) == 0;
  close(fd);
  if (!ok) unlink(file);
  return ok;
}

static void arm(int tfd, long seconds) {
  struct itimerspec it = {.it_value = {.tv_sec = seconds, .tv_nsec = seconds ? 0 : 1}};
  if (timerfd_settime(tfd, 0, &it, NULL) < 0) die_step("pause", errno, "timerfd_settime");
}

/* The pause process. Every signal stays blocked; a signalfd wakes it for SIGTERM or SIGINT
 * (exit), SIGUSR1 (idle: linger, above) and SIGCHLD (nothing should be its child, but reaping
 * costs nothing). */
static int pause_main(const char *sock) {
  sigset_t all;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) die_step("pause", errno, "sigprocmask");
  sync_connect(sock);
  unsetenv("TSPOD_SYNC_SOCKET");
  const char *linger_env = getenv("TSPOD_PAUSE_LINGER");
  long linger = linger_env ? strtol(linger_env, NULL, 10) : 0;
  if (linger < 0) linger = 0;
  char containers[4096] = "", pidfile[4096] = "";
  if (getenv("TSPOD_PAUSE_CONTAINERS")) snprintf(containers, sizeof containers, "%s", getenv("TSPOD_PAUSE_CONTAINERS"));
  if (getenv("TSPOD_PAUSE_PIDFILE")) snprintf(pidfile, sizeof pidfile, "%s", getenv("TSPOD_PAUSE_PIDFILE"));
  if (prctl(PR_SET_NAME, "tspod-pause") < 0) die_step("pause", errno, "PR_SET_NAME");
  /* It must not keep the directory tspod was started in busy. */
  if (chdir("/") < 0) die_step("pause", errno, "chdir /");
  enter_mapped_userns();
  become_userns_root();
  /* tspod records our pid and start time, then answers: if it dies first, the channel
   * closes and we exit, so no holder is left that no pid file names. */
  sync_send("ready\t%d\t%llu", (int)getpid(), proc_start_time(getpid()));
  sync_expect("recorded");
  close(sync_fd);
  sync_fd = -1;
  if (syscall(SYS_close_range, 3, ~0U, 0) < 0) die_step("pause", errno, "close_range");
  struct stat self_ns;
  if (stat("/proc/self/ns/user", &self_ns) < 0) die_step("pause", errno, "stat /proc/self/ns/user");
  /* Signals sent meanwhile stay pending: the signalfd reads them. */
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) die_step("pause", errno, "signalfd");
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (tfd < 0) die_step("pause", errno, "timerfd_create");
  int retiring = 0;
  /* Unused from the start (the command that started it died before making a container): the
   * same look after LINGER as after SIGUSR1. With no linger tspod stops it itself. */
  if (linger > 0) arm(tfd, linger);
  for (;;) {
    struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die_step("pause", errno, "poll");
    }
    if (p[1].revents & POLLIN) {
      uint64_t n;
      if (read(tfd, &n, sizeof n) != sizeof n) die_step("pause", errno, "read timerfd");
      if (retiring) {
        /* Joined during the grace after all (a command that read the pid file just before):
         * take the namespace up again if no other holder was recorded meanwhile. */
        int held = any_container(containers);
        if (!(held || namespace_shared(self_ns.st_ino)) || !pidfile[0] || !restore_pidfile(pidfile)) return 0;
        retiring = 0;
        if (!held) arm(tfd, linger ? linger : 1);
        continue;
      }
      if (any_container(containers)) continue; /* in use again: wait for the next SIGUSR1 */
      if (namespace_shared(self_ns.st_ino)) {
        arm(tfd, linger ? linger : 1);
        continue;
      }
      if (pidfile[0]) remove_own_pidfile(pidfile);
      retiring = 1;
      arm(tfd, RETIRE_GRACE_S);
    }
    if (!(p[0].revents & POLLIN)) continue;
    int sig = next_signal(sfd);
    if (sig == SIGTERM || sig == SIGINT) return 0;
    if (sig == SIGUSR1 && !retiring) arm(tfd, linger);
    if (sig == SIGCHLD)
      while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
  }
}

int main(int argc, char **argv) {
  const char *sock = getenv("TSPOD_SYNC_SOCKET");
  if (argc == 2 && !strcmp(argv[1], "--pause")) {
    if (!sock) {
      fprintf(stderr, "%s: --pause is run by tspod only (TSPOD_SYNC_SOCKET is not set)\n", helper_name);
      return 125;
    }
    return pause_main(sock);
  }
  if (argc < 5 || strcmp(argv[1], "-J")) {
    fprintf(stderr, "usage: %s -J PID START COMMAND [ARGS...] | --pause (run by tspod)\n", helper_name);
    return 125;
  }
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die_step("start", errno, "PR_SET_PDEATHSIG");
  if (getppid() != parent) _exit(125);
  char *end;
  long pid = strtol(argv[2], &end, 10);
  if (*end || pid <= 0) die_step("start", 0, "bad holder pid '%s'", argv[2]);
  unsigned long long start = strtoull(argv[3], &end, 10);
  if (*end) die_step("start", 0, "bad holder start time '%s'", argv[3]);
  join_userns_pid((pid_t)pid, start);
  become_userns_root();
  execvp(argv[4], argv + 4);
  fprintf(stderr, "%s: exec: %s: %s\n", helper_name, argv[4], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
