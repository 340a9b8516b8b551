/* tspod-dns: the DNS responder of user-defined networks. It runs inside the
 * rootless network namespace and answers, on each bridge's gateway address,
 * the names of the containers on the networks the asking container is on (its
 * address says which; else the gateway's network): container names, aliases,
 * short ids (A, AAAA and PTR); other names go to the upstream
 * resolver (slirp4netns's 10.0.2.3), unless the network is internal.
 *
 * Usage: tspod-dns [--port N] RECORDS-FILE
 *
 * RECORDS-FILE (rewritten atomically by tspod; read again on SIGHUP):
 *   server GATEWAY-IPV4 [internal]     listen on GATEWAY:53 (UDP) for one network
 *   upstream IPV4 [PORT]               where other names are forwarded (port 53)
 *   host GATEWAY-IPV4 NAME ADDRESS [OWNER]
 *                                      NAME is ADDRESS (v4 or v6) on that network;
 *                                      OWNER (a container's short id) ties a
 *                                      container's addresses on several networks
 *
 * Every packet is checked against its length before anything is read from it;
 * a packet that is not a well-formed query is dropped or answered FORMERR.
 * It exits on SIGTERM, or when its parent (the namespace holder) dies. */
#include "common.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>

const char *helper_name = "tspod-dns";

#define MAX_SERVERS 64
#define MAX_HOSTS 16384
#define MAX_PENDING 256
#define FORWARD_TIMEOUT 5
#define MAX_UDP 512
#define BUF_SIZE 4096

struct server {
  struct in_addr ip;
  int internal;
  int fd;
};

struct host {
  int server; /* index into servers */
  char name[256]; /* lower case, no trailing dot */
  int family;
  unsigned char addr[16];
  char owner[16];
};

struct pending {
  int used;
  uint16_t new_id, orig_id;
  struct sockaddr_in client;
  int server;
  time_t when;
};

static struct server servers[MAX_SERVERS];
static int nservers;
static struct host *hosts;
static int nhosts;
static struct in_addr upstream;
static unsigned short upstream_port = 53;
static int have_upstream;
static struct pending pending[MAX_PENDING];
static int upstream_fd = -1;
static unsigned short port = 53;
static const char *records_path;

/* ---- the records file ---- */

static void lower(char *s) {
  for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static int find_server(struct server *list, int n, struct in_addr ip) {
  for (int i = 0; i < n; i++)
    if (list[i].ip.s_addr == ip.s_addr) return i;
  return -1;
}

static int bind_server(struct in_addr ip) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    fprintf(stderr, "%s: listen: socket: %s\n", helper_name, strerror(errno));
    return -1;
  }
  int one = 1;
  /* The bridge may get its address just after the records name it. */
  if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one) < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
    fprintf(stderr, "%s: listen: setsockopt %s: %s\n", helper_name, inet_ntoa(ip), strerror(errno));
    close(fd);
    return -1;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ip};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    fprintf(stderr, "%s: listen: bind %s:%u: %s\n", helper_name, inet_ntoa(ip), port, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

/* Reads the records into new tables; sockets of servers that stay are kept,
 * the others closed, new ones bound. A file that cannot be read keeps the old
 * tables (and says so). */
static void load_records(void) {
  FILE *f = fopen(records_path, "re");
  if (!f) {
    fprintf(stderr, "%s: records: open %s: %s\n", helper_name, records_path, strerror(errno));
    return;
  }
  struct server nsrv[MAX_SERVERS];
  int nn = 0;
  struct host *nh = calloc(MAX_HOSTS, sizeof *nh);
  if (!nh) die_step("records", errno, "calloc");
  int nnh = 0, nup = 0;
  struct in_addr up = {0};
  unsigned short upport = 53;
  char line[1024];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) { /* an over-long line: skip the rest of it */
      int c;
      while ((c = fgetc(f)) != EOF && c != '\n') {}
      fprintf(stderr, "%s: records: line %d too long, ignored\n", helper_name, lineno);
      continue;
    }
    char *save = NULL, *kind = strtok_r(line, " \t\r\n", &save);
    if (!kind || kind[0] == '#') continue;
    char *a = strtok_r(NULL, " \t\r\n", &save), *b = strtok_r(NULL, " \t\r\n", &save), *c = strtok_r(NULL, " \t\r\n", &save);
    char *d = strtok_r(NULL, " \t\r\n", &save);
    struct in_addr ip;
    if (!strcmp(kind, "server") && a && inet_pton(AF_INET, a, &ip) == 1) {
      if (find_server(nsrv, nn, ip) >= 0 || nn == MAX_SERVERS) continue;
      nsrv[nn++] = (struct server){.ip = ip, .internal = b && !strcmp(b, "internal"), .fd = -1};
    } else if (!strcmp(kind, "upstream") && a && inet_pton(AF_INET, a, &up) == 1) {
      nup = 1;
      upport = b ? (unsigned short)atoi(b) : 53;
      if (upport == 0) nup = 0;
    } else if (!strcmp(kind, "host") && a && b && c && inet_pton(AF_INET, a, &ip) == 1 && strlen(b) < sizeof nh[0].name) {
      int s = find_server(nsrv, nn, ip);
      if (s < 0 || nnh == MAX_HOSTS) continue;
      struct host *h = &nh[nnh];
      h->server = s;
      strcpy(h->name, b);
      lower(h->name);
      size_t l = strlen(h->name);
      if (l && h->name[l - 1] == '.') h->name[l - 1] = 0;
      if (inet_pton(AF_INET, c, h->addr) == 1) h->family = AF_INET;
      else if (inet_pton(AF_INET6, c, h->addr) == 1) h->family = AF_INET6;
      else continue;
      if (d && strlen(d) < sizeof h->owner) strcpy(h->owner, d);
      else h->owner[0] = 0;
      nnh++;
    } else {
      fprintf(stderr, "%s: records: line %d not understood, ignored\n", helper_name, lineno);
    }
  }
  fclose(f);
  /* keep the sockets of servers that stay; close the others; bind the new ones */
  for (int i = 0; i < nservers; i++) {
    int j = find_server(nsrv, nn, servers[i].ip);
    if (j >= 0) nsrv[j].fd = servers[i].fd;
    else close(servers[i].fd);
  }
  for (int j = 0; j < nn; j++)
    if (nsrv[j].fd < 0) nsrv[j].fd = bind_server(nsrv[j].ip);
  memcpy(servers, nsrv, sizeof nsrv[0] * nn);
  nservers = nn;
  free(hosts);
  hosts = nh;
  nhosts = nnh;
  upstream = up;
  upstream_port = upport;
  have_upstream = nup;
  /* replies still pending name servers by index: they may have moved */
  memset(pending, 0, sizeof pending);
}

