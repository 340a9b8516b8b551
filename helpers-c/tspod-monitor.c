/* tspod-monitor: the parent of a detached container, as conmon is for
 * podman. It double-forks away from tspod, starts tspod-launch with the
 * container's stdout and stderr on pipes, writes what they carry to a log in
 * the k8s-file format ("TIMESTAMP stdout|stderr F|P text") or the journal
 * (logsink.c), and when the
 * container exits writes its exit code atomically and runs the exit command
 * (tspod's cleanup). With -t the container's terminal, allocated in its own
 * devpts, comes back to us over a socket (SCM_RIGHTS): we hold the pty
 * master and serve an attach socket (tspod attach), where
 * clients send frames ('d' + length + bytes of input, 'r' + length + "ROWS
 * COLS") and receive the terminal's raw output.
 * Usage: tspod-monitor [-S MAX-SIZE | -j ID NAME TAG] [-T SECONDS] [-t ATTACH-SOCKET | -s ATTACH-SOCKET]
 *          [-i] [-w] [-n NOTIFY-SOCKET] LOG EXITFILE PIDFILE HELPER [-- EXIT-COMMAND...]
 * Without a terminal (-s) clients get the output as frames ('o'/'e' + length + bytes) and with -i
 * send input ('d' frames; 'c' when theirs ends, which closes the container's stdin).
 * LOG "-": nothing is logged (--log-driver none); -j: to the journal, LOG is "-".
 *
 * `tspod attach` runs the client side too (node cannot switch off a
 * terminal's output processing): tspod-monitor -A ATTACH-SOCKET [KEY,KEY...]
 * puts our terminal fully raw, relays it to the socket with its window size,
 * and exits 0 when the container's terminal closes, 3 on the detach keys;
 * tspod-monitor -a ATTACH-SOCKET KEYS [noinput] is the client of a container
 * without a terminal (output to our stdout and stderr, our terminal as it is). */
#include "common.h"
#include "logsink.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <termios.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

const char *helper_name = "tspod-monitor";

/* Atomic for readers (temp file, rename); DURABLE adds an fsync first: the exit status must
 * survive a crash, the monitor's pid file means nothing after a reboot. */
static void write_file_atomic(const char *path, const char *text, int durable) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (write_all(fd, text, strlen(text)) == 0 && (!durable || fsync(fd) == 0)) {
    close(fd);
    rename(tmp, path);
    return;
  }
  close(fd);
  unlink(tmp);
}

/* ---- the terminal and its attach socket ----------------------------------- */

#define MAX_CLIENTS 16

struct client {
  int fd;
  unsigned char buf[4096];
  size_t len;
};

static int attach_listen(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die_step("attach", errno, "socket");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) die_step("attach", 0, "socket path too long: %s", path);
  strcpy(sa.sun_path, path);
  unlink(path);
  mode_t old = umask(0077); /* only the user may attach */
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die_step("attach", errno, "bind %s", path);
  umask(old);
  if (listen(fd, 4) < 0) die_step("attach", errno, "listen");
  return fd;
}

/* A frame: its type, a 16-bit length and the bytes. */
static int send_frame(int sock, char type, const void *payload, size_t n) {
  unsigned char head[3] = {(unsigned char)type, (unsigned char)(n >> 8), (unsigned char)n};
  return write_all(sock, head, 3) < 0 || write_all(sock, payload, n) < 0 ? -1 : 0;
}

/* Handle every complete frame a client sent: input for the terminal, or a size. */
static void client_frames(struct client *c, int master) {
  size_t off = 0;
  while (c->len - off >= 3) {
    size_t n = (c->buf[off + 1] << 8) | c->buf[off + 2];
    if (c->len - off - 3 < n) break;
    unsigned char *payload = c->buf + off + 3;
    if (c->buf[off] == 'd') {
      write_all(master, payload, n); /* non-blocking: what the terminal cannot take is dropped */
    } else if (c->buf[off] == 'r') {
      char text[32] = {0};
      memcpy(text, payload, n < sizeof text - 1 ? n : sizeof text - 1);
      struct winsize ws = {0};
      if (sscanf(text, "%hu %hu", &ws.ws_row, &ws.ws_col) == 2) ioctl(master, TIOCSWINSZ, &ws);
    }
    off += 3 + n;
  }
  memmove(c->buf, c->buf + off, c->len - off);
  c->len -= off;
}

