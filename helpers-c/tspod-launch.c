/* tspod-launch: starts one container. tspod (Node) decides everything and
 * sends the plan over the sync socket; this helper does, in the order the
 * kernel needs, what a multithreaded Node process cannot: enter a new user
 * namespace, mount the rootfs, pivot_root, drop to the user and exec.
 *
 * Protocol (one line per message, fields separated by tabs):
 *   tspod -> helper: plan lines ("key\tvalue..."), then "end"
 *   helper -> tspod: "userns\tPID"   tspod writes the id maps, answers "mapped"
 *   helper -> tspod: "started\tPID"  the container's command is running
 *   helper -> tspod: "error\tSTEP\tERRNO\tTEXT" or "execfail\tERRNO\tCMD"
 * The helper's exit status is the container's (128+N when killed by N). */
#include "common.h"

#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

const char *helper_name = "tspod-launch";

#define MAX_ITEMS 256

struct bind {
  char *src, *dst;
  int ro;
};

static struct {
  const char *mode; /* fuse | native */
  const char *fuse_program, *fuse_log;
  char *lower[MAX_ITEMS];
  int nlower;
  const char *upper, *work, *merged;
  int new_net, tty, readonly;
  const char *hostname, *user, *cwd, *init;
  char *env[MAX_ITEMS];
  int nenv;
  char *argv[MAX_ITEMS];
  int nargv;
  struct bind binds[MAX_ITEMS];
  int nbinds;
  char *tmpfs[MAX_ITEMS];
  unsigned long tmpfs_flags[MAX_ITEMS]; /* "tmpfs DEST [FLAGS DATA]": --tmpfs options */
  const char *tmpfs_data[MAX_ITEMS];
  int ntmpfs;
  unsigned long long caps;
  int no_new_privs;
  /* seccomp: the default action and the rules, as plan lines (NULL: unconfined) */
  char *seccomp_default;
  char *seccomp_arches[8];
  int nseccomp_arches;
  char **seccomp_rules;
  int nseccomp_rules, seccomp_rules_cap;
  char *masked[MAX_ITEMS];
  int nmasked;
  char *readonly_paths[MAX_ITEMS];
  int nreadonly_paths;
  int preserve_fds;
  pid_t exec_target; /* exec mode: join this container process's namespaces */
  pid_t pod_target;  /* a pod member: join this infra process's user, net, ipc and uts namespaces */
  const char *waiter; /* once the container runs, become this small waiter (tspod-init -W) */
  char *slirp_argv[32]; /* slirp4netns and its options; NULL: no user-mode network */
  const char *slirp_log;
  int nslirp;
} plan = {.mode = "fuse", .new_net = 1, .cwd = "/", .caps = ~0ULL};

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
    else if (!strcmp(k, "network")) plan.new_net = strcmp(v, "host") != 0;
    else if (!strcmp(k, "tty")) plan.tty = atoi(v);
    else if (!strcmp(k, "readonly")) plan.readonly = atoi(v);
    else if (!strcmp(k, "hostname")) plan.hostname = v;
    else if (!strcmp(k, "user")) plan.user = v;
    else if (!strcmp(k, "cwd")) plan.cwd = v;
    else if (!strcmp(k, "init")) plan.init = v;
    else if (!strcmp(k, "pod_target")) plan.pod_target = atoi(v);
    else if (!strcmp(k, "waiter")) plan.waiter = v;
    else if (!strcmp(k, "caps")) plan.caps = strtoull(v, NULL, 16);
    else if (!strcmp(k, "no_new_privs")) plan.no_new_privs = atoi(v);
    else if (!strcmp(k, "preserve_fds")) plan.preserve_fds = atoi(v);
    else if (!strcmp(k, "slirp_log")) plan.slirp_log = v;
    else if (!strcmp(k, "exec_target")) plan.exec_target = atoi(v);
    else if (!strcmp(k, "slirp_arg")) {
      if (plan.nslirp >= 30) die_step("plan", 0, "too many slirp4netns arguments");
      plan.slirp_argv[plan.nslirp++] = (char *)v;
    }
    else if (!strcmp(k, "mask")) ADD(plan.masked, plan.nmasked, (char *)v);
    else if (!strcmp(k, "readonly_path")) ADD(plan.readonly_paths, plan.nreadonly_paths, (char *)v);
    else if (!strcmp(k, "seccomp_default")) plan.seccomp_default = raw;
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
    else if (!strcmp(k, "tmpfs")) {
      plan.tmpfs_flags[plan.ntmpfs < MAX_ITEMS ? plan.ntmpfs : 0] = f[2] ? strtoul(f[2], NULL, 10) : MS_NOSUID | MS_NODEV;
      plan.tmpfs_data[plan.ntmpfs < MAX_ITEMS ? plan.ntmpfs : 0] = f[3] ? f[3] : "mode=1777";
      ADD(plan.tmpfs, plan.ntmpfs, (char *)v);
    }
    else if (!strcmp(k, "bind")) {
      if (plan.nbinds >= MAX_ITEMS || !f[2]) die_step("plan", 0, "bad bind line");
      plan.binds[plan.nbinds++] = (struct bind){(char *)v, f[2], f[3] && !strcmp(f[3], "ro")};
    } else die_step("plan", 0, "unknown plan key '%s'", k);
  }
  die_step("plan", 0, "tspod closed the channel before 'end'");
}