/* ---- packets ---- */

struct question {
  char name[256]; /* dotted, lower case, no trailing dot */
  uint16_t type, klass;
  size_t end; /* offset just past the question */
};

static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

/* The single question of a query; -1 when it is malformed. No compression
 * pointers are allowed in a question (a query has nothing to point back to). */
static int parse_question(const unsigned char *pkt, size_t len, struct question *q) {
  size_t off = 12, out = 0;
  for (;;) {
    if (off >= len) return -1;
    unsigned l = pkt[off++];
    if (l == 0) break;
    if (l > 63) return -1;
    if (off + l > len || out + l + 1 >= sizeof q->name) return -1;
    if (out) q->name[out++] = '.';
    for (unsigned i = 0; i < l; i++) {
      unsigned char ch = pkt[off + i];
      if (ch == 0 || ch == '.' || ch <= ' ' || ch >= 0x7f) return -1;
      q->name[out++] = (char)tolower(ch);
    }
    off += l;
  }
  q->name[out] = 0;
  if (off + 4 > len) return -1;
  q->type = get16(pkt + off);
  q->klass = get16(pkt + off + 2);
  q->end = off + 4;
  return 0;
}

#define T_A 1
#define T_PTR 12
#define T_AAAA 28
#define T_ANY 255

/* NAME with podman's search domain stripped ("web.dns.podman" is "web"). */
static const char *short_name(const char *name, char *buf, size_t size) {
  const char *suffix = ".dns.podman";
  size_t l = strlen(name), s = strlen(suffix);
  if (l > s && !strcmp(name + l - s, suffix) && l - s < size) {
    memcpy(buf, name, l - s);
    buf[l - s] = 0;
    return buf;
  }
  return name;
}

/* The address a reverse name (d.c.b.a.in-addr.arpa) stands for. */
static int reverse_v4(const char *name, unsigned char out[4]) {
  unsigned o[4];
  char rest[32];
  if (sscanf(name, "%3u.%3u.%3u.%3u.%31s", &o[0], &o[1], &o[2], &o[3], rest) != 5 || strcmp(rest, "in-addr.arpa")) return -1;
  for (int i = 0; i < 4; i++) {
    if (o[i] > 255) return -1;
    out[3 - i] = (unsigned char)o[i];
  }
  return 0;
}

/* Appends NAME as labels at OUT+*off (within SIZE); -1 when it does not fit. */
static int put_name(unsigned char *out, size_t size, size_t *off, const char *name) {
  const char *p = name;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    if (l == 0 || l > 63 || *off + 1 + l >= size) return -1;
    out[(*off)++] = (unsigned char)l;
    memcpy(out + *off, p, l);
    *off += l;
    p += l + (dot ? 1 : 0);
  }
  if (*off + 1 > size) return -1;
  out[(*off)++] = 0;
  return 0;
}

