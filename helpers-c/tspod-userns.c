/* tspod-userns: the user's shared user namespace and the commands run in it.
 *
 *   tspod-userns --pause        (TSPOD_SYNC_SOCKET set) the pause process: makes a new user
 *                               namespace that tspod maps (0 -> the user, 1..N -> every subuid
 *                               range), then holds it, asleep, until SIGTERM or SIGINT
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
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

const char *helper_name = "tspod-userns";

/* The pause process. Every signal stays blocked; a signalfd wakes it only for SIGTERM or
 * SIGINT (exit) and SIGCHLD (nothing should be its child, but reaping costs nothing). */
static int pause_main(const char *sock) {
  sigset_t all;
  sigfillset(&all);
  if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) die_step("pause", errno, "sigprocmask");
  sync_connect(sock);
  unsetenv("TSPOD_SYNC_SOCKET");
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
  /* Signals sent meanwhile stay pending: the signalfd reads them. */
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) die_step("pause", errno, "signalfd");
  for (;;) {
    int sig = next_signal(sfd);
    if (sig == SIGTERM || sig == SIGINT) return 0;
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
