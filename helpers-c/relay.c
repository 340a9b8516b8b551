/* tspod-launch, relay: in front of tspod (run and exec without -d) the
 * container never gets tspod's own descriptors, which could be a host file or
 * directory it would then reach through /proc/self/fd. It gets pipes (as
 * podman's conmon gives), or with -t its terminal, and this helper copies
 * them to and from its own stdio until the container exits, forwarding
 * signals meanwhile, and logs what the container writes (run's log driver,
 * as the monitor logs a detached one; an exec is never logged). Detached
 * containers get the monitor's pipes instead. */
#include "launch.h"
#include "logsink.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

/* Without a terminal: [0] stdin, [1] stdout, [2] stderr of the container. */
static int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};

/* What the container wrote, on its way to the log: stdout (or the terminal) and stderr (zeroed,
 * in .bss: two 16 KiB buffers with an initialiser would sit in the binary's data instead). */
static struct log_stream logged[2];

/* Before the helper joins the user namespace: the log is opened as the user. */
void stdio_open(void) {
  if (!plan.relay) return;
  logged[0].name = "stdout";
  logged[1].name = "stderr";
  if (plan.log_journal[0]) {
    if (log_open_journald(plan.log_journal[0], plan.log_journal[1], plan.log_journal[2]) < 0) die_step("log", errno, "the journal's socket");
  } else if (plan.log_file && log_open_file(plan.log_file, plan.log_max) < 0) {
    die_step("log", errno, "open %s", plan.log_file);
  }
  if (plan.tty) return;
  for (int i = 0; i < 3; i++) {
    if (i == 0 && !plan.interactive) continue; /* stdin stays /dev/null */
    if (pipe2(pipes[i], O_CLOEXEC) < 0) die_step("stdio", errno, "pipe");
  }
}

/* In the container's process, just before the exec steps. */
void stdio_child(void) {
  for (int i = 0; i < 3; i++) {
    if (pipes[i][0] < 0) continue;
    int mine = i == 0 ? pipes[i][0] : pipes[i][1];
    if (dup2(mine, i) < 0) die_step("stdio", errno, "dup2 a pipe to fd %d", i);
  }
}

/* Copy SRC to DST (and to LOG) until SRC would block (1) or ends (0). When the reader of
 * our output went away (EPIPE) SRC ends too, so the container's next write
 * fails as it would on a pipe of its own (`tspod run ... yes | head -1`). */
