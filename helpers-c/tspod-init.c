/* tspod-init: a minimal PID 1 for `tspod run --init`. It starts the command,
 * forwards every signal it can catch to it, reaps every zombie, and exits
 * with the command's status (128+N when the command is killed by N).
 * Usage: tspod-init -- COMMAND [ARGS...] */
#include "common.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

const char *helper_name = "tspod-init";

/* -P: a pod's infra process: it holds the pod's namespaces, reaps what is
 * reparented to it and exits on SIGTERM or SIGINT. */
static int pause_forever(void) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) die_step("signalfd", errno, "signalfd");
  for (;;) {
    int sig = next_signal(sfd);
    if (sig == SIGTERM || sig == SIGINT) return 0;
    if (sig == SIGCHLD)
      while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
  }
}

int main(int argc, char **argv) {
  /* As the helper runs it: tspod-init -- -P */
  if ((argc == 2 && !strcmp(argv[1], "-P")) || (argc == 3 && !strcmp(argv[1], "--") && !strcmp(argv[2], "-P"))) return pause_forever();
  int first = 1;
  if (argc > 1 && !strcmp(argv[1], "--")) first = 2;
  if (first >= argc) {
    fprintf(stderr, "usage: %s -- COMMAND [ARGS...]\n", helper_name);
    return 125;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0) die_step("fork", errno, "fork");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* The command gets its own process group so a forwarded SIGINT from a
     * terminal reaches it the way it would without init. */
    setpgid(0, 0);
    execvp(argv[first], argv + first);
    fprintf(stderr, "%s: exec: %s: %s\n", helper_name, argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  setpgid(child, child);
  if (isatty(0)) tcsetpgrp(0, child);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) die_step("signalfd", errno, "signalfd");
  for (;;) {
    int sig = next_signal(sfd);
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
      if (p != child) continue;
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return WEXITSTATUS(status);
    }
  }
}