/* ---- the network -----------------------------------------------------------
 * slirp4netns is this helper's child, forked before the user namespace so it
 * runs as the user on the host. It waits until our network namespace exists,
 * joins it by pid, and exits when its exit pipe closes: when we exit, however
 * we exit. Nothing outlives the container. */

static pid_t slirp_pid = -1;
static int slirp_go[2] = {-1, -1}, slirp_ready[2] = {-1, -1}, slirp_exit[2] = {-1, -1};

static void fork_network(void) {
  if (plan.nslirp == 0) return;
  if (pipe2(slirp_go, O_CLOEXEC) < 0 || pipe2(slirp_ready, O_CLOEXEC) < 0 || pipe2(slirp_exit, O_CLOEXEC) < 0)
    die_step("network", errno, "pipe");
  pid_t parent = getpid();
  slirp_pid = fork();
  if (slirp_pid < 0) die_step("network", errno, "fork");
  if (slirp_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char go;
    if (read(slirp_go[0], &go, 1) != 1) _exit(0); /* the helper failed before the network */
    /* fds 3 and 4: the exit pipe (read end) and the ready pipe (write end),
     * moved out of the way first so neither dup2 clobbers the other. */
    int e = fcntl(slirp_exit[0], F_DUPFD, 10), r = fcntl(slirp_ready[1], F_DUPFD, 10);
    if (e < 0 || r < 0 || dup2(e, 3) < 0 || dup2(r, 4) < 0) _exit(125);
    syscall(SYS_close_range, 5, ~0U, 0);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    /* Its chatter goes to a log file, not to the container's output. */
    int log = plan.slirp_log ? open(plan.slirp_log, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
    dup2(log >= 0 ? log : devnull, 2);
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", parent);
    char *argv[40];
    int n = 0;
    for (int i = 0; i < plan.nslirp; i++) argv[n++] = plan.slirp_argv[i];
    argv[n++] = "-e";
    argv[n++] = "3";
    argv[n++] = "-r";
    argv[n++] = "4";
    argv[n++] = pidbuf;
    argv[n++] = "tap0";
    argv[n] = NULL;
    execv(argv[0], argv);
    fprintf(stderr, "%s: network: exec %s: %s\n", helper_name, argv[0], strerror(errno));
    _exit(125);
  }
  close(slirp_go[0]);
  close(slirp_exit[0]);
  close(slirp_ready[1]);
}

static void start_network(void) {
  if (slirp_pid < 0) return;
  if (write(slirp_go[1], "g", 1) != 1) die_step("network", errno, "start slirp4netns");
  close(slirp_go[1]);
}

/* Wait until slirp4netns has configured tap0. */
static void wait_network(void) {
  if (slirp_pid < 0) return;
  char b;
  ssize_t r;
  while ((r = read(slirp_ready[0], &b, 1)) < 0 && errno == EINTR)
    ;
  if (r != 1) {
    int status = 0;
    waitpid(slirp_pid, &status, 0);
    slirp_pid = -1;
    die_step("network", 0, "slirp4netns exited before configuring tap0 (status %d; see %s)",
             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), plan.slirp_log ? plan.slirp_log : "its stderr");
  }
  close(slirp_ready[0]);
}

/* ---- namespaces ---------------------------------------------------------- */

/* A pod member shares the infra process's user, network, IPC and UTS
 * namespaces (opened before any is joined) and has its own mount and pid ones. */
