/* tspod-userns: runs one command as root of a new user namespace mapped by
 * tspod (0 -> the user, 1..N -> the subuid range). tspod uses it to extract
 * layers with their owners and to remove files owned by subordinate ids.
 * Usage: TSPOD_SYNC_SOCKET=PATH tspod-userns COMMAND [ARGS...] */
#include "common.h"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>

const char *helper_name = "tspod-userns";

int main(int argc, char **argv) {
  const char *sock = getenv("TSPOD_SYNC_SOCKET");
  if (!sock || argc < 2) {
    fprintf(stderr, "usage: TSPOD_SYNC_SOCKET=PATH %s COMMAND [ARGS...] (run by tspod)\n", helper_name);
    return 125;
  }
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die_step("start", errno, "PR_SET_PDEATHSIG");
  if (getppid() != parent) _exit(125);
  sync_connect(sock);
  unsetenv("TSPOD_SYNC_SOCKET");
  if (unshare(CLONE_NEWUSER) < 0)
    die_step("userns", errno, "unshare(CLONE_NEWUSER) (are unprivileged user namespaces enabled?)");
  sync_send("userns\t%d", getpid());
  sync_expect("mapped");
  if (setresgid(0, 0, 0) < 0) die_step("userns", errno, "setresgid(0)");
  if (setresuid(0, 0, 0) < 0) die_step("userns", errno, "setresuid(0)");
  if (setgroups(0, NULL) < 0) die_step("userns", errno, "setgroups");
  close(sync_fd);
  execvp(argv[1], argv + 1);
  fprintf(stderr, "%s: exec: %s: %s\n", helper_name, argv[1], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
