/* tspod-launch: starts one container. tspod (Node) decides everything and
 * sends the plan over the sync socket; this helper does, in the order the
 * kernel needs, what a multithreaded Node process cannot: enter a new user
 * namespace, mount the rootfs, pivot_root, drop to the user and exec.
 *
 * Protocol (one line per message, fields separated by tabs):
 *   tspod -> helper: plan lines ("key\tvalue..."), then "end"
 *   (the plan's "userns_join PID START" names the user's pause process, whose user
 *    namespace the helper joins: no id maps are written per container)
 *   helper -> tspod: "netns\tPID"    (plan "net_sync 1") tspod wires PID's network namespace, answers "networked"
 *   helper -> tspod: "started\tPID"  the container's command is running
 *                    ("started\tPID\tack" in front of tspod: it answers "recorded" once saved)
 *   helper -> tspod: "error\tSTEP\tERRNO\tTEXT" or "execfail\tERRNO\tCMD"
 * The helper's exit status is the container's (128+N when killed by N).
 *
 * This file reads the plan and runs the process side: fork, the container's
 * first process, exec; the other steps live in namespaces.c, mounts.c,
 * user.c, seccomp.c and terminal.c (launch.h declares them). */
#include "launch.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

const char *helper_name = "tspod-launch";
int sync_fd = -1;

struct launch_plan plan = {.mode = "fuse", .new_net = 1, .cwd = "/", .caps = ~0ULL, .umask_value = -1};