static int pump(int src, int dst, struct log_stream *log) {
  char buf[16384];
  for (int rounds = 0; rounds < 64; rounds++) {
    ssize_t r = read(src, buf, sizeof buf);
    if (r > 0) {
      if (log) log_feed(log, buf, (size_t)r, plan.tty);
      if (write_all(dst, buf, r) < 0 && errno == EPIPE) return 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return 1;
    return 0; /* EOF, or EIO once every process closed the terminal */
  }
  return 1;
}

static void set_nonblock(int fd) {
  if (set_nonblocking(fd) < 0) die_step("relay", errno, "make fd %d non-blocking", fd);
}

/* Relay until CHILD exits; returns its status as an exit code (128+N for a
 * signal). MASTER: the container's terminal, or -1 for the pipes. */
int relay_stdio(pid_t child, int master) {
  int tty = master >= 0;
  int in_dst = tty ? master : pipes[0][1], out_src = tty ? master : pipes[1][0], err_src = tty ? -1 : pipes[2][0];
  for (int i = 0; i < 3; i++) {
    int theirs = i == 0 ? pipes[i][0] : pipes[i][1];
    if (theirs >= 0) close(theirs);
  }
  sigset_t set;
  sigemptyset(&set);
  static const int sigs[] = {SIGCHLD, SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&set, sigs[i]);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die_step("relay", errno, "sigprocmask");
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die_step("relay", errno, "signalfd");
  struct sigaction ign = {.sa_handler = SIG_IGN};
  if (sigaction(SIGPIPE, &ign, NULL) < 0) die_step("relay", errno, "ignore SIGPIPE");
  if (out_src >= 0) set_nonblock(out_src);
  if (err_src >= 0) set_nonblock(err_src);
  if (!tty && in_dst >= 0) set_nonblock(in_dst);
  if (tty) {
    make_raw();
    copy_winsize(master);
  }

  int in = plan.interactive ? 0 : -1, in_eof = 0, hung_up = 0, status = -1;
  char ibuf[16384];
  size_t ilen = 0, ioff = 0;
  for (;;) {
    /* Reap before every wait: a child that exited before the signalfd existed
     * is seen here rather than waited for forever. */
    int st;
    pid_t p;
    while ((p = waitpid(child, &st, WNOHANG)) < 0 && errno == EINTR)
      ;
    if (p == child) {
      status = st;
      break;
    }
    if (p < 0) die_step("relay", errno, "waitpid %d", child);
    /* Input ended: once what we hold is written, the container's stdin closes
     * (or, on a terminal fed from a file, it reads end-of-file: ctrl-D). */
    if (in_eof && ilen == 0 && in_dst >= 0) {
      if (!tty) {
        close(in_dst);
        in_dst = -1;
      } else if (in_eof == 1) {
        ibuf[0] = 4;
        ilen = 1;
        ioff = 0;
        in_eof = 2;
      }
    }
    struct pollfd pfd[5] = {
        {.fd = sfd, .events = POLLIN},
        {.fd = out_src, .events = POLLIN},
        {.fd = err_src, .events = POLLIN},
        {.fd = ilen == 0 && !in_eof ? in : -1, .events = POLLIN},
        {.fd = ilen > 0 ? in_dst : -1, .events = POLLOUT},
    };
    /* After a hangup the container has 10 s to go, as a terminal's session would. */
    int r = poll(pfd, 5, hung_up ? 10000 : -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      die_step("relay", errno, "poll");
    }
    if (r == 0) {
      kill(child, SIGKILL);
      continue;
    }
    if (pfd[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) continue;
        if (tty && sig == SIGWINCH) {
          if (master >= 0) copy_winsize(master);
        } else if (tty && sig == SIGHUP) {
          hung_up = 1; /* our terminal is gone: hang up the container's */
        } else {
          kill(child, sig);
        }
      }
    }
    if (out_src >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(out_src, 1, &logged[0])) {
      close(out_src);
      if (tty) master = in_dst = -1;
      out_src = -1;
    }
    if (err_src >= 0 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(err_src, 2, &logged[1])) {
      close(err_src);
      err_src = -1;
    }
    if (pfd[3].fd >= 0 && (pfd[3].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(in, ibuf, sizeof ibuf);
      if (n > 0) {
        ilen = n;
        ioff = 0;
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        /* EOF, or unreadable (a directory given as stdin reads as nothing). */
        if (tty && isatty(in)) hung_up = 1;
        in_eof = 1;
        in = -1;
      }
    }
    if (pfd[4].fd >= 0 && pfd[4].fd == in_dst && (pfd[4].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(in_dst, ibuf + ioff, ilen - ioff);
      if (w > 0) {
        ioff += w;
        if (ioff == ilen) ilen = ioff = 0;
      } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
        /* The container closed its stdin: what is left of ours goes nowhere. */
        ilen = ioff = 0;
        in_eof = 2;
        in = -1;
        if (!tty) {
          close(in_dst);
          in_dst = -1;
        }
      }
    }
    if (hung_up && master >= 0) {
      /* Closing the master hangs up the container's terminal: SIGHUP to its session. */
      close(master);
      master = in_dst = out_src = -1;
    }
    if (hung_up) in = -1;
  }
  /* What the container wrote before it exited is still in the pipes or the pty. */
  if (out_src >= 0) {
    pump(out_src, 1, &logged[0]);
    close(out_src);
  }
  if (err_src >= 0) {
    pump(err_src, 2, &logged[1]);
    close(err_src);
  }
  if (!tty && in_dst >= 0) close(in_dst);
  log_drain(&logged[0], 1);
  log_drain(&logged[1], 1);
  log_close();
  if (tty) restore_terminal();
  close(sfd);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
