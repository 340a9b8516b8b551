/* tspod-netns: the rootless network namespace of user-defined networks.
 *
 *   tspod-netns start USERNS_PID DNS_BIN RECORDS -- SLIRP4NETNS [SLIRP_OPTIONS...]
 *     Forks the holder: it joins the user namespace of USERNS_PID (the user's
 *     shared one), unshares a network namespace, brings lo up, enables IPv4
 *     forwarding, starts DNS_BIN RECORDS (tspod-dns) inside and stays as the
 *     namespace's holder. This process then prints "holder PID" on stdout and
 *     becomes, as root of the same user namespace, slirp4netns for the namespace's way out (tap0, 10.0.2.100), whose
 *     ready byte also goes to stdout. slirp4netns exits when the holder dies
 *     (its exit fd); the holder, and with it the DNS responder, when
 *     slirp4netns dies (parent-death signals): one piece dying takes the others.
 *
 *   tspod-netns exec USERNS_PID NETNS_PID CMD [ARGS...]
 *     Runs CMD as root of that user namespace inside NETNS_PID's network
 *     namespace (ip, nft, sysctl writes, nsenter into a container's). */
#include "common.h"
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

const char *helper_name = "tspod-netns";

static void join_ns(pid_t pid, const char *kind, int type) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, kind);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_step("join", errno, "open %s", path);
  if (setns(fd, type) < 0) die_step("join", errno, "setns %s", path);
  close(fd);
}

/* root of the joined user namespace (the user's own id maps to 0 there) */
static void become_root(void) {
  if (setresgid(0, 0, 0) < 0) die_step("join", errno, "setresgid 0");
  if (setresuid(0, 0, 0) < 0) die_step("join", errno, "setresuid 0");
}

static void lo_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die_step("holder", errno, "socket");
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die_step("holder", errno, "SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die_step("holder", errno, "SIOCSIFFLAGS lo up");
  close(s);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_step("holder", errno, "open %s", path);
  if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die_step("holder", errno, "write %s", path);
  close(fd);
}

static volatile sig_atomic_t stopping;
static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

/* The holder: owns the namespace, keeps the DNS responder running. */
static void __attribute__((noreturn)) holder(pid_t userns_pid, const char *dns_bin, const char *records, int ready_w, int exit_w) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die_step("holder", errno, "PR_SET_PDEATHSIG");
  if (getppid() != parent) _exit(0);
  if (prctl(PR_SET_NAME, "tspod-netns") < 0) die_step("holder", errno, "PR_SET_NAME");
  join_ns(userns_pid, "user", CLONE_NEWUSER);
  become_root();
  if (unshare(CLONE_NEWNET) < 0) die_step("holder", errno, "unshare(CLONE_NEWNET)");
  lo_up();
  write_file("/proc/sys/net/ipv4/ip_forward", "1");
  /* exit_w stays open (and ours alone: close-on-exec) as long as we live */
  if (fcntl(exit_w, F_SETFD, FD_CLOEXEC) < 0) die_step("holder", errno, "fcntl");
  if (write(ready_w, "r", 1) != 1) die_step("holder", errno, "write ready");
  close(ready_w);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0) die_step("holder", errno, "/dev/null");

  struct sigaction sa = {.sa_handler = on_term};
  if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) die_step("holder", errno, "sigaction");
  int restarts = 0;
  while (!stopping) {
    pid_t dns = fork();
    if (dns < 0) die_step("dns", errno, "fork");
    if (dns == 0) {
      syscall(SYS_close_range, 3, ~0U, 0);
      char *argv[] = {(char *)dns_bin, (char *)records, NULL};
      execv(dns_bin, argv);
      fprintf(stderr, "%s: dns: exec %s: %s\n", helper_name, dns_bin, strerror(errno));
      _exit(127);
    }
    int status;
    while (waitpid(dns, &status, 0) < 0) {
      if (errno != EINTR) die_step("dns", errno, "waitpid");
      if (stopping && kill(dns, SIGTERM) < 0 && errno != ESRCH) die_step("dns", errno, "kill");
    }
    if (stopping) break;
    /* a responder that keeps failing is not restarted for ever: names stop resolving, the rest works */
    if (++restarts > 5) {
      fprintf(stderr, "%s: dns: %s keeps exiting (status %d); names on user networks no longer resolve\n", helper_name, dns_bin, status);
      while (!stopping) pause();
      break;
    }
  }
  _exit(0);
}