static void read_plan(void) {
  char *line;
  while ((line = sync_read_line()) != NULL) {
    if (strcmp(line, "end") == 0) return;
    /* seccomp lines keep all their fields: parsed by load_seccomp() */
    char *raw = strchr(line, '\t') ? strdup(strchr(line, '\t') + 1) : strdup("");
    if (!raw) die_step("plan", ENOMEM, "plan line");
    char *f[4] = {0};
    int nf = 0;
    for (char *s = line, *tok; nf < 4 && (tok = strsep(&s, "\t")) != NULL;) {
      unescape(tok);
      f[nf++] = tok;
    }
    const char *k = f[0], *v = f[1] ? f[1] : "";
#define ADD(arr, n, val)                                          \
  do {                                                            \
    if ((n) >= MAX_ITEMS) die_step("plan", 0, "too many %s", k); \
    arr[(n)++] = (val);                                           \
  } while (0)
    if (!strcmp(k, "mode")) plan.mode = v;
    else if (!strcmp(k, "fuse_program")) plan.fuse_program = v;
    else if (!strcmp(k, "fuse_log")) plan.fuse_log = v;
    else if (!strcmp(k, "lower")) ADD(plan.lower, plan.nlower, (char *)v);
    else if (!strcmp(k, "upper")) plan.upper = v;
    else if (!strcmp(k, "work")) plan.work = v;
    else if (!strcmp(k, "merged")) plan.merged = v;
    else if (!strcmp(k, "network")) {
      plan.new_net = strcmp(v, "host") != 0;
      plan.pasta = !strcmp(v, "pasta");
    }
    else if (!strcmp(k, "net_sync")) plan.net_sync = atoi(v);
    else if (!strcmp(k, "tty")) plan.tty = atoi(v);
    else if (!strcmp(k, "interactive")) plan.interactive = atoi(v);
    else if (!strcmp(k, "relay")) plan.relay = atoi(v);
    else if (!strcmp(k, "log_file")) {
      plan.log_file = v;
      plan.log_max = f[2] ? strtoull(f[2], NULL, 10) : 0;
    }
    else if (!strcmp(k, "log_journald")) {
      if (!f[2] || !f[3]) die_step("plan", 0, "bad log_journald line");
      plan.log_journal[0] = v;
      plan.log_journal[1] = f[2];
      plan.log_journal[2] = f[3];
    }
    else if (!strcmp(k, "remove_layers")) plan.remove_layers = atoi(v);
    else if (!strcmp(k, "readonly")) plan.readonly = atoi(v);
    else if (!strcmp(k, "hostname")) plan.hostname = v;
    else if (!strcmp(k, "user")) plan.user = v;
    else if (!strcmp(k, "cwd")) plan.cwd = v;
    else if (!strcmp(k, "cwd_check")) plan.cwd_check = v;
    else if (!strcmp(k, "init")) plan.init = v;
    else if (!strcmp(k, "pod_target")) plan.pod_target = atoi(v);
    else if (!strcmp(k, "uid_map") || !strcmp(k, "gid_map")) {
      int uid = k[0] == 'u';
      int *n = uid ? &plan.nuid_map : &plan.ngid_map;
      if (*n >= 64 || !f[2] || !f[3]) die_step("plan", 0, "bad %s line", k);
      struct idmap_entry *e = (uid ? plan.uid_map : plan.gid_map) + (*n)++;
      e->c = strtoul(v, NULL, 10);
      e->h = strtoul(f[2], NULL, 10);
      e->s = strtoul(f[3], NULL, 10);
    }
    else if (!strcmp(k, "userns_path")) plan.userns_path = v;
    else if (!strcmp(k, "pod_share")) {
      plan.pod_share_given = 1;
      if (!strcmp(v, "net")) plan.pod_share |= POD_SHARE_NET;
      else if (!strcmp(v, "ipc")) plan.pod_share |= POD_SHARE_IPC;
      else if (!strcmp(v, "uts")) plan.pod_share |= POD_SHARE_UTS;
      else if (!strcmp(v, "pid")) plan.pod_share |= POD_SHARE_PID;
      else if (!strcmp(v, "cgroup")) plan.pod_share |= POD_SHARE_CGROUP;
      else if (strcmp(v, "none")) die_step("plan", 0, "unknown pod namespace %s", v);
    }
    else if (!strcmp(k, "userns_join")) {
      if (!f[2]) die_step("plan", 0, "bad userns_join line");
      plan.userns_pid = atoi(v);
      plan.userns_start = strtoull(f[2], NULL, 10);
    }
    else if (!strcmp(k, "share_host")) {
      if (!strcmp(v, "pid")) plan.host_pid = 1;
      else if (!strcmp(v, "ipc")) plan.host_ipc = 1;
      else if (!strcmp(v, "uts")) plan.host_uts = 1;
      else die_step("plan", 0, "unknown namespace %s", v);
    }
    else if (!strcmp(k, "join_target")) plan.join_target = atoi(v);
    else if (!strcmp(k, "join_ns")) {
      if (!strcmp(v, "pid")) plan.join_pid = 1;
      else if (!strcmp(v, "ipc")) plan.join_ipc = 1;
      else if (!strcmp(v, "uts")) plan.join_uts = 1;
      else if (!strcmp(v, "net")) plan.join_net = 1;
      else die_step("plan", 0, "unknown namespace %s", v);
    }
    else if (!strcmp(k, "net_path")) plan.net_path = v;
    else if (!strcmp(k, "ns_path")) {
      if (!f[2]) die_step("plan", 0, "bad ns_path line");
      int i = !strcmp(v, "pid") ? 0 : !strcmp(v, "ipc") ? 1 : !strcmp(v, "uts") ? 2 : -1;
      if (i < 0) die_step("plan", 0, "unknown namespace %s", v);
      plan.ns_path[i] = f[2];
      /* joined in place of a new one: the flags and the hostname follow join_ns's */
      if (i == 0) plan.join_pid = 1;
      else if (i == 1) plan.join_ipc = 1;
      else plan.join_uts = 1;
    }
    else if (!strcmp(k, "cgroup_procs")) plan.cgroup_procs = v;
    else if (!strcmp(k, "cgroupns")) plan.new_cgroupns = !strcmp(v, "private");
    else if (!strcmp(k, "sysctl")) {
      if (plan.nsysctl >= 32 || !f[2]) die_step("plan", 0, "bad sysctl line");
      plan.sysctl_key[plan.nsysctl] = (char *)v;
      plan.sysctl_value[plan.nsysctl++] = f[2];
    }
    else if (!strcmp(k, "waiter")) plan.waiter = v;
    else if (!strcmp(k, "caps")) plan.caps = strtoull(v, NULL, 16);
    else if (!strcmp(k, "no_new_privs")) plan.no_new_privs = atoi(v);
    else if (!strcmp(k, "preserve_fds")) plan.preserve_fds = atoi(v);
    else if (!strcmp(k, "umask")) plan.umask_value = (int)strtol(v, NULL, 8) & 0777;
    else if (!strcmp(k, "shm_size")) plan.shm_size = strtoull(v, NULL, 10);
    else if (!strcmp(k, "oom_score_adj")) plan.oom_score_adj = v;
    else if (!strcmp(k, "keep_groups")) plan.keep_groups = atoi(v);
    else if (!strcmp(k, "group_add")) {
      if (plan.ngroup_add >= 64) die_step("plan", 0, "too many %s", k);
      plan.group_add[plan.ngroup_add++] = (char *)v;
    }
    else if (!strcmp(k, "rlimit")) {
      if (plan.nrlimits >= 16 || !f[2] || !f[3]) die_step("plan", 0, "bad rlimit line");
      plan.rlimits[plan.nrlimits].resource = atoi(v);
      plan.rlimits[plan.nrlimits].soft = !strcmp(f[2], "-1") ? RLIM_INFINITY : strtoull(f[2], NULL, 10);
      plan.rlimits[plan.nrlimits].hard = !strcmp(f[3], "-1") ? RLIM_INFINITY : strtoull(f[3], NULL, 10);
      plan.nrlimits++;
    }
    else if (!strcmp(k, "slirp_log")) plan.slirp_log = v;
    else if (!strcmp(k, "exec_target")) plan.exec_target = atoi(v);
    else if (!strcmp(k, "slirp_arg")) {
      if (plan.nslirp >= 60) die_step("plan", 0, "too many slirp4netns or pasta arguments");
      plan.slirp_argv[plan.nslirp++] = (char *)v;
    }
    else if (!strcmp(k, "mask")) ADD(plan.masked, plan.nmasked, (char *)v);
    else if (!strcmp(k, "readonly_path")) ADD(plan.readonly_paths, plan.nreadonly_paths, (char *)v);
    else if (!strcmp(k, "seccomp_default")) plan.seccomp_default = raw;
    else if (!strcmp(k, "seccomp_cache")) plan.seccomp_cache = v;
    else if (!strcmp(k, "seccomp_arch")) {
      if (plan.nseccomp_arches >= 8) die_step("plan", 0, "too many seccomp architectures");
      plan.seccomp_arches[plan.nseccomp_arches++] = (char *)v;
    }
    else if (!strcmp(k, "seccomp_rule")) {
      if (plan.nseccomp_rules == plan.seccomp_rules_cap) {
        plan.seccomp_rules_cap = plan.seccomp_rules_cap ? plan.seccomp_rules_cap * 2 : 512;
        plan.seccomp_rules = realloc(plan.seccomp_rules, sizeof(char *) * plan.seccomp_rules_cap);
        if (!plan.seccomp_rules) die_step("plan", ENOMEM, "seccomp rules");
      }
      plan.seccomp_rules[plan.nseccomp_rules++] = raw;
    }
    else if (!strcmp(k, "env")) ADD(plan.env, plan.nenv, (char *)v);
    else if (!strcmp(k, "arg")) ADD(plan.argv, plan.nargv, (char *)v);
    else if (!strcmp(k, "tmpfs") || !strcmp(k, "devpts")) {
      ADD(plan.tmpfs, plan.ntmpfs, (char *)v);
      plan.tmpfs_type[plan.ntmpfs - 1] = k[0] == 'd' ? "devpts" : "tmpfs";
      /* Older one-field lines: podman's default tmpfs options. */
      plan.tmpfs_flags[plan.ntmpfs - 1] = f[2] ? strtoul(f[2], NULL, 10) : MS_NOSUID | MS_NODEV;
      plan.tmpfs_data[plan.ntmpfs - 1] = f[3] ? f[3] : "mode=1777";
    }
    else if (!strcmp(k, "bind")) {
      if (plan.nbinds >= MAX_ITEMS || !f[2]) die_step("plan", 0, "bad bind line");
      plan.binds[plan.nbinds++] = (struct bind){(char *)v, f[2], f[3] && !strcmp(f[3], "ro")};
    } else die_step("plan", 0, "unknown plan key '%s'", k);
  }
  die_step("plan", 0, "tspod closed the channel before 'end'");
}