/* Appends one answer record pointing back at the question's name. */
static int put_answer(unsigned char *out, size_t size, size_t *off, uint16_t type, const unsigned char *rdata, size_t rdlen) {
  if (*off + 12 + rdlen > size) return -1;
  put16(out + *off, 0xc00c);
  put16(out + *off + 2, type);
  put16(out + *off + 4, 1); /* IN */
  memset(out + *off + 6, 0, 4); /* TTL 0: containers come and go */
  put16(out + *off + 10, (uint16_t)rdlen);
  memcpy(out + *off + 12, rdata, rdlen);
  *off += 12 + rdlen;
  return 0;
}

/* The reply header: the query's id and RD, with QR, AA, RA and RCODE. */
static void reply_header(unsigned char *out, const unsigned char *pkt, int rcode, uint16_t qd, uint16_t an) {
  put16(out, get16(pkt));
  out[2] = 0x80 | 0x04 | (pkt[2] & 0x01); /* QR, AA, RD as asked */
  out[3] = 0x80 | (rcode & 0x0f);        /* RA */
  put16(out + 4, qd);
  put16(out + 6, an);
  put16(out + 8, 0);
  put16(out + 10, 0);
}

/* The networks whose names CLIENT may see: every network it has an address on
 * (a container on two networks resolves the names of both, whichever gateway it
 * asks), else the network of the gateway it asked. */
static uint64_t visible_servers(int server, struct in_addr client) {
  uint64_t set = 0;
  for (int i = 0; i < nhosts; i++) {
    if (hosts[i].family != AF_INET || memcmp(hosts[i].addr, &client.s_addr, 4)) continue;
    set |= 1ULL << hosts[i].server;
    /* the same container's other networks */
    if (!hosts[i].owner[0]) continue;
    for (int j = 0; j < nhosts; j++)
      if (!strcmp(hosts[j].owner, hosts[i].owner)) set |= 1ULL << hosts[j].server;
  }
  return set ? set : 1ULL << server;
}

/* Builds the local answer into OUT; returns its length, 0 when the name is
 * not one of the networks' CLIENT sees (forward it), -1 for a malformed query. */
static ssize_t local_answer(int server, struct in_addr client, const unsigned char *pkt, size_t len, unsigned char *out) {
  uint64_t seen = visible_servers(server, client);
  struct question q;
  if (parse_question(pkt, len, &q) < 0) return -1;
  if (q.klass != 1 && q.klass != 255) return 0;
  size_t off = q.end;
  memcpy(out, pkt, q.end);
  uint16_t an = 0;
  int known = 0;
  if (q.type == T_PTR) {
    unsigned char a4[4];
    if (reverse_v4(q.name, a4) < 0) return 0;
    for (int i = 0; i < nhosts; i++) {
      if (!(seen >> hosts[i].server & 1) || hosts[i].family != AF_INET || memcmp(hosts[i].addr, a4, 4)) continue;
      unsigned char rdata[258];
      size_t rl = 0;
      if (put_name(rdata, sizeof rdata, &rl, hosts[i].name) < 0) continue;
      known = 1;
      if (put_answer(out, MAX_UDP, &off, T_PTR, rdata, rl) == 0) an++;
      break; /* the first name (the container's own) is the answer */
    }
  } else {
    char buf[256];
    const char *name = short_name(q.name, buf, sizeof buf);
    for (int i = 0; i < nhosts; i++) {
      if (!(seen >> hosts[i].server & 1) || strcmp(hosts[i].name, name)) continue;
      known = 1;
      uint16_t t = hosts[i].family == AF_INET ? T_A : T_AAAA;
      if (q.type != t && q.type != T_ANY) continue;
      if (put_answer(out, MAX_UDP, &off, t, hosts[i].addr, t == T_A ? 4 : 16) == 0) an++;
    }
  }
  if (!known) return 0;
  reply_header(out, pkt, 0, 1, an);
  return (ssize_t)off;
}

/* ---- forwarding ---- */

static void forward(int server, const unsigned char *pkt, size_t len, const struct sockaddr_in *client) {
  time_t now = time(NULL);
  int slot = -1;
  for (int i = 0; i < MAX_PENDING; i++) {
    if (pending[i].used && now - pending[i].when > FORWARD_TIMEOUT) pending[i].used = 0;
    if (!pending[i].used && slot < 0) slot = i;
  }
  if (slot < 0) return; /* too many outstanding: the client retries */
  uint16_t id;
  for (;;) {
    if (getrandom(&id, sizeof id, 0) != sizeof id) return;
    int clash = 0;
    for (int i = 0; i < MAX_PENDING; i++) clash |= pending[i].used && pending[i].new_id == id;
    if (!clash) break;
  }
  unsigned char buf[BUF_SIZE];
  memcpy(buf, pkt, len);
  put16(buf, id);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(upstream_port), .sin_addr = upstream};
  if (sendto(upstream_fd, buf, len, 0, (struct sockaddr *)&to, sizeof to) < 0) return;
  pending[slot] = (struct pending){.used = 1, .new_id = id, .orig_id = get16(pkt), .client = *client, .server = server, .when = now};
}