static int pod_ns[4] = {-1, -1, -1, -1};
static const struct { const char *name; int type; } pod_ns_kinds[4] = {
    {"user", CLONE_NEWUSER}, {"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}};

static void open_pod_namespaces(void) {
  for (int i = 0; i < 4; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", plan.pod_target, pod_ns_kinds[i].name);
    pod_ns[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (pod_ns[i] < 0) die_step("pod", errno, "open %s (is the pod's infra running?)", path);
  }
}

static void join_pod_namespace(int i) {
  if (setns(pod_ns[i], pod_ns_kinds[i].type) < 0)
    die_step("pod", errno, "join the %s namespace of the pod's infra %d", pod_ns_kinds[i].name, plan.pod_target);
  close(pod_ns[i]);
  pod_ns[i] = -1;
}

static void setup_userns(void) {
  if (plan.pod_target > 0) {
    open_pod_namespaces();
    join_pod_namespace(0); /* already mapped by the infra's start */
  } else {
    if (unshare(CLONE_NEWUSER) < 0)
      die_step("userns", errno, "unshare(CLONE_NEWUSER) (are unprivileged user namespaces enabled?)");
    sync_send("userns\t%d", getpid());
    sync_expect("mapped");
  }
  if (setresgid(0, 0, 0) < 0) die_step("userns", errno, "setresgid(0)");
  if (setresuid(0, 0, 0) < 0) die_step("userns", errno, "setresuid(0)");
  if (setgroups(0, NULL) < 0) die_step("userns", errno, "setgroups");
}

static void setup_namespaces(void) {
  if (plan.pod_target > 0) {
    if (unshare(CLONE_NEWNS) < 0) die_step("namespaces", errno, "unshare(mount)");
    for (int i = 1; i < 4; i++) join_pod_namespace(i);
  } else {
    int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if (plan.new_net) flags |= CLONE_NEWNET;
    if (unshare(flags) < 0) die_step("namespaces", errno, "unshare(mount, uts, ipc, net)");
  }
  start_network();
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die_step("namespaces", errno, "make / private");
}

/* ---- the root filesystem --------------------------------------------------- */

static char lowerdirs[65536];

static void join_lower(void) {
  size_t off = 0;
  for (int i = 0; i < plan.nlower; i++) {
    size_t len = strlen(plan.lower[i]);
    if (off + len + 2 >= sizeof lowerdirs) die_step("mount_rootfs", 0, "too many layers");
    if (i) lowerdirs[off++] = ':';
    memcpy(lowerdirs + off, plan.lower[i], len);
    off += len;
  }
  lowerdirs[off] = 0;
}

static pid_t fuse_pid = -1;

static void mount_rootfs(void) {
  if (!plan.merged || !plan.upper || !plan.work || plan.nlower == 0)
    die_step("mount_rootfs", 0, "plan lacks lower/upper/work/merged");
  join_lower();
  char opts[70000];
  if (!strcmp(plan.mode, "native")) {
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s,userxattr", lowerdirs, plan.upper, plan.work);
    if (mount("overlay", plan.merged, "overlay", 0, opts) < 0)
      die_step("mount_rootfs", errno, "mount -t overlay on %s", plan.merged);
    return;
  }
  struct stat before;
  if (stat(plan.merged, &before) < 0) die_step("mount_rootfs", errno, "stat %s", plan.merged);
  snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, plan.upper, plan.work);
  fuse_pid = fork();
  if (fuse_pid < 0) die_step("mount_rootfs", errno, "fork");
  if (fuse_pid == 0) {
    /* fuse-overlayfs lives exactly as long as this helper. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    /* Its chatter goes to a log file; a failed mount is reported by us. */
    int log = plan.fuse_log ? open(plan.fuse_log, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
    if (log >= 0) dup2(log, 2);
    execl(plan.fuse_program, "fuse-overlayfs", "-f", "-o", opts, plan.merged, (char *)NULL);
    fprintf(stderr, "%s: mount_rootfs: exec %s: %s\n", helper_name, plan.fuse_program, strerror(errno));
    _exit(125);
  }
  /* The mount is ready when the merged directory changes device. */
  for (int i = 0; i < 10000; i++) {
    struct stat now;
    if (stat(plan.merged, &now) == 0 && now.st_dev != before.st_dev) return;
    int status;
    if (waitpid(fuse_pid, &status, WNOHANG) == fuse_pid) {
      fuse_pid = -1;
      die_step("mount_rootfs", 0, "fuse-overlayfs exited before mounting %s (status %d; see %s)", plan.merged,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), plan.fuse_log ? plan.fuse_log : "its stderr");
    }
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  die_step("mount_rootfs", ETIMEDOUT, "fuse-overlayfs did not mount %s within 10s", plan.merged);
}

/* ---- paths inside the rootfs ----------------------------------------------
 * Every target inside the container is resolved with RESOLVE_IN_ROOT so a
 * symlink in the image can never point a mount or a mkdir at the host. */

static int rootfd = -1;

static int open_in_root(const char *path, int flags, int resolve_extra) {
  struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | resolve_extra};
  while (*path == '/') path++;
  if (!*path) path = ".";
  return syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* Create PATH (and its parents) inside the rootfs, as a directory or an
 * empty file, and return an O_PATH fd to it. */
static int make_in_root(const char *step, const char *path, int as_file) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) die_step(step, ENAMETOOLONG, "%s", path);
  strcpy(buf, path);
  char *p = buf;
  while (*p == '/') p++;
  for (;;) {
    char *slash = strchr(p, '/');
    int last = slash == NULL;
    if (slash) *slash = 0;
    int fd = open_in_root(buf, O_PATH, 0);
    if (fd < 0) {
      if (errno != ENOENT) die_step(step, errno, "resolve %s in the container", buf);
      char *cut = strrchr(buf, '/');
      const char *parent = ".", *name = buf;
      if (cut) {
        *cut = 0;
        parent = buf;
        name = cut + 1;
      }
      int pfd = open_in_root(parent, O_PATH | O_DIRECTORY, 0);
      if (pfd < 0) die_step(step, errno, "resolve %s in the container", parent);
      if (last && as_file) {
        int f = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0 && errno != EEXIST) die_step(step, errno, "create %s in the container", path);
        if (f >= 0) close(f);
      } else if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST) {
        die_step(step, errno, "mkdir %s in the container", path);
      }
      close(pfd);
      if (cut) *cut = '/';
      fd = open_in_root(buf, O_PATH, 0);
      if (fd < 0) die_step(step, errno, "resolve %s in the container", buf);
    }
    if (last) return fd;
    close(fd);
    *slash = '/';
    p = slash + 1;
  }
}