/* ---- the container's first process --------------------------------------- */

static int init_memfd = -1, waiter_memfd = -1;

/* A sealed in-memory copy of PATH: what runs from it cannot be reached (or
 * rewritten) through /proc/PID/exe. */
static int sealed_copy(const char *step, const char *path, const char *name) {
  int src = open(path, O_RDONLY | O_CLOEXEC);
  if (src < 0) die_step(step, errno, "open %s", path);
  struct stat st;
  if (fstat(src, &st) < 0) die_step(step, errno, "stat %s", path);
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) die_step(step, errno, "memfd_create");
  off_t off = 0;
  while (off < st.st_size)
    if (sendfile(fd, src, &off, st.st_size - off) <= 0) die_step(step, errno, "copy %s", path);
  close(src);
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    die_step(step, errno, "seal the copy of %s", path);
  return fd;
}

/* The init helper, and the waiter tspod-launch becomes, run from sealed copies. */
static void load_init(void) {
  if (plan.init) init_memfd = sealed_copy("init", plan.init, "tspod-init");
  /* In front of tspod the helper stays, as the relay: no waiter then. */
  if (plan.waiter && !plan.relay) waiter_memfd = sealed_copy("waiter", plan.waiter, "tspod-wait");
}

static int errpipe[2];

/* Report a failure in the child to the helper through errpipe and exit. */
static void __attribute__((noreturn)) child_fail(const char *kind, int err, const char *text) {
  char buf[4200];
  int n = snprintf(buf, sizeof buf, "%s\t%d\t%s", kind, err, text);
  write_all(errpipe[1], buf, n);
  _exit(err == ENOENT ? 127 : 126);
}