/* ---- attach clients, with or without a terminal ------------------------------ */

/* Clients are non-blocking both ways. Output goes to each in whole frames (or whole chunks of a
 * terminal's output): a client that cannot take one at once is dropped, since a part would cut
 * its stream, so a client that stops reading never holds up the monitor, the container or its
 * log. A dropped or departed client is marked (fd -1) and swept at the end of the round, so no
 * poll entry ever stands for another client. */
static void client_output(struct client *c, char type, const void *data, size_t n) {
  if (c->fd < 0) return;
  unsigned char head[3] = {(unsigned char)type, (unsigned char)(n >> 8), (unsigned char)n};
  struct iovec iov[2] = {{.iov_base = head, .iov_len = type ? 3 : 0}, {.iov_base = (void *)data, .iov_len = n}};
  ssize_t w;
  while ((w = writev(c->fd, iov, 2)) < 0 && errno == EINTR)
    ;
  if (w != (ssize_t)(iov[0].iov_len + n)) {
    close(c->fd);
    c->fd = -1;
  }
}

static void sweep_clients(struct client *clients, int *n) {
  int k = 0;
  for (int i = 0; i < *n; i++)
    if (clients[i].fd >= 0) clients[k++] = clients[i];
  *n = k;
}

static void accept_client(int listener, struct client *clients, int *n) {
  int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c >= 0 && *n < MAX_CLIENTS) clients[(*n)++] = (struct client){.fd = c};
  else if (c >= 0) close(c);
}

/* Read what a client sent; 0 when it has gone (it is then closed and marked). */
static int client_read(struct client *c) {
  ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
  if (r > 0) {
    c->len += (size_t)r;
    return 1;
  }
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  close(c->fd);
  c->fd = -1;
  return 0;
}

/* Until the container's side of the terminal closes, or the container's process has exited
 * (CHILD: a pidfd for tspod-launch, which exits with it; an orphan left in a joined pid namespace
 * may hold the terminal open for ever): log its output, pass it to attached clients, pass their
 * input and sizes to it. Input the terminal cannot take at once is dropped (non-blocking
 * master), so a container that does not read its terminal never stops its output. */