static void upstream_reply(void) {
  unsigned char buf[BUF_SIZE];
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  ssize_t n = recvfrom(upstream_fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  if (n < 12 || fl != sizeof from || from.sin_addr.s_addr != upstream.s_addr || from.sin_port != htons(upstream_port) || !(buf[2] & 0x80)) return;
  uint16_t id = get16(buf);
  for (int i = 0; i < MAX_PENDING; i++) {
    if (!pending[i].used || pending[i].new_id != id) continue;
    pending[i].used = 0;
    if (pending[i].server >= nservers || servers[pending[i].server].fd < 0) return;
    put16(buf, pending[i].orig_id);
    (void)sendto(servers[pending[i].server].fd, buf, (size_t)n, 0, (struct sockaddr *)&pending[i].client, sizeof pending[i].client);
    return;
  }
}

/* ---- one query ---- */

static void query(int server) {
  unsigned char pkt[BUF_SIZE], out[BUF_SIZE];
  struct sockaddr_in client;
  socklen_t cl = sizeof client;
  ssize_t n = recvfrom(servers[server].fd, pkt, sizeof pkt, 0, (struct sockaddr *)&client, &cl);
  if (n < 0 || cl != sizeof client) return;
  /* shorter than a header, or a reply (never answer answers: no loops): dropped */
  if (n < 12 || (pkt[2] & 0x80)) return;
  int opcode = (pkt[2] >> 3) & 0x0f;
  ssize_t r;
  if (opcode != 0) {
    reply_header(out, pkt, 4 /* NOTIMP */, 0, 0);
    r = 12;
  } else if (get16(pkt + 4) != 1) {
    reply_header(out, pkt, 1 /* FORMERR */, 0, 0);
    r = 12;
  } else {
    r = local_answer(server, client.sin_addr, pkt, (size_t)n, out);
    if (r < 0) {
      reply_header(out, pkt, 1, 0, 0);
      r = 12;
    } else if (r == 0) {
      if (have_upstream && !servers[server].internal && upstream_fd >= 0) {
        forward(server, pkt, (size_t)n, &client);
        return;
      }
      /* no way out: the name does not exist as far as this network knows */
      struct question q;
      parse_question(pkt, (size_t)n, &q);
      memcpy(out, pkt, q.end);
      reply_header(out, pkt, 3 /* NXDOMAIN */, 1, 0);
      r = (ssize_t)q.end;
    }
  }
  /* a reply that cannot be sent (the client went away, a full buffer) is dropped: the client retries */
  (void)sendto(servers[server].fd, out, (size_t)r, 0, (struct sockaddr *)&client, cl);
}

int main(int argc, char **argv) {
  int i = 1;
  if (i + 1 < argc && !strcmp(argv[i], "--port")) {
    port = (unsigned short)atoi(argv[i + 1]);
    i += 2;
  }
  if (i + 1 != argc || port == 0) {
    fprintf(stderr, "usage: %s [--port N] RECORDS-FILE\n", helper_name);
    return 125;
  }
  records_path = argv[i];

  /* step 1: die with the namespace holder */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) die_step("prctl", errno, "PR_SET_PDEATHSIG");
  if (getppid() != parent) return 0;

  /* step 2: signals through a signalfd (HUP: read the records again; TERM, INT: exit) */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die_step("signals", errno, "sigprocmask");
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die_step("signals", errno, "signalfd");

  /* step 3: the socket for forwarded queries, then the records (which bind the servers) */
  upstream_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (upstream_fd < 0) die_step("upstream", errno, "socket");
  load_records();

  /* step 4: serve */
  for (;;) {
    struct pollfd pfd[MAX_SERVERS + 2];
    int map[MAX_SERVERS];
    int n = 0;
    pfd[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    pfd[n++] = (struct pollfd){.fd = upstream_fd, .events = POLLIN};
    for (int s = 0; s < nservers; s++) {
      if (servers[s].fd < 0) continue;
      map[n - 2] = s;
      pfd[n++] = (struct pollfd){.fd = servers[s].fd, .events = POLLIN};
    }
    if (poll(pfd, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      die_step("serve", errno, "poll");
    }
    if (pfd[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      int reload = 0;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGHUP) reload = 1;
        else return 0;
      }
      if (reload) {
        load_records();
        continue; /* the servers may have changed: poll again */
      }
    }
    if (pfd[1].revents & POLLIN) upstream_reply();
    for (int k = 2; k < n; k++)
      if (pfd[k].revents & POLLIN) query(map[k - 2]);
  }
}