/* The last steps, shared by a container's first process and `tspod exec`:
 * seccomp (while still root of the user namespace), capabilities, the user,
 * no_new_privs, the working directory, the environment, and exec. */
static void __attribute__((noreturn)) exec_process(void) {
  load_seccomp();
  drop_bounding_caps();
  set_user();
  drop_caps();
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_step("no_new_privs", errno, "PR_SET_NO_NEW_PRIVS");
  if (chdir(plan.cwd) < 0) die_step("workdir", errno, "chdir %s", plan.cwd);
  /* --ulimit and --umask: the last settings before exec (a user namespace's root cannot raise a
   * hard limit above the host's: the kernel refuses with EPERM, as runc reports it). */
  for (int i = 0; i < plan.nrlimits; i++) {
    struct rlimit rl = {.rlim_cur = plan.rlimits[i].soft, .rlim_max = plan.rlimits[i].hard};
    if (setrlimit(plan.rlimits[i].resource, &rl) < 0)
      die_step("rlimit", errno, "error setting rlimit type %d: %s%s", plan.rlimits[i].resource, strerror(errno),
               errno == EPERM ? " (a hard limit cannot be raised above the one tspod runs with: see `ulimit -H`)" : "");
  }
  if (plan.umask_value >= 0) umask((mode_t)plan.umask_value);
  if (plan.oom_score_adj) {
    /* Raising it is allowed to anyone; lowering it below the value inherited needs CAP_SYS_RESOURCE on the host. */
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, plan.oom_score_adj, strlen(plan.oom_score_adj)) < 0)
      die_step("oom_score_adj", errno, "set oom_score_adj to %s: %s%s", plan.oom_score_adj, strerror(errno),
               errno == EACCES || errno == EPERM ? " (a rootless container may raise it, not lower it below tspod's own)" : "");
    if (fd >= 0) close(fd);
  }

  clearenv();
  for (int i = 0; i < plan.nenv; i++) putenv(plan.env[i]);
  if (!getenv("HOME")) setenv("HOME", user_home, 1);
  if (plan.nargv == 0) die_step("exec", 0, "no command given and the image has none");
  plan.argv[plan.nargv] = NULL;

  /* Only 0, 1, 2 and --preserve-fds may reach the container; errpipe closes on exec. */
  if (syscall(SYS_close_range, 3 + plan.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) die_step("exec", errno, "close_range");
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (init_memfd >= 0) {
    char *argv[MAX_ITEMS + 3] = {"tspod-init", "--"};
    memcpy(argv + 2, plan.argv, sizeof(char *) * (plan.nargv + 1));
    fexecve(init_memfd, argv, environ);
    child_fail("error\tinit", errno, "fexecve tspod-init");
  }
  execvp(plan.argv[0], plan.argv);
  child_fail("execfail", errno, plan.argv[0]);
}
/* Resource limits (cgroup v2 delegation): the container process enters its cgroup, made by tspod with
 * the limits, before it mounts or runs anything. "0" names the writer. */
