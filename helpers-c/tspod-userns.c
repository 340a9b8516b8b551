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
  enter_mapped_userns();
  become_userns_root();
  close(sync_fd);
  execvp(argv[1], argv + 1);
  fprintf(stderr, "%s: exec: %s: %s\n", helper_name, argv[1], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
