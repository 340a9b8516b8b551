/* tspod-udpfwd: publishes one UDP port of a container without slirp4netns's
 * host-loopback access (slirp4netns drops the container's replies to 10.0.2.2
 * when host loopback is off, see docs/networking.md).
 *
 * Usage: tspod-udpfwd PID HOST_IP HOST_PORT CONTAINER_PORT
 *
 * Binds HOST_IP:HOST_PORT in the host's network namespace, then joins the user
 * and network namespaces of PID (the container's process) and relays: each
 * host client gets a socket of its own inside the container, connected to
 * 127.0.0.1:CONTAINER_PORT, so replies find their way back. It exits when PID
 * exits (pidfd) or on SIGTERM. Idle clients are forgotten after 60 s. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <time.h>

const char *helper_name = "tspod-udpfwd";

#define MAX_CLIENTS 128
#define IDLE_SECONDS 60

struct client {
  struct sockaddr_in addr;
  int fd;
  time_t last;
};

static struct client clients[MAX_CLIENTS];
static int nclients;

static int client_for(const struct sockaddr_in *from, in_port_t ctr_port) {
  for (int i = 0; i < nclients; i++)
    if (clients[i].addr.sin_addr.s_addr == from->sin_addr.s_addr && clients[i].addr.sin_port == from->sin_port) return i;
  if (nclients == MAX_CLIENTS) return -1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = ctr_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
    close(fd);
    return -1;
  }
  clients[nclients] = (struct client){.addr = *from, .fd = fd, .last = time(NULL)};
  return nclients++;
}

static void forget(int i) {
  close(clients[i].fd);
  clients[i] = clients[--nclients];
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s PID HOST_IP HOST_PORT CONTAINER_PORT\n", helper_name);
    return 125;
  }
  pid_t pid = atoi(argv[1]);
  struct sockaddr_in host = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
  if (inet_pton(AF_INET, argv[2], &host.sin_addr) != 1) die_step("args", EINVAL, "host address %s", argv[2]);
  in_port_t ctr_port = htons(atoi(argv[4]));

  /* The host side first, while we are still in the host's namespaces. */
  int hostfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (hostfd < 0) die_step("bind", errno, "socket");
  if (bind(hostfd, (struct sockaddr *)&host, sizeof host) < 0) die_step("bind", errno, "%s:%s/udp", argv[2], argv[3]);
  int pidfd = syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) die_step("pidfd", errno, "pidfd_open %d", pid);

  static const char *ns[2] = {"user", "net"};
  static const int types[2] = {CLONE_NEWUSER, CLONE_NEWNET};
  int fds[2];
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns[i]);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die_step("setns", errno, "open %s", path);
  }
  for (int i = 0; i < 2; i++) {
    if (setns(fds[i], types[i]) < 0) die_step("setns", errno, "join the %s namespace of %d", ns[i], pid);
    close(fds[i]);
  }
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  sigprocmask(SIG_BLOCK, &term, NULL);
  int sigfd = signalfd(-1, &term, SFD_CLOEXEC);
  if (sigfd < 0) die_step("signalfd", errno, "signalfd");
  /* Bound and joined: tspod may return to the user now. */
  if (write(1, "ready\n", 6) != 6) { /* tspod stopped listening: carry on */ }
  close(1);

  char buf[65536];
  for (;;) {
    struct pollfd p[3 + MAX_CLIENTS];
    p[0] = (struct pollfd){.fd = hostfd, .events = POLLIN};
    p[1] = (struct pollfd){.fd = pidfd, .events = POLLIN};
    p[2] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    for (int i = 0; i < nclients; i++) p[3 + i] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
    int n = poll(p, 3 + nclients, 10000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die_step("poll", errno, "poll");
    }
    if (p[1].revents || p[2].revents) return 0; /* the container is gone, or we are told to go */
    if (p[0].revents & POLLIN) {
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      ssize_t r = recvfrom(hostfd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
      int c = r >= 0 ? client_for(&from, ctr_port) : -1;
      if (c >= 0) {
        clients[c].last = time(NULL);
        if (send(clients[c].fd, buf, r, 0) < 0) { /* nothing listens yet: the datagram is lost, as UDP's are */ }
      }
    }
    /* Replies, newest clients first so forgetting one does not skip another. */
    for (int i = nclients - 1; i >= 0; i--) {
      if (!(p[3 + i].revents & (POLLIN | POLLERR))) continue;
      ssize_t r = recv(clients[i].fd, buf, sizeof buf, 0);
      if (r >= 0) {
        clients[i].last = time(NULL);
        sendto(hostfd, buf, r, 0, (struct sockaddr *)&clients[i].addr, sizeof clients[i].addr);
      }
    }
    time_t now = time(NULL);
    for (int i = nclients - 1; i >= 0; i--)
      if (now - clients[i].last > IDLE_SECONDS) forget(i);
  }
}
