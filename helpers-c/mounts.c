/* tspod-launch, mounts: the rootfs (fuse-overlayfs or native overlay), every
 * mount inside it resolved with RESOLVE_IN_ROOT, masked and read-only paths,
 * and pivot_root. */
#include "launch.h"

#include <dirent.h>
#include <fcntl.h>

#include <linux/magic.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>

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

pid_t fuse_pid = -1;

void mount_rootfs(void) {
  if (rootfs_ready()) return;
  if (!plan.merged || !plan.upper || !plan.work || plan.nlower == 0)
    die_step("mount_rootfs", 0, "plan lacks lower/upper/work/merged");
  /* --rootfs DIR: the directory itself is the root, changes land in it (as podman's --rootfs) */
  if (!strcmp(plan.mode, "bind")) {
    if (mount(plan.lower[0], plan.merged, NULL, MS_BIND | MS_REC, NULL) < 0)
      die_step("mount_rootfs", errno, "bind %s on %s", plan.lower[0], plan.merged);
    return;
  }
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
  int n = snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", lowerdirs, plan.upper, plan.work);
  /* A nested user namespace: files shown with its ids (on-disk C appears as H, as the map says). */
  for (int k = 0; k < 2; k++) {
    const struct idmap_entry *m = k ? plan.gid_map : plan.uid_map;
    int count = k ? plan.ngid_map : plan.nuid_map;
    for (int i = 0; i < count && n > 0 && n < (int)sizeof opts; i++)
      n += snprintf(opts + n, sizeof opts - n, "%s%lu:%lu:%lu", i ? ":" : (k ? ",gidmapping=" : ",uidmapping="), m[i].c, m[i].h, m[i].s);
  }
  if (n <= 0 || n >= (int)sizeof opts) die_step("mount_rootfs", 0, "fuse-overlayfs options too long");
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

void mount_proc_sys(void) {
  refuse_symlink("mount_proc", "/proc");
  refuse_symlink("mount_sys", "/sys");
  /* In the host's pid namespace (--pid host) no procfs of our own can be mounted: the host's, bound. */
  if (plan.host_pid) mount_at("mount_proc", "/proc", 0, "/proc", NULL, MS_BIND | MS_REC, NULL);
  else mount_at("mount_proc", "/proc", 0, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
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

void mount_dev(void) {
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
  char shm_data[64] = "mode=1777,size=65536k";
  if (plan.shm_size) snprintf(shm_data, sizeof shm_data, "mode=1777,size=%llu", plan.shm_size);
  mount_at("mount_dev", "/dev/shm", 0, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_data);
  /* --ipc host: an mqueue of our own cannot be mounted for the host's IPC namespace; the host's is bound when it has one */
  struct stat mq;
  if (!plan.host_ipc) mount_at("mount_dev", "/dev/mqueue", 0, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  else if (stat("/dev/mqueue", &mq) == 0 && S_ISDIR(mq.st_mode)) mount_at("mount_dev", "/dev/mqueue", 0, "/dev/mqueue", NULL, MS_BIND | MS_REC, NULL);
  int dev = open_in_root("/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (dev < 0) die_step("mount_dev", errno, "open /dev");
  static const char *links[][2] = {{"ptmx", "pts/ptmx"},      {"fd", "/proc/self/fd"},
                                   {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
                                   {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][1], dev, links[i][0]) < 0) die_step("mount_dev", errno, "symlink /dev/%s", links[i][0]);
  close(dev);
}

/* In a nested user namespace the container's root may not search the user's own 0700
 * directories (their owner can be unmapped there, as with nomap): the bind sources are opened
 * first, while the process is still the user, and mounted through /proc/self/fd. */
static int bind_fds[MAX_ITEMS];
static int bind_fds_open = 0;

void open_bind_sources(void) {
  for (int i = 0; i < plan.nbinds; i++) {
    bind_fds[i] = open(plan.binds[i].src, O_PATH | O_CLOEXEC);
    if (bind_fds[i] < 0) die_step("mount_volumes", errno, "%s", plan.binds[i].src);
  }
  bind_fds_open = 1;
}

/* How many components a destination has: mounts go shallow first, as podman sorts them, so a
 * tmpfs on /run (--read-only) is under /run/.containerenv and /run/secrets, not over them. */
static int path_depth(const char *p) {
  int n = 0;
  for (const char *c = p; *c; c++)
    if (*c != '/' && (c == p || c[-1] == '/')) n++;
  return n;
}

static void mount_bind(int i) {
  struct stat st;
  char src[64];
  const char *from = plan.binds[i].src;
  if (bind_fds_open) {
    if (fstat(bind_fds[i], &st) < 0) die_step("mount_volumes", errno, "%s", plan.binds[i].src);
    snprintf(src, sizeof src, "/proc/self/fd/%d", bind_fds[i]);
    from = src;
  } else if (stat(plan.binds[i].src, &st) < 0) die_step("mount_volumes", errno, "%s", plan.binds[i].src);
  mount_at("mount_volumes", plan.binds[i].dst, !S_ISDIR(st.st_mode), from, NULL,
           MS_BIND | MS_REC | (plan.binds[i].ro ? MS_RDONLY : 0), NULL);
  if (bind_fds_open) close(bind_fds[i]);
}

void mount_volumes(void) {
  int max = 0;
  for (int i = 0; i < plan.nbinds; i++)
    if (path_depth(plan.binds[i].dst) > max) max = path_depth(plan.binds[i].dst);
  for (int i = 0; i < plan.ntmpfs; i++)
    if (path_depth(plan.tmpfs[i]) > max) max = path_depth(plan.tmpfs[i]);
  /* depth by depth; within one depth binds first, then tmpfs, each in the order given */
  for (int d = 0; d <= max; d++) {
    for (int i = 0; i < plan.nbinds; i++)
      if (path_depth(plan.binds[i].dst) == d) mount_bind(i);
    for (int i = 0; i < plan.ntmpfs; i++)
      if (path_depth(plan.tmpfs[i]) == d) mount_at("mount_tmpfs", plan.tmpfs[i], 0, plan.tmpfs_type[i], plan.tmpfs_type[i], plan.tmpfs_flags[i], plan.tmpfs_data[i]);
  }
}

void pivot(void) {
  if (plan.readonly && mount(NULL, plan.merged, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(plan.merged), NULL) < 0)
    die_step("pivot", errno, "remount the rootfs read-only");
  if (fchdir(rootfd) < 0) die_step("pivot", errno, "chdir to the rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) die_step("pivot", errno, "pivot_root");
  if (umount2(".", MNT_DETACH) < 0) die_step("pivot", errno, "detach the old root");
  if (chdir("/") < 0) die_step("pivot", errno, "chdir /");
}


/* ---- masked and read-only paths --------------------------------------------
 * Masks come from a /dev/null we checked is the real 1:3 device, opened from
 * the host's /dev before pivot_root, never from a path the image controls. */

static int devnull_fd = -1;

void open_devnull(void) {
  devnull_fd = open("/dev/null", O_PATH | O_CLOEXEC);
  struct stat st;
  if (devnull_fd < 0 || fstat(devnull_fd, &st) < 0) die_step("mask", errno, "open /dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
    die_step("mask", 0, "/dev/null is not the 1:3 character device: refusing to mask with it");
}

void mask_paths(void) {
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


/* The merged directory, the root every later step resolves paths in. */
void open_rootfs(void) {
  rootfd = open(plan.merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) die_step("mount_rootfs", errno, "open %s", plan.merged);
}

/* As podman: root in the container may ping (ICMP echo sockets). Before
 * /proc/sys turns read-only. */
void set_ping_group_range(void) {
  if (!plan.new_net) return;
  int fd = open_in_root("/proc/sys/net/ipv4/ping_group_range", O_WRONLY, RESOLVE_NO_SYMLINKS);
  if (fd >= 0) {
    if (write(fd, "0 0", 3) < 0) { /* best effort: older kernels lack it */ }
    close(fd);
  }
}

/* --sysctl KEY=VALUE (tspod checked KEY is a namespaced one): through the container's own /proc. */
void set_sysctls(void) {
  for (int i = 0; i < plan.nsysctl; i++) {
    char path[512];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", plan.sysctl_key[i]);
    if (n < 0 || (size_t)n >= sizeof path) die_step("sysctl", ENAMETOOLONG, "%s", plan.sysctl_key[i]);
    for (char *p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
    int fd = open_in_root(path, O_WRONLY, RESOLVE_NO_SYMLINKS);
    if (fd < 0) die_step("sysctl", errno, "open %s", path);
    size_t len = strlen(plan.sysctl_value[i]);
    if (write(fd, plan.sysctl_value[i], len) != (ssize_t)len) die_step("sysctl", errno, "write %s to %s", plan.sysctl_value[i], path);
    close(fd);
  }
}

/* An image without /etc/mtab gets podman's symlink to /proc/mounts (mount and df read it), made in
 * the image's own /etc before any volume is mounted; an /etc that is not a directory is left alone. */
void make_etc_mtab(void) {
  int etc = open_in_root("/etc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (etc < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return;
    die_step("etc_mtab", errno, "open /etc in the container");
  }
  struct stat st;
  if (fstatat(etc, "mtab", &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno != ENOENT) die_step("etc_mtab", errno, "stat /etc/mtab in the container");
    /* a root the container may not write (--rootfs on a read-only tree) keeps it as it is */
    if (symlinkat("/proc/mounts", etc, "mtab") < 0 && errno != EEXIST && errno != EROFS && errno != EACCES && errno != EPERM) die_step("etc_mtab", errno, "symlink /etc/mtab in the container");
  }
  close(etc);
}

/* podman's refusal of a --workdir, reported to tspod only: tspod prints it as podman words it, with exit 126 */
static void __attribute__((noreturn)) workdir_refused(const char *what, const char *suffix) {
  sync_send("error\tworkdir_missing\t0\tworkdir \"%s\" %s on container %s%s", plan.cwd, what, plan.cwd_check, suffix);
  _exit(125);
}

/* The working directory exists in the container before the user is set: the image's WORKDIR is
 * made when missing; a --workdir the image and the mounts lack is an error, as in podman. */
void make_workdir(void) {
  if (plan.cwd_check) {
    int fd = open_in_root(plan.cwd, O_PATH, 0);
    if (fd < 0 && errno == ENOENT) workdir_refused("does not exist", "");
    if (fd < 0) die_step("workdir", errno, "resolve %s in the container", plan.cwd);
    struct stat st;
    if (fstat(fd, &st) < 0) die_step("workdir", errno, "stat %s in the container", plan.cwd);
    if (!S_ISDIR(st.st_mode)) workdir_refused("exists", ", but is not a directory");
    close(fd);
    return;
  }
  close(make_in_root("workdir", plan.cwd, 0));
}

/* ---- run --rm ----------------------------------------------------------------
 * The container is gone (its pid namespace with it) and so is the overlay program:
 * as root of the user namespace, which owns every file of the writable layer, remove
 * it here rather than have tspod start helpers for it. Another container may still
 * hold a descriptor into the overlay and rename or replace directories meanwhile, so
 * the walk goes by directory descriptors only: each level opened O_NOFOLLOW beneath
 * its parent, entries removed with unlinkat on that descriptor, never a path string,
 * never across a file system. A symlink put in a directory's place is removed itself.
 * What is left, if anything (a tree deeper than the limit), tspod removes. */
static void remove_tree_at(int parent, const char *name, dev_t dev, int depth) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR || errno == ELOOP) unlinkat(parent, name, 0);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_dev != dev || depth > 512) {
    close(fd);
    return;
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) remove_tree_at(dirfd(d), e->d_name, dev, depth + 1);
    else unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
  unlinkat(parent, name, AT_REMOVEDIR);
}

static void remove_layer_dir(const char *path) {
  /* The parent (the container's directory) is tspod's own: only below it can others act. */
  char *copy = strdup(path);
  if (!copy) return;
  char *slash = strrchr(copy, '/');
  if (!slash || slash == copy || !slash[1]) {
    free(copy);
    return;
  }
  *slash = 0;
  int parent = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (parent >= 0 && fstat(parent, &st) == 0) remove_tree_at(parent, slash + 1, st.st_dev, 0);
  if (parent >= 0) close(parent);
  free(copy);
}

void remove_layers(void) {
  if (umount2(plan.merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) return;
  remove_layer_dir(plan.upper);
  remove_layer_dir(plan.work);
}