static const char *fdpath(int fd) {
  static char buf[64];
  snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
  return buf;
}

/* Flags the kernel locks on a bind mount made in a user namespace: a
 * read-only remount must repeat them or it fails with EINVAL. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

static void mount_at(const char *step, const char *target, int as_file, const char *src, const char *type,
                     unsigned long flags, const char *data) {
  int fd = make_in_root(step, target, as_file);
  if (mount(src, fdpath(fd), type, flags, data) < 0) die_step(step, errno, "mount %s on %s", src ? src : type, target);
  if ((flags & MS_BIND) && (flags & MS_RDONLY)) {
    /* The fd still names the directory under the new mount: reopen it. */
    close(fd);
    fd = open_in_root(target, O_PATH, 0);
    if (fd < 0) die_step(step, errno, "reopen %s", target);
    unsigned long keep = locked_flags(fdpath(fd));
    if (mount(NULL, fdpath(fd), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
      die_step(step, errno, "remount %s read-only", target);
  }
  close(fd);
}

/* /proc, /sys and /dev must be real directories of the image: a symlink
 * there could aim device or procfs set-up somewhere else. */
static void refuse_symlink(const char *step, const char *path) {
  int fd = open_in_root(path, O_PATH, RESOLVE_NO_SYMLINKS);
  if (fd < 0 && errno == ELOOP) die_step(step, 0, "%s in the image is a symlink: refusing to mount there", path);
  if (fd >= 0) close(fd);
}