static void serve_terminal(int master, int listener, int child) {
  struct client clients[MAX_CLIENTS];
  int nclients = 0, gone = 0;
  static struct log_stream term; /* not zeroed on the stack: see main's streams */
  term.name = "stdout";
  term.fd = master;
  term.len = 0;
  set_nonblocking(master);
  for (;;) {
    struct pollfd pfd[3 + MAX_CLIENTS];
    pfd[0] = (struct pollfd){.fd = master, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = listener, .events = POLLIN};
    pfd[2] = (struct pollfd){.fd = gone ? -1 : child, .events = POLLIN};
    int polled = nclients;
    for (int i = 0; i < polled; i++) pfd[3 + i] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
    if (poll(pfd, 3 + polled, gone ? 0 : -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pfd[2].revents & POLLIN) gone = 1; /* read what is there, then stop */
    int got = 0;
    if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) || gone) {
      char buf[8192];
      ssize_t r = read(master, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break; /* EIO: the container's side is gone */
      if (r > 0) {
        got = 1;
        for (int i = 0; i < nclients; i++) client_output(&clients[i], 0, buf, (size_t)r);
        /* The log keeps lines without the terminal's carriage returns. */
        log_feed(&term, buf, (size_t)r, 1);
      }
    }
    if (gone && !got) break;
    for (int i = 0; i < polled; i++) {
      if (clients[i].fd < 0 || !(pfd[3 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (client_read(&clients[i])) client_frames(&clients[i], master);
    }
    sweep_clients(clients, &nclients);
    if (pfd[1].revents & POLLIN) accept_client(listener, clients, &nclients);
  }
  log_drain(&term, 1);
  for (int i = 0; i < nclients; i++) close(clients[i].fd);
  close(listener);
}

/* ---- --sdnotify=container: the container's notify socket ------------------ */

/* -n PATH: a datagram socket at PATH (the container sees it as /run/notify/notify.sock), bound
 * before the container starts, and a small process that passes what arrives there on to
 * $NOTIFY_SOCKET, as podman's conmon does: READY=1, STATUS=..., WATCHDOG=1 and the rest, without
 * MAINPID= (a pid of the container's means nothing to systemd; tspod names the monitor). It ends
 * with the monitor (PR_SET_PDEATHSIG). A proxy that cannot start does not stop the container
 * (tspod checked NOTIFY_SOCKET first): its notifications then go nowhere, as without the flag. */
static void start_notify_proxy(const char *path) {
  const char *target = getenv("NOTIFY_SOCKET");
  struct sockaddr_un to;
  socklen_t tolen = target ? notify_address(target, &to) : 0;
  /* bound by its name in its directory: a container's directory is too deep for sun_path */
  const char *slash = strrchr(path, '/');
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (!tolen || !slash || strlen(slash + 1) >= sizeof sa.sun_path) return;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  int in = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (in < 0) return;
  strcpy(sa.sun_path, slash + 1);
  int bound = 0;
  if (chdir(dir) == 0) {
    unlink(sa.sun_path); /* a socket (or anything) the container left there */
    bound = bind(in, (struct sockaddr *)&sa, sizeof sa) == 0;
  }
  if (chdir("/") < 0) bound = 0;
  pid_t parent = getpid();
  pid_t p = bound ? fork() : -1;
  if (p != 0) {
    close(in);
    return;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) _exit(0);
  int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (out < 0) _exit(1);
  char buf[4096], fwd[4096];
  for (;;) {
    ssize_t r = recv(in, buf, sizeof buf - 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) _exit(1);
    /* line by line, MAINPID= left out */
    size_t n = 0;
    for (char *line = buf, *end = buf + r; line < end;) {
      char *nl = memchr(line, '\n', (size_t)(end - line));
      size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
      if (len > 0 && !(len >= 8 && !memcmp(line, "MAINPID=", 8))) {
        memcpy(fwd + n, line, len);
        n += len;
        fwd[n++] = '\n';
      }
      line += len + 1;
    }
    if (n > 0) sendto(out, fwd, n, MSG_NOSIGNAL, (struct sockaddr *)&to, tolen);
  }
}

/* ---- without a terminal: the streams, and -i's input ------------------------ */

/* Until both of the container's pipes close, or the container's process has exited (CHILD, as
 * for the terminal: an orphan in a joined pid namespace may hold the pipes): log stdout and
 * stderr, pass them to attached clients as 'o' and 'e' frames, and (-i: IN is the container's
 * stdin) pass the clients' 'd' frames to it until one's input ends ('c': the container's stdin
 * closes, as podman's attach closes it). Clients are read only while no input waits (and are
 * not polled at all meanwhile), and never past the room left, so a container that does not read
 * its stdin holds its clients' input back, never its output or its log. */
static void serve_streams(struct log_stream *streams, int listener, int in, int wait_first, int child) {
  static struct client clients[MAX_CLIENTS]; /* static: untouched pages cost nothing (see main) */
  static unsigned char pending[MAX_CLIENTS * sizeof clients[0].buf];
  size_t plen = 0, poff = 0;
  int nclients = 0, open_streams = 2, close_in = 0, gone = 0;
  for (int i = 0; i < 2; i++) set_nonblocking(streams[i].fd);
  /* -w (start -a -i): the first client is waited for (10 s at most) before any output is read, so
   * it sees all of it; meanwhile the output waits in the pipes. */
  if (wait_first && listener >= 0) {
    struct pollfd l = {.fd = listener, .events = POLLIN};
    int r;
    while ((r = poll(&l, 1, 10000)) < 0 && errno == EINTR)
      ;
    if (r > 0) accept_client(listener, clients, &nclients);
  }
  while (open_streams > 0) {
    struct pollfd pfd[5 + MAX_CLIENTS];
    int n = 0, at_stream[2] = {-1, -1}, at_listener = -1, at_in = -1, at_child = -1;
    for (int i = 0; i < 2; i++)
      if (streams[i].fd >= 0) {
        at_stream[i] = n;
        pfd[n++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
      }
    if (listener >= 0) {
      at_listener = n;
      pfd[n++] = (struct pollfd){.fd = listener, .events = POLLIN};
    }
    if (in >= 0 && plen > poff) {
      at_in = n;
      pfd[n++] = (struct pollfd){.fd = in, .events = POLLOUT};
    }
    if (child >= 0 && !gone) {
      at_child = n;
      pfd[n++] = (struct pollfd){.fd = child, .events = POLLIN};
    }
    int first_client = n, polled = nclients;
    for (int i = 0; i < polled; i++) pfd[n++] = (struct pollfd){.fd = plen == 0 ? clients[i].fd : -1, .events = POLLIN};
    if (poll(pfd, n, gone ? 0 : -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (at_child >= 0 && (pfd[at_child].revents & POLLIN)) gone = 1; /* read what is there, then stop */
    int got = 0;
    for (int i = 0; i < 2; i++) {
      struct log_stream *s = &streams[i];
      if (at_stream[i] < 0 || !(gone || (pfd[at_stream[i]].revents & (POLLIN | POLLHUP | POLLERR)))) continue;
      ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {
        log_drain(s, 1);
        close(s->fd);
        s->fd = -1;
        open_streams--;
        continue;
      }
      got = 1;
      for (int c = 0; c < nclients; c++) client_output(&clients[c], i == 0 ? 'o' : 'e', s->buf + s->len, (size_t)r);
      s->len += (size_t)r;
      log_drain(s, 0);
    }
    if (gone && !got) break;
    if (at_in >= 0 && (pfd[at_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in, pending + poff, plen - poff);
      if (w > 0) poff += (size_t)w;
      else if (w < 0 && errno != EINTR && errno != EAGAIN) {
        /* the container closed its stdin: what waits goes nowhere */
        close(in);
        in = -1;
        poff = plen;
      }
    }
    if (poff == plen) plen = poff = 0;
    for (int i = 0; i < polled; i++) {
      struct client *cl = &clients[i];
      if (cl->fd < 0 || !(pfd[first_client + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (!client_read(cl)) continue;
      size_t off = 0;
      while (cl->len - off >= 3) {
        size_t len = (cl->buf[off + 1] << 8) | cl->buf[off + 2];
        if (cl->len - off - 3 < len) break;
        if (cl->buf[off] == 'd' && in >= 0 && !close_in && len <= sizeof pending - plen) {
          memcpy(pending + plen, cl->buf + off + 3, len);
          plen += len;
        } else if (cl->buf[off] == 'c') {
          close_in = 1;
        }
        off += 3 + len;
      }
      memmove(cl->buf, cl->buf + off, cl->len - off);
      cl->len -= off;
      /* a frame that can never fit the buffer: the client does not speak the protocol */
      if (cl->len == sizeof cl->buf) {
        close(cl->fd);
        cl->fd = -1;
      }
    }
    sweep_clients(clients, &nclients);
    if (at_listener >= 0 && (pfd[at_listener].revents & POLLIN)) accept_client(listener, clients, &nclients);
    if (close_in && plen == 0 && in >= 0) {
      close(in);
      in = -1;
    }
  }
  for (int i = 0; i < 2; i++) {
    if (streams[i].fd < 0) continue;
    log_drain(&streams[i], 1);
    close(streams[i].fd);
  }
  for (int i = 0; i < nclients; i++) close(clients[i].fd);
  if (in >= 0) close(in);
}

/* The pty master the container's side of tspod-launch sends, or -1 if the
 * socket closes first. Only a pty master is accepted. */
static int receive_master(int sock) {
  int fd, n;
  if (recv_fd(sock, &fd) <= 0 || fd < 0) return -1;
  if (ioctl(fd, TIOCGPTN, &n) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- the attach client (tspod attach) ----------------------------------- */

static void send_size(int sock) {
  struct winsize ws;
  for (int fd = 0; fd < 3; fd++) {
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
      char text[32];
      int n = snprintf(text, sizeof text, "%u %u", ws.ws_row, ws.ws_col);
      send_frame(sock, 'r', text, n);
      return;
    }
  }
}

/* STREAM: a container without a terminal: its output comes as 'o' and 'e' frames, our terminal
 * stays as it is, and the end of our input closes the container's stdin ('c'); NO_INPUT: none is
 * read (attach --no-stdin). */
static int attach_client(const char *path, const char *keyspec, int stream, int no_input) {
  unsigned char keys[16];
  size_t nkeys = 0, matched = 0;
  for (const char *p = keyspec; p && *p && nkeys < sizeof keys;) {
    char *end;
    unsigned long k = strtoul(p, &end, 10);
    if (end == p || k > 255) die_step("attach", 0, "bad detach keys %s", keyspec);
    keys[nkeys++] = (unsigned char)k;
    p = *end == ',' ? end + 1 : end;
  }
  int sock = unix_connect(path, "attach");
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die_step("attach", errno, "sigprocmask");
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die_step("attach", errno, "signalfd");
  signal(SIGPIPE, SIG_IGN);
  /* Fully raw, output processing included: the container's pty already
   * turned "\n" into "\r\n". */
  struct termios saved;
  int raw = !stream && isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    if (tcsetattr(0, TCSADRAIN, &t) < 0) die_step("attach", errno, "tcsetattr");
  }
  if (!stream) send_size(sock);
  int in = no_input ? -1 : 0, code = 0;
  static unsigned char frames[3 + 65535 + 16384];
  size_t flen = 0;
  for (;;) {
    struct pollfd pfd[3] = {{.fd = sock, .events = POLLIN}, {.fd = in, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(pfd, 3, -1) < 0) {
      if (errno == EINTR) continue;
      code = 125;
      break;
    }
    if (pfd[2].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si)
        ;
      if (!stream) send_size(sock);
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16384];
      ssize_t r = read(sock, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break; /* the container's terminal, or its streams, closed */
      if (!stream) {
        write_all(1, buf, r);
      } else {
        memcpy(frames + flen, buf, (size_t)r);
        flen += (size_t)r;
        size_t off = 0;
        while (flen - off >= 3) {
          size_t n = (frames[off + 1] << 8) | frames[off + 2];
          if (flen - off - 3 < n) break;
          if (frames[off] == 'o' || frames[off] == 'e') write_all(frames[off] == 'o' ? 1 : 2, frames + off + 3, n);
          off += 3 + n;
        }
        memmove(frames, frames + off, flen - off);
        flen -= off;
      }
    }
    if (in >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      unsigned char buf[1024], pass[1024 + sizeof keys];
      ssize_t r = read(in, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        in = -1; /* no more input; the output still comes */
        if (stream) send_frame(sock, 'c', "", 0);
        continue;
      }
      size_t n = 0;
      int detach = 0;
      for (ssize_t i = 0; i < r && !detach; i++) {
        if (nkeys && buf[i] == keys[matched]) {
          if (++matched == nkeys) detach = 1;
          continue;
        }
        /* A partial match that did not complete was input after all. */
        memcpy(pass + n, keys, matched);
        n += matched;
        matched = 0;
        if (nkeys && buf[i] == keys[0]) matched = 1;
        else pass[n++] = buf[i];
        if (n >= 1024) {
          send_frame(sock, 'd', pass, n);
          n = 0;
        }
      }
      if (n) send_frame(sock, 'd', pass, n);
      if (detach) {
        code = 3;
        break;
      }
    }
  }
  if (raw) tcsetattr(0, TCSADRAIN, &saved);
  close(sock);
  return code;
}

/* run --timeout: the helper (the container's parent, whose death kills the container) is killed. */
static volatile sig_atomic_t timed_out = 0;
static volatile pid_t container_child = -1;

static void on_timeout(int sig) {
  (void)sig;
  timed_out = 1;
  if (container_child > 0) kill(container_child, SIGKILL);
}

int main(int argc, char **argv) {
  const char *attach_path = NULL, *stream_path = NULL;
  int keep_stdin = 0, wait_first = 0;
  const char *notify_path = NULL;
  unsigned timeout = 0;
  unsigned long long log_max = 0;
  const char *journal[3] = {NULL, NULL, NULL};
  if (argc >= 3 && !strcmp(argv[1], "-A")) return attach_client(argv[2], argc > 3 ? argv[3] : "", 0, 0);
  /* -a SOCKET KEYS [noinput]: the client of a container without a terminal */
  if (argc >= 3 && !strcmp(argv[1], "-a")) return attach_client(argv[2], argc > 3 ? argv[3] : "", 1, argc > 4 && !strcmp(argv[4], "noinput"));
  if (argc > 2 && !strcmp(argv[1], "-S")) {
    log_max = strtoull(argv[2], NULL, 10);
    argv += 2;
    argc -= 2;
  }
  /* -j ID NAME TAG (--log-driver journald) */
  if (argc > 4 && !strcmp(argv[1], "-j")) {
    for (int i = 0; i < 3; i++) journal[i] = argv[2 + i];
    argv += 4;
    argc -= 4;
  }
  /* -T SECONDS (run --timeout): the container is killed then and its status is 255, as podman's conmon reports */
  if (argc > 2 && !strcmp(argv[1], "-T")) {
    timeout = (unsigned)strtoul(argv[2], NULL, 10);
    argv += 2;
    argc -= 2;
  }
  if (argc > 2 && !strcmp(argv[1], "-t")) {
    attach_path = argv[2];
    argv += 2;
    argc -= 2;
  }
  /* -s SOCKET: without a terminal, attach clients get the output streams as frames */
  if (argc > 2 && !strcmp(argv[1], "-s")) {
    stream_path = argv[2];
    argv += 2;
    argc -= 2;
  }
  /* -i: the container's stdin is a pipe kept open for attach clients' input (run -d -i); -w: and
   * the first client is waited for (start -a -i) */
  if (argc > 1 && !strcmp(argv[1], "-i")) {
    keep_stdin = 1;
    argv += 1;
    argc -= 1;
  }
  if (argc > 1 && !strcmp(argv[1], "-w")) {
    wait_first = 1;
    argv += 1;
    argc -= 1;
  }
  /* -n PATH (--sdnotify=container) */
  if (argc > 2 && !strcmp(argv[1], "-n")) {
    notify_path = argv[2];
    argv += 2;
    argc -= 2;
  }
  if (argc < 5) {
    fprintf(stderr, "usage: %s LOG EXITFILE PIDFILE HELPER [-- EXIT-COMMAND...]\n", helper_name);
    return 125;
  }
  const char *logpath = argv[1], *exitfile = argv[2], *pidfile = argv[3], *helper = argv[4];
  char **exit_cmd = NULL;
  if (argc > 6 && !strcmp(argv[5], "--")) exit_cmd = argv + 6;

  /* Away from tspod: a new session, and not a session leader (no terminal
   * can ever become ours). The first process exits at once. */
  pid_t p = fork();
  if (p < 0) die_step("daemonize", errno, "fork");
  if (p > 0) return 0;
  if (setsid() < 0) die_step("daemonize", errno, "setsid");
  p = fork();
  if (p < 0) die_step("daemonize", errno, "fork");
  if (p > 0) _exit(0);
  if (chdir("/") < 0) die_step("daemonize", errno, "chdir /");
  signal(SIGPIPE, SIG_IGN);
  if (notify_path) start_notify_proxy(notify_path);

  if (journal[0]) {
    if (log_open_journald(journal[0], journal[1], journal[2]) < 0) die_step("log", errno, "the journal's socket");
  } else if (strcmp(logpath, "-") && log_open_file(logpath, log_max) < 0) {
    die_step("log", errno, "open %s", logpath);
  }
  int out[2] = {-1, -1}, err[2] = {-1, -1}, console[2] = {-1, -1}, master = -1, listener = -1;
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die_step("pipes", errno, "pipe");
  if (attach_path) {
    /* The container allocates its terminal in its own devpts and sends us the
     * master over this socket (tspod-launch's TSPOD_CONSOLE_FD). */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) < 0) die_step("terminal", errno, "socketpair");
    listener = attach_listen(attach_path);
  } else if (stream_path) {
    listener = attach_listen(stream_path);
  }
  int in[2] = {-1, -1};
  if (keep_stdin && !attach_path && pipe2(in, O_CLOEXEC) < 0) die_step("pipes", errno, "pipe");

  pid_t child = fork();
  if (child < 0) die_step("start", errno, "fork");
  if (child == 0) {
    signal(SIGPIPE, SIG_DFL);
    /* stdin is /dev/null, stdout and stderr our pipes: the helper's own
     * messages are logged, and with -t the container's stdio is its terminal. */
    int devnull = in[0] >= 0 ? in[0] : open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(125);
    if (attach_path) {
      /* fd 3, inherited (dup2 clears close-on-exec); the helper marks it at once. */
      if (dup2(console[1], 3) < 0 || setenv("TSPOD_CONSOLE_FD", "3", 1) < 0) _exit(125);
    }
    execl(helper, "tspod-launch", (char *)NULL);
    _exit(125);
  }
  close(out[1]);
  close(err[1]);
  if (attach_path) close(console[1]);
  /* The helper exits with the container's process: a pidfd says so even while an orphan in a
   * joined pid namespace still holds the container's pipes or terminal (-1 on kernels before 5.3:
   * then only their closing ends the serving). */
  int child_fd = (int)syscall(SYS_pidfd_open, child, 0);
  if (in[0] >= 0) {
    close(in[0]);
    if (set_nonblocking(in[1]) < 0) die_step("pipes", errno, "make stdin non-blocking");
  }
  if (timeout) {
    container_child = child;
    struct sigaction sa = {.sa_handler = on_timeout};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) < 0) die_step("timeout", errno, "sigaction");
    alarm(timeout);
  }
  /* Our own stdio goes nowhere from here on. */
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (devnull > 2) close(devnull);
  }
  char pidtext[32];
  snprintf(pidtext, sizeof pidtext, "%d\n", getpid());
  write_file_atomic(pidfile, pidtext, 0);

  if (attach_path) {
    /* -1: the helper failed before the container had a terminal (its pipes say why). */
    master = receive_master(console[0]);
    close(console[0]);
    if (master >= 0) serve_terminal(master, listener, child_fd);
    else close(listener);
    unlink(attach_path);
  }
  /* Static and filled field by field: an initialised local would zero both 16 KiB buffers,
   * and every page touched stays in memory for the container's life (the memory kept per
   * container, docs/performance.md); untouched .bss pages cost nothing. */
  static struct log_stream streams[2];
  streams[0].name = "stdout";
  streams[0].fd = out[0];
  streams[1].name = "stderr";
  streams[1].fd = err[0];
  serve_streams(streams, attach_path ? -1 : listener, in[1], wait_first, child_fd);
  if (stream_path) {
    close(listener);
    unlink(stream_path);
  }

  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  int code = timed_out ? 255 : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  char ts[64], text[160];
  log_timestamp(ts, sizeof ts);
  snprintf(text, sizeof text, "{\"exitCode\":%d,\"finishedAt\":\"%s\"}\n", code, ts);
  write_file_atomic(exitfile, text, 1);
  log_close();
  unlink(pidfile);
  if (exit_cmd) {
    execvp(exit_cmd[0], exit_cmd);
    return 125;
  }
  return 0;
}
