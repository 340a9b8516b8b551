/* tspod-wait: what tspod-launch becomes once the container runs (it execs us
 * from a sealed memfd with every signal blocked), so the process that stays
 * beside each container is small: it forwards the signals tspod sends to the
 * container, waits for it, then stops fuse-overlayfs and slirp4netns or pasta (closing
 * SLIRP_FD tells slirp4netns to exit; pasta gets SIGTERM) and exits with the container's status.
 * Usage (by tspod-launch only): tspod-wait -W CHILD FUSE_PID SLIRP_PID SLIRP_FD */
#include "common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

const char *helper_name = "tspod-wait";

static int wait_for_container(pid_t child, pid_t fuse, pid_t slirp, int slirp_fd) {
  sigset_t all;
  sigfillset(&all);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC);
  if (sfd < 0) die_step("signalfd", errno, "signalfd");
  int status = -1;
  while (status < 0) {
    int sig = next_signal(sfd);
    switch (sig) {
      case SIGCHLD: {
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
          if (p == child) status = st;
          /* reaped already: its pid may be another process's by the end, never to be signalled */
          if (p == fuse) fuse = -1;
          if (p == slirp) slirp = -1;
        }
        break;
      }
      case SIGINT: case SIGTERM: case SIGHUP: case SIGQUIT: case SIGUSR1: case SIGUSR2: case SIGWINCH:
        kill(child, sig);
        break;
      default:
        break;
    }
  }
  if (fuse > 0) {
    kill(fuse, SIGKILL);
    while (waitpid(fuse, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (slirp_fd >= 0) close(slirp_fd);
  if (slirp > 0) {
    kill(slirp, SIGTERM); /* pasta does not watch SLIRP_FD; slirp4netns is stopped either way */
    while (waitpid(slirp, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(int argc, char **argv) {
  if (argc != 6 || strcmp(argv[1], "-W")) {
    fprintf(stderr, "%s: run by tspod-launch only\n", helper_name);
    return 125;
  }
  prctl(PR_SET_NAME, "tspod-wait"); /* fexecve named us after the fd */
  return wait_for_container(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
}