static void join_cgroup(void) {
  if (!plan.cgroup_procs) return;
  int fd = open(plan.cgroup_procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_step("cgroup", errno, "open %s", plan.cgroup_procs);
  if (write(fd, "0", 1) != 1) die_step("cgroup", errno, "join %s", plan.cgroup_procs);
  close(fd);
}

static void __attribute__((noreturn)) container_main(void) {
  close(errpipe[0]);
  /* Setup failures go through errpipe too: the child shares no sync socket. */
  sync_fd = errpipe[1];
  join_cgroup();
  /* A mount namespace of our own: pivot_root moves the root of every process
   * in the namespace, and fuse-overlayfs must keep the host's. */
  if (unshare(CLONE_NEWNS) < 0) die_step("namespaces", errno, "unshare(CLONE_NEWNS) for the container");
  /* The host's /dev/null, seen from this mount namespace (a bind source must be in it). */
  open_devnull();
  open_rootfs();
  /* In a nested user namespace only the container's side becomes its root (the helper keeps
   * the user's own id, so it may still stop fuse-overlayfs and slirp4netns), once what lies
   * in the user's own directories is open (docs/run-path.md). */
  if (plan.nested) {
    open_bind_sources();
    become_nested_root();
  }
  make_etc_mtab();
  mount_proc_sys();
  set_ping_group_range();
  set_sysctls();
  mount_dev();
  mount_volumes();
  mask_paths();
  make_workdir();
  pivot();
  if (plan.hostname && !plan.host_uts && !plan.join_uts && sethostname(plan.hostname, strlen(plan.hostname)) < 0)
    die_step("hostname", errno, "sethostname %s", plan.hostname);
  /* A session of its own; with -t its terminal comes from the container's devpts. */
  console_child();
  stdio_child();
  exec_process();
}

/* ---- the helper as the container's parent ---------------------------------- */

static volatile pid_t child_pid = -1;

static void forward_signal(int sig) {
  if (child_pid > 0) kill(child_pid, sig);
}

/* The CVE-2019-5736 defence: run from a sealed in-memory copy of ourselves.
 * Between fork and exec our child is inside the container's pid namespace,
 * and a container command of "#!/proc/self/exe" makes the kernel run *us* as
 * the container's process; either way /proc/PID/exe must not lead to a file
 * on the host the user (and so the container's root) can write. */
static void run_from_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die_step("clone", errno, "open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE)) {
    close(self); /* already the sealed copy */
    return;
  }
  struct stat st;
  if (fstat(self, &st) < 0) die_step("clone", errno, "stat /proc/self/exe");
  int mem = memfd_create("tspod-launch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) die_step("clone", errno, "memfd_create");
  for (off_t off = 0; off < st.st_size;)
    if (sendfile(mem, self, &off, st.st_size - off) <= 0) die_step("clone", errno, "copy the helper");
  close(self);
  if (fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    die_step("clone", errno, "seal the copy");
  fexecve(mem, argv, environ);
  die_step("clone", errno, "fexecve the sealed copy");
}

int main(int argc, char **argv) {
  (void)argc;
  const char *sock = getenv("TSPOD_SYNC_SOCKET");
  if (!sock) {
    fprintf(stderr, "%s: run by tspod only (TSPOD_SYNC_SOCKET is not set)\n", helper_name);
    return 125;
  }
  run_from_sealed_copy(argv);
  prctl(PR_SET_NAME, "tspod-launch"); /* fexecve named us after the fd */
  pid_t parent = getppid();
  /* If tspod dies, so do we, and with us the whole container. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die_step("start", errno, "PR_SET_PDEATHSIG");
  if (getppid() != parent) _exit(125);
  sync_connect(sock);
  unsetenv("TSPOD_SYNC_SOCKET");
  read_plan();
  /* The filter is compiled (or read from the cache) while the host's files are still in view. */
  prepare_seccomp();
  console_open();
  stdio_open();
  if (plan.exec_target > 0) {
    join_namespaces();
  } else {
    load_init();
    fork_network();
    setup_userns();
    setup_namespaces();
    mount_rootfs();
    /* --pid host: the container sees the user's processes (and /proc is the host's, bound) */
    if (plan.join_pid) join_target_pid_namespace(); /* dies when nothing was opened to join */
    else if (plan.pod_target > 0 && (plan.pod_share & POD_SHARE_PID)) join_pod_pid();
    else if (!plan.host_pid && unshare(CLONE_NEWPID) < 0) die_step("namespaces", errno, "unshare(CLONE_NEWPID)");
    wait_network();
    if (plan.net_sync) {
      /* our network namespace is the container's: tspod adds its interfaces now, before any exec */
      sync_send("netns\t%d", getpid());
      sync_expect("networked");
    }
  }

  if (pipe2(errpipe, O_CLOEXEC) < 0) die_step("fork", errno, "pipe");
  /* Forward the signals tspod forwards to us; block them until the child
   * pid is known so none is lost. SIGCHLD stays blocked in this process from
   * here on: a child that exits before anyone waits leaves it pending (not
   * discarded, as SIGCHLD's default disposition would), so the waiter we
   * become, and the terminal relay, see it on their signalfd. */
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&block, sigs[i]);
  sigaddset(&block, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &block, &old) < 0) die_step("fork", errno, "sigprocmask");
  pid_t pid = fork();
  if (pid < 0) die_step("fork", errno, "fork the container process");
  if (pid == 0) {
    if (sigprocmask(SIG_SETMASK, &old, NULL) < 0) die_step("fork", errno, "sigprocmask");
    if (plan.exec_target > 0) {
      close(errpipe[0]);
      sync_fd = errpipe[1];
      console_child();
      stdio_child();
      exec_process();
    }
    container_main();
  }
  child_pid = pid;
  struct sigaction sa = {.sa_handler = forward_signal};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  sigset_t keep_chld = old;
  sigaddset(&keep_chld, SIGCHLD);
  sigprocmask(SIG_SETMASK, &keep_chld, NULL);
  close(errpipe[1]);

  char buf[4200];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(errpipe[0], buf + len, sizeof buf - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += r;
  }
  buf[len] = 0;
  close(errpipe[0]);
  /* With -t, the container's side sent the pty master before its exec (-1 when
   * a monitor holds the terminal, or when the container failed first). */
  int master = plan.tty ? console_wait_master() : -1;
  if (plan.tty && plan.relay && len == 0 && master < 0) die_step("terminal", 0, "the container's process sent no terminal");
  if (len == 0 && plan.relay) {
    /* In front of tspod, the container's output reaches the user only through our relay:
     * wait until tspod has recorded the container as running, so that nothing the
     * container prints can be seen before its state says so (a tspod killed right after
     * must leave a record that `ps` reports as exited, not as created). */
    sync_send("started\t%d\tack", pid);
    sync_expect("recorded");
  } else if (len == 0) {
    sync_send("started\t%d", pid);
  } else {
    sync_send("%s", buf);
  }
  /* That was the last message: tspod may exit now (run -d), and a write to a
   * closed socket would raise SIGPIPE here. */
  close(sync_fd);
  sync_fd = -1;

  int status = 0;
  if (plan.relay && len == 0) {
    /* In front of tspod: relay its stdio to the container's pipes or terminal
     * until the container exits (no small waiter then). */
    status = relay_stdio(pid, master);
  } else {
    if (master >= 0) close(master);
    /* The container runs: what is left of our job (forward signals, wait, stop the
     * network and overlay helpers) a small static waiter does in far less memory.
     * Signals stay blocked across the exec so none is lost or kills us meanwhile. */
    if (waiter_memfd >= 0 && len == 0) {
      sigset_t all;
      sigfillset(&all);
      sigprocmask(SIG_BLOCK, &all, NULL);
      int slirp_fd = -1;
      if (slirp_pid > 0) {
        slirp_fd = slirp_exit[1];
        fcntl(slirp_fd, F_SETFD, 0);
      }
      char a_child[16], a_fuse[16], a_slirp[16], a_fd[16];
      snprintf(a_child, sizeof a_child, "%d", pid);
      snprintf(a_fuse, sizeof a_fuse, "%d", fuse_pid);
      snprintf(a_slirp, sizeof a_slirp, "%d", slirp_pid);
      snprintf(a_fd, sizeof a_fd, "%d", slirp_fd);
      char *wargv[] = {"tspod-wait", "-W", a_child, a_fuse, a_slirp, a_fd, NULL};
      fexecve(waiter_memfd, wargv, environ);
      /* No waiter: carry on as the waiter ourselves. */
      if (slirp_fd >= 0) fcntl(slirp_fd, F_SETFD, FD_CLOEXEC);
      sigprocmask(SIG_SETMASK, &keep_chld, NULL);
    }
    /* A blocking wait for this one child: no signal to miss. */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
      ;
    status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  child_pid = -1;
  if (fuse_pid > 0) {
    /* The namespace holding its mount dies with us: no unmount needed. */
    kill(fuse_pid, SIGKILL);
    while (waitpid(fuse_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (slirp_pid > 0) {
    close(slirp_exit[1]); /* slirp4netns exits when this closes */
    kill(slirp_pid, SIGTERM); /* pasta does not watch it */
    while (waitpid(slirp_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (plan.remove_layers && plan.relay) remove_layers();
  return status;
}