static void mount_proc_sys(void) {
  refuse_symlink("mount_proc", "/proc");
  refuse_symlink("mount_sys", "/sys");
  mount_at("mount_proc", "/proc", 0, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  /* Masks and ping_group_range go through this mount: make sure it is procfs. */
  int pfd = open_in_root("/proc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  struct statfs sfs;
  if (pfd < 0 || fstatfs(pfd, &sfs) < 0) die_step("mount_proc", errno, "check /proc");
  if (sfs.f_type != PROC_SUPER_MAGIC) die_step("mount_proc", 0, "/proc is not procfs after mounting it");
  close(pfd);
  if (plan.new_net)
    mount_at("mount_sys", "/sys", 0, "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
  else
    mount_at("mount_sys", "/sys", 0, "/sys", NULL, MS_BIND | MS_REC | MS_RDONLY, NULL);
}

static void mount_dev(void) {
  refuse_symlink("mount_dev", "/dev");
  mount_at("mount_dev", "/dev", 0, "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k");
  static const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
  for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
    char host[64], ctr[64];
    snprintf(host, sizeof host, "/dev/%s", devices[i]);
    snprintf(ctr, sizeof ctr, "/dev/%s", devices[i]);
    mount_at("mount_dev", ctr, 1, host, NULL, MS_BIND, NULL);
  }
  mount_at("mount_dev", "/dev/pts", 0, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  mount_at("mount_dev", "/dev/shm", 0, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
  mount_at("mount_dev", "/dev/mqueue", 0, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  int dev = open_in_root("/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (dev < 0) die_step("mount_dev", errno, "open /dev");
  static const char *links[][2] = {{"ptmx", "pts/ptmx"},      {"fd", "/proc/self/fd"},
                                   {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
                                   {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][1], dev, links[i][0]) < 0) die_step("mount_dev", errno, "symlink /dev/%s", links[i][0]);
  close(dev);
}

static void mount_volumes(void) {
  for (int i = 0; i < plan.nbinds; i++) {
    struct stat st;
    if (stat(plan.binds[i].src, &st) < 0) die_step("mount_volumes", errno, "%s", plan.binds[i].src);
    mount_at("mount_volumes", plan.binds[i].dst, !S_ISDIR(st.st_mode), plan.binds[i].src, NULL,
             MS_BIND | MS_REC | (plan.binds[i].ro ? MS_RDONLY : 0), NULL);
  }
  for (int i = 0; i < plan.ntmpfs; i++)
    mount_at("mount_tmpfs", plan.tmpfs[i], 0, "tmpfs", "tmpfs", plan.tmpfs_flags[i], plan.tmpfs_data[i]);
}

static void pivot(void) {
  if (plan.readonly && mount(NULL, plan.merged, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(plan.merged), NULL) < 0)
    die_step("pivot", errno, "remount the rootfs read-only");
  if (fchdir(rootfd) < 0) die_step("pivot", errno, "chdir to the rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) die_step("pivot", errno, "pivot_root");
  if (umount2(".", MNT_DETACH) < 0) die_step("pivot", errno, "detach the old root");
  if (chdir("/") < 0) die_step("pivot", errno, "chdir /");
}

/* ---- the user -------------------------------------------------------------
 * Names are looked up in the container's own /etc/passwd and /etc/group,
 * parsed by hand: NSS would load libraries from the image. */

static int lookup_db(const char *file, const char *key, int by_name, char **fields, int nfields, char *line,
                     size_t linesz) {
  FILE *f = fopen(file, "re");
  if (!f) return 0;
  while (fgets(line, linesz, f)) {
    line[strcspn(line, "\n")] = 0;
    char *s = line;
    int n = 0;
    for (char *tok; n < nfields && (tok = strsep(&s, ":")) != NULL;) fields[n++] = tok;
    if (n < 3) continue;
    if (!strcmp(by_name ? fields[0] : fields[2], key)) {
      fclose(f);
      return n;
    }
  }
  fclose(f);
  return 0;
}

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

static char user_home[1024] = "/";

static void set_user(void) {
  uid_t uid = 0;
  gid_t gid = 0;
  char spec[512], line[4096];
  char *fields[7];
  snprintf(spec, sizeof spec, "%s", plan.user ? plan.user : "0");
  char *group = strchr(spec, ':');
  if (group) *group++ = 0;
  int num = is_number(spec);
  char uname[256] = "";
  int n = lookup_db("/etc/passwd", spec, !num, fields, 7, line, sizeof line);
  if (n >= 1) snprintf(uname, sizeof uname, "%s", fields[0]);
  if (n >= 4) {
    uid = strtoul(fields[2], NULL, 10);
    gid = strtoul(fields[3], NULL, 10);
    if (n >= 6 && *fields[5]) snprintf(user_home, sizeof user_home, "%s", fields[5]);
  } else if (num) {
    uid = strtoul(spec, NULL, 10);
  } else {
    die_step("user", 0, "unable to find user %s: no matching entries in passwd file", spec);
  }
  if (group) {
    if (is_number(group)) gid = strtoul(group, NULL, 10);
    else if (lookup_db("/etc/group", group, 1, fields, 4, line, sizeof line) >= 3) gid = strtoul(fields[2], NULL, 10);
    else die_step("user", 0, "unable to find group %s: no matching entries in group file", group);
  }
  /* Supplementary groups: every group in /etc/group that lists the user. */
  gid_t groups[64];
  int ngroups = 0;
  FILE *f = *uname ? fopen("/etc/group", "re") : NULL;
  while (f && ngroups < 64 && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *s = line;
    int k = 0;
    for (char *tok; k < 4 && (tok = strsep(&s, ":")) != NULL;) fields[k++] = tok;
    if (k < 4) continue;
    for (char *m = fields[3], *tok; (tok = strsep(&m, ",")) != NULL;)
      if (!strcmp(tok, uname)) groups[ngroups++] = strtoul(fields[2], NULL, 10);
  }
  if (f) fclose(f);
  if (setgroups(ngroups, groups) < 0) die_step("user", errno, "setgroups");
  if (setresgid(gid, gid, gid) < 0) die_step("user", errno, "setgid %u (is it inside the mapped range?)", gid);
  if (setresuid(uid, uid, uid) < 0) die_step("user", errno, "setuid %u (is it inside the mapped range?)", uid);
}

/* The bounding set first, while we are still root with CAP_SETPCAP. */
static void drop_bounding_caps(void) {
  for (int cap = 0; cap <= 63; cap++) {
    if (plan.caps & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      die_step("drop_caps", errno, "drop capability %d from the bounding set", cap);
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    die_step("drop_caps", errno, "clear the ambient set");
}

/* Then, as the user: root keeps plan.caps effective and permitted; any other
 * user already lost every capability at setuid. Inheritable stays empty. */
static void drop_caps(void) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) < 0) die_step("drop_caps", errno, "capget");
  for (int i = 0; i < 2; i++) {
    unsigned int keep = (unsigned int)(plan.caps >> (32 * i));
    data[i].effective &= keep;
    data[i].permitted &= keep;
    data[i].inheritable = 0;
  }
  if (syscall(SYS_capset, &hdr, data) < 0) die_step("drop_caps", errno, "capset");
}

/* ---- seccomp ---------------------------------------------------------------
 * tspod resolved the profile (caps, arch, kernel); each rule arrives as
 * "ACTION\tERRNO\tNAME[\tIDX:OP:VALUE:VALUE2...]". */

static uint32_t scmp_action(const char *name, const char *errno_text) {
  if (!strcmp(name, "allow")) return SCMP_ACT_ALLOW;
  if (!strcmp(name, "errno")) return SCMP_ACT_ERRNO(atoi(errno_text));
  if (!strcmp(name, "kill")) return SCMP_ACT_KILL;
  if (!strcmp(name, "kill_process")) return SCMP_ACT_KILL_PROCESS;
  if (!strcmp(name, "trap")) return SCMP_ACT_TRAP;
  if (!strcmp(name, "log")) return SCMP_ACT_LOG;
  die_step("seccomp", 0, "unknown action %s", name);
}

static enum scmp_compare scmp_op(const char *op) {
  static const struct { const char *n; enum scmp_compare c; } t[] = {
      {"ne", SCMP_CMP_NE}, {"lt", SCMP_CMP_LT}, {"le", SCMP_CMP_LE}, {"eq", SCMP_CMP_EQ},
      {"ge", SCMP_CMP_GE}, {"gt", SCMP_CMP_GT}, {"masked_eq", SCMP_CMP_MASKED_EQ}};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    if (!strcmp(op, t[i].n)) return t[i].c;
  die_step("seccomp", 0, "unknown operator %s", op);
}

static void load_seccomp(void) {
  if (!plan.seccomp_default) return;
  char *f[3] = {0};
  char *s = plan.seccomp_default;
  for (int i = 0; i < 2; i++) f[i] = strsep(&s, "\t");
  uint32_t def = scmp_action(f[0], f[1] ? f[1] : "0");
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) die_step("seccomp", 0, "seccomp_init");
  /* no_new_privs is its own choice (--security-opt no-new-privileges), not
   * a side effect of the filter: libseccomp would set it by default. */
  int nnp = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (nnp < 0) die_step("seccomp", -nnp, "clear the no_new_privs attribute");
  for (int i = 0; i < plan.nseccomp_arches; i++) {
    uint32_t a = seccomp_arch_resolve_name(plan.seccomp_arches[i]);
    if (!a) die_step("seccomp", 0, "unknown architecture %s", plan.seccomp_arches[i]);
    int r = seccomp_arch_add(ctx, a);
    if (r < 0 && r != -EEXIST) die_step("seccomp", -r, "add architecture %s", plan.seccomp_arches[i]);
  }
  for (int i = 0; i < plan.nseccomp_rules; i++) {
    char *p = plan.seccomp_rules[i];
    char *act = strsep(&p, "\t"), *err = strsep(&p, "\t"), *name = strsep(&p, "\t");
    if (!act || !err || !name) die_step("seccomp", 0, "bad rule line");
    uint32_t action = scmp_action(act, err);
    if (action == def) continue; /* libseccomp refuses rules that repeat the default */
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue; /* not a syscall on this architecture */
    struct scmp_arg_cmp cmp[6];
    unsigned ncmp = 0;
    for (char *spec; ncmp < 6 && (spec = strsep(&p, "\t")) != NULL;) {
      char *idx = strsep(&spec, ":"), *op = strsep(&spec, ":"), *v1 = strsep(&spec, ":"), *v2 = spec;
      if (!idx || !op || !v1 || !v2) die_step("seccomp", 0, "bad argument rule for %s", name);
      cmp[ncmp++] = (struct scmp_arg_cmp){.arg = atoi(idx), .op = scmp_op(op), .datum_a = strtoull(v1, NULL, 10), .datum_b = strtoull(v2, NULL, 10)};
    }
    int r = seccomp_rule_add_array(ctx, action, nr, ncmp, cmp);
    if (r < 0) die_step("seccomp", -r, "rule for %s", name);
  }
  /* Without no_new_privs the filter needs CAP_SYS_ADMIN in our user
   * namespace, which root still has here: load it before dropping to the user. */
  int r = seccomp_load(ctx);
  if (r < 0) die_step("seccomp", -r, "load the filter");
  seccomp_release(ctx);
}

/* ---- masked and read-only paths --------------------------------------------
 * Masks come from a /dev/null we checked is the real 1:3 device, opened from
 * the host's /dev before pivot_root, never from a path the image controls. */

static int devnull_fd = -1;

static void open_devnull(void) {
  devnull_fd = open("/dev/null", O_PATH | O_CLOEXEC);
  struct stat st;
  if (devnull_fd < 0 || fstat(devnull_fd, &st) < 0) die_step("mask", errno, "open /dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
    die_step("mask", 0, "/dev/null is not the 1:3 character device: refusing to mask with it");
}

static void mask_paths(void) {
  for (int i = 0; i < plan.nmasked; i++) {
    int fd = open_in_root(plan.masked[i], O_PATH, RESOLVE_NO_SYMLINKS);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      die_step("mask", errno, "%s", plan.masked[i]);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) die_step("mask", errno, "stat %s", plan.masked[i]);
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", devnull_fd); /* fdpath() has one buffer */
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", fdpath(fd), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
                                : mount(src, fdpath(fd), NULL, MS_BIND, NULL);
    if (r < 0) die_step("mask", errno, "mask %s", plan.masked[i]);
    close(fd);
  }
  for (int i = 0; i < plan.nreadonly_paths; i++) {
    int fd = open_in_root(plan.readonly_paths[i], O_PATH, RESOLVE_NO_SYMLINKS);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      die_step("readonly_paths", errno, "%s", plan.readonly_paths[i]);
    }
    if (mount(fdpath(fd), fdpath(fd), NULL, MS_BIND | MS_REC, NULL) < 0)
      die_step("readonly_paths", errno, "bind %s", plan.readonly_paths[i]);
    close(fd);
    fd = open_in_root(plan.readonly_paths[i], O_PATH, RESOLVE_NO_SYMLINKS);
    if (fd < 0) die_step("readonly_paths", errno, "reopen %s", plan.readonly_paths[i]);
    if (mount(NULL, fdpath(fd), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(fdpath(fd)), NULL) < 0)
      die_step("readonly_paths", errno, "remount %s read-only", plan.readonly_paths[i]);
    close(fd);
  }
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
  if (plan.waiter) waiter_memfd = sealed_copy("waiter", plan.waiter, "tspod-wait");
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
static void __attribute__((noreturn)) container_main(void) {
  close(errpipe[0]);
  /* Setup failures go through errpipe too: the child shares no sync socket. */
  sync_fd = errpipe[1];
  if (!plan.tty && setsid() < 0) die_step("session", errno, "setsid");
  /* A mount namespace of our own: pivot_root moves the root of every process
   * in the namespace, and fuse-overlayfs must keep the host's. */
  if (unshare(CLONE_NEWNS) < 0) die_step("namespaces", errno, "unshare(CLONE_NEWNS) for the container");
  /* The host's /dev/null, seen from this mount namespace (a bind source must be in it). */
  open_devnull();
  rootfd = open(plan.merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) die_step("mount_rootfs", errno, "open %s", plan.merged);
  mount_proc_sys();
  /* As podman: root in the container may ping (ICMP echo sockets). Before
   * /proc/sys turns read-only. */
  if (plan.new_net) {
    int fd = open_in_root("/proc/sys/net/ipv4/ping_group_range", O_WRONLY, RESOLVE_NO_SYMLINKS);
    if (fd >= 0) {
      if (write(fd, "0 0", 3) < 0) { /* best effort: older kernels lack it */ }
      close(fd);
    }
  }
  mount_dev();
  mount_volumes();
  mask_paths();
  int wd = make_in_root("workdir", plan.cwd, 0);
  close(wd);
  pivot();
  if (plan.hostname && sethostname(plan.hostname, strlen(plan.hostname)) < 0)
    die_step("hostname", errno, "sethostname %s", plan.hostname);
  exec_process();
}

/* ---- exec mode: a new process in a running container -----------------------
 * Node cannot setns into a user namespace (it is multithreaded); we can. */

static void join_namespaces(void) {
  static const struct { const char *name; int type; } ns[] = {
      {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS},
      {"ipc", CLONE_NEWIPC},   {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP}};
  int fds[7];
  /* Open them all first: after joining the mount namespace, /proc is the
   * container's. A namespace the container shares with us (the cgroup one,
   * the network with --network host) is skipped: joining it needs privilege
   * over its owner and changes nothing. */
  for (int i = 0; i < 7; i++) {
    char path[64], self[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", plan.exec_target, ns[i].name);
    snprintf(self, sizeof self, "/proc/self/ns/%s", ns[i].name);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die_step("setns", errno, "open %s (is the container running?)", path);
    struct stat theirs, ours;
    if (fstat(fds[i], &theirs) == 0 && stat(self, &ours) == 0 && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
      close(fds[i]);
      fds[i] = -1;
    }
  }
  for (int i = 0; i < 7; i++) {
    if (fds[i] < 0) continue;
    if (setns(fds[i], ns[i].type) < 0) die_step("setns", errno, "join the %s namespace of %d", ns[i].name, plan.exec_target);
    close(fds[i]);
  }
  if (chdir("/") < 0) die_step("setns", errno, "chdir / in the container");
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
  if (plan.exec_target > 0) {
    join_namespaces();
  } else {
    load_init();
    fork_network();
    setup_userns();
    setup_namespaces();
    mount_rootfs();
    if (unshare(CLONE_NEWPID) < 0) die_step("namespaces", errno, "unshare(CLONE_NEWPID)");
    wait_network();
  }

  if (pipe2(errpipe, O_CLOEXEC) < 0) die_step("fork", errno, "pipe");
  /* Forward the signals tspod forwards to us; block them until the child
   * pid is known so none is lost. */
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&block, sigs[i]);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t pid = fork();
  if (pid < 0) die_step("fork", errno, "fork the container process");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (plan.exec_target > 0) {
      close(errpipe[0]);
      sync_fd = errpipe[1];
      if (!plan.tty && setsid() < 0) die_step("session", errno, "setsid");
      exec_process();
    }
    container_main();
  }
  child_pid = pid;
  struct sigaction sa = {.sa_handler = forward_signal};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
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
  if (len == 0) sync_send("started\t%d", pid);
  else sync_send("%s", buf);
  /* That was the last message: tspod may exit now (run -d), and a write to a
   * closed socket would raise SIGPIPE here. */
  close(sync_fd);
  sync_fd = -1;

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
    sigprocmask(SIG_SETMASK, &old, NULL);
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  child_pid = -1;
  if (fuse_pid > 0) {
    /* The namespace holding its mount dies with us: no unmount needed. */
    kill(fuse_pid, SIGKILL);
    while (waitpid(fuse_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (slirp_pid > 0) {
    close(slirp_exit[1]); /* slirp4netns exits when this closes */
    while (waitpid(slirp_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