static int start(int argc, char **argv) {
  /* start USERNS_PID DNS_BIN RECORDS -- SLIRP... */
  if (argc < 7 || strcmp(argv[5], "--")) {
    fprintf(stderr, "usage: %s start USERNS_PID DNS_BIN RECORDS -- SLIRP4NETNS [OPTIONS...]\n", helper_name);
    return 125;
  }
  pid_t userns_pid = atoi(argv[2]);
  if (userns_pid <= 0) die_step("start", 0, "bad user namespace pid %s", argv[2]);
  int ready[2], exitp[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(exitp, O_CLOEXEC) < 0) die_step("start", errno, "pipe");
  pid_t h = fork();
  if (h < 0) die_step("start", errno, "fork");
  if (h == 0) {
    if (close(ready[0]) < 0 || close(exitp[0]) < 0) die_step("start", errno, "close");
    holder(userns_pid, argv[3], argv[4], ready[1], exitp[1]);
  }
  close(ready[1]);
  close(exitp[1]);
  char b;
  ssize_t r;
  while ((r = read(ready[0], &b, 1)) < 0 && errno == EINTR)
    ;
  if (r != 1) {
    int status = 0;
    waitpid(h, &status, 0);
    die_step("start", 0, "the namespace holder exited before its namespace was ready (status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  close(ready[0]);
  printf("holder %d\n", h);
  if (fflush(stdout) != 0) die_step("start", errno, "stdout");

  /* become slirp4netns, as root of the same user namespace (its sandbox needs that) but in
   * the host's network namespace: exit fd = the pipe the holder keeps open, ready fd = stdout */
  join_ns(userns_pid, "user", CLONE_NEWUSER);
  become_root();
  int e = fcntl(exitp[0], F_DUPFD, 10);
  if (e < 0 || dup2(e, 3) < 0) die_step("start", errno, "dup2");
  syscall(SYS_close_range, 4, ~0U, 0);
  char netns[64];
  snprintf(netns, sizeof netns, "/proc/%d/ns/net", h);
  char *sargv[64];
  int n = 0;
  for (int i = 6; i < argc && n < 50; i++) sargv[n++] = argv[i];
  sargv[n++] = "-e";
  sargv[n++] = "3";
  sargv[n++] = "-r";
  sargv[n++] = "1";
  sargv[n++] = "--netns-type=path";
  sargv[n++] = netns;
  sargv[n++] = "tap0";
  sargv[n] = NULL;
  execvp(sargv[0], sargv);
  die_step("start", errno, "exec %s", sargv[0]);
}

static int exec_in(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s exec USERNS_PID NETNS_PID CMD [ARGS...]\n", helper_name);
    return 125;
  }
  pid_t userns_pid = atoi(argv[2]), netns_pid = atoi(argv[3]);
  if (userns_pid <= 0 || netns_pid <= 0) die_step("exec", 0, "bad pid");
  /* the network namespace is opened before the user namespace changes (its /proc entry stays readable) */
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", netns_pid);
  int netfd = open(path, O_RDONLY | O_CLOEXEC);
  if (netfd < 0) die_step("exec", errno, "open %s (is the rootless network namespace's holder running?)", path);
  join_ns(userns_pid, "user", CLONE_NEWUSER);
  become_root();
  if (setns(netfd, CLONE_NEWNET) < 0) die_step("exec", errno, "setns %s", path);
  close(netfd);
  execvp(argv[4], argv + 4);
  die_step("exec", errno, "exec %s", argv[4]);
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "start")) return start(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "exec")) return exec_in(argc, argv);
  fprintf(stderr, "usage: %s start|exec ...\n", helper_name);
  return 125;
}
