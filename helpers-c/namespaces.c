/* tspod-launch, namespaces: the slirp4netns child, the new user namespace
 * (the user's shared one, held by the pause process), the other new namespaces, and joining a pod's or a
 * running container's namespaces (exec). */
#include "launch.h"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* ---- the network -----------------------------------------------------------
 * slirp4netns is this helper's child, forked before the user namespace so it
 * runs as the user on the host. It waits until our network namespace exists,
 * joins it by pid, and exits when its exit pipe closes: when we exit, however
 * we exit. Nothing outlives the container. */

pid_t slirp_pid = -1;
static int slirp_go[2] = {-1, -1}, slirp_ready[2] = {-1, -1};
int slirp_exit[2] = {-1, -1};

void fork_network(void) {
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
    char *argv[72];
    int n = 0;
    for (int i = 0; i < plan.nslirp; i++) argv[n++] = plan.slirp_argv[i];
    if (plan.pasta) {
      /* pasta writes its pid file once the namespace is configured and its ports are bound:
       * that file is the ready pipe. It ignores the exit pipe; it is stopped with SIGTERM. */
      argv[n++] = "--pid";
      argv[n++] = "/proc/self/fd/4";
      argv[n++] = pidbuf;
    } else {
      argv[n++] = "-e";
      argv[n++] = "3";
      argv[n++] = "-r";
      argv[n++] = "4";
      argv[n++] = pidbuf;
      argv[n++] = "tap0";
    }
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
  if (write(slirp_go[1], "g", 1) != 1) die_step("network", errno, "start %s", plan.pasta ? "pasta" : "slirp4netns");
  close(slirp_go[1]);
}

/* Wait until slirp4netns has configured tap0 (pasta: its interface and ports). */
void wait_network(void) {
  if (slirp_pid < 0) return;
  char b;
  ssize_t r;
  while ((r = read(slirp_ready[0], &b, 1)) < 0 && errno == EINTR)
    ;
  if (r != 1) {
    int status = 0;
    waitpid(slirp_pid, &status, 0);
    slirp_pid = -1;
    die_step("network", 0, "%s exited before configuring the container's network (status %d; see %s)", plan.pasta ? "pasta" : "slirp4netns",
             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), plan.slirp_log ? plan.slirp_log : "its stderr");
  }
  close(slirp_ready[0]);
}

/* ---- namespaces ---------------------------------------------------------- */

/* A pod member shares the infra process's user namespace and those of its network, IPC, UTS,
 * pid and cgroup namespaces the pod shares (pod_share lines; net, ipc and uts by default), all
 * opened before any is joined; its mount namespace, and the rest, are its own. */
#define POD_NS 6
static int pod_ns[POD_NS] = {-1, -1, -1, -1, -1, -1};
static const struct { const char *name; int type; int share; } pod_ns_kinds[POD_NS] = {
    {"user", CLONE_NEWUSER, 0}, {"net", CLONE_NEWNET, POD_SHARE_NET}, {"ipc", CLONE_NEWIPC, POD_SHARE_IPC},
    {"uts", CLONE_NEWUTS, POD_SHARE_UTS}, {"pid", CLONE_NEWPID, POD_SHARE_PID}, {"cgroup", CLONE_NEWCGROUP, POD_SHARE_CGROUP}};

static int pod_shares(int i) {
  return i == 0 || (plan.pod_share & pod_ns_kinds[i].share);
}

static void open_pod_namespaces(void) {
  if (!plan.pod_share_given) plan.pod_share = POD_SHARE_NET | POD_SHARE_IPC | POD_SHARE_UTS;
  for (int i = 0; i < POD_NS; i++) {
    if (!pod_shares(i)) continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", plan.pod_target, pod_ns_kinds[i].name);
    pod_ns[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (pod_ns[i] < 0) die_step("pod", errno, "open %s (is the pod's infra running?)", path);
    /* A pod created with --uts host: the infra's namespace is the host's, which we are in already
     * (and could not join: it belongs to the host's user namespace). */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/ns/%s", pod_ns_kinds[i].name);
    struct stat theirs, ours;
    if (i > 0 && fstat(pod_ns[i], &theirs) == 0 && stat(self, &ours) == 0 && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
      close(pod_ns[i]);
      pod_ns[i] = -1;
    }
  }
}

static void join_pod_namespace(int i) {
  if (pod_ns[i] < 0) return;
  if (setns(pod_ns[i], pod_ns_kinds[i].type) < 0)
    die_step("pod", errno, "join the %s namespace of the pod's infra %d", pod_ns_kinds[i].name, plan.pod_target);
  close(pod_ns[i]);
  pod_ns[i] = -1;
}

/* --pid/--ipc/--uts/--network container:ID: the namespaces of another container, opened before any
 * is joined; its user namespace (mapped by its own start) is entered first, since it owns them. */
static int target_ns[5] = {-1, -1, -1, -1, -1}; /* user, pid, ipc, uts, net */

static int open_target_ns(const char *name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/%s", plan.join_target, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_step("namespaces", errno, "open %s (is the container whose namespaces are joined running?)", path);
  return fd;
}

static void join_target_ns(int i, int type, const char *name) {
  if (target_ns[i] < 0) return;
  if (setns(target_ns[i], type) < 0) {
    if (i >= 1 && i <= 3 && plan.ns_path[i - 1])
      die_step("namespaces", errno, "join the %s namespace %s (a rootless container can join only a namespace of this user's own containers)", name, plan.ns_path[i - 1]);
    die_step("namespaces", errno, "join the %s namespace of container process %d", name, plan.join_target);
  }
  close(target_ns[i]);
  target_ns[i] = -1;
}

void join_target_pid_namespace(void) {
  /* a pid namespace to join that was never opened (a plan no other line backs): never run in ours */
  if (target_ns[1] < 0) die_step("namespaces", 0, "the plan joins a pid namespace it names no way to");
  join_target_ns(1, CLONE_NEWPID, "pid"); /* our children are born in it */
}

/* "C H S" lines, written at once (the kernel takes one write). */
static void write_idmap(pid_t pid, const char *file, const struct idmap_entry *m, int n) {
  char buf[64 * 40], path[64];
  size_t off = 0;
  for (int i = 0; i < n; i++) off += snprintf(buf + off, sizeof buf - off, "%lu %lu %lu\n", m[i].c, m[i].h, m[i].s);
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_step("userns", errno, "open %s", path);
  if (write(fd, buf, off) != (ssize_t)off) die_step("userns", errno, "write %s (%s)", path, buf);
  close(fd);
}

/* A user namespace below the shared one, mapped by us (root there: no newuidmap), joined.
 * A child makes it (a process cannot map its own namespace with more than its own id);
 * we write its maps, join it through /proc/CHILD/ns/user, and let the child go. */
static void enter_nested_userns(void) {
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) die_step("userns", errno, "pipe");
  pid_t child = fork();
  if (child < 0) die_step("userns", errno, "fork");
  if (child == 0) {
    close(ready[0]);
    close(go[1]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char b = 'r';
    /* Dumpable, so that its /proc files belong to us and we may write its maps. */
    if (unshare(CLONE_NEWUSER) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0) b = 'e';
    if (write(ready[1], &b, 1) != 1) _exit(1);
    if (read(go[0], &b, 1) < 0) _exit(1);
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  char b = 0;
  if (read(ready[0], &b, 1) != 1 || b != 'r') die_step("userns", 0, "the nested user namespace could not be created");
  write_idmap(child, "uid_map", plan.uid_map, plan.nuid_map);
  write_idmap(child, "gid_map", plan.gid_map, plan.ngid_map);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) die_step("userns", errno, "open %s", path);
  if (setns(ns, CLONE_NEWUSER) < 0) die_step("userns", errno, "join the nested user namespace");
  close(ns);
  close(go[1]);
  close(ready[0]);
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
    ;
}

static int rootfs_mounted = 0;

/* The pod's pid namespace, for the container process forked next (after the mounts). */
void join_pod_pid(void) {
  join_pod_namespace(4);
}

void setup_userns(void) {
  if (plan.join_target > 0) {
    /* --pid/--ipc/--uts container:ID: that container's user namespace owns the namespaces joined. */
    if (plan.nuid_map > 0 || plan.userns_path) die_step("userns", 0, "--userns cannot be combined with joining another container's pid, ipc, uts or network namespace");
    target_ns[0] = open_target_ns("user");
    if (plan.join_pid) target_ns[1] = open_target_ns("pid");
    if (plan.join_ipc) target_ns[2] = open_target_ns("ipc");
    if (plan.join_uts) target_ns[3] = open_target_ns("uts");
    if (plan.join_net) target_ns[4] = open_target_ns("net");
    join_target_ns(0, CLONE_NEWUSER, "user");
    become_userns_root();
    return;
  }
  if (plan.pod_target > 0 && plan.nuid_map == 0) {
    open_pod_namespaces();
    join_pod_namespace(0); /* the user's shared one, or the pod's nested one */
    become_userns_root();
    return;
  }
  if (plan.userns_pid <= 0) die_step("userns", 0, "the plan names no user namespace to join (userns_join)");
  join_userns_pid(plan.userns_pid, plan.userns_start);
  become_userns_root();
  if (plan.nuid_map == 0 && !plan.userns_path) return;
  /* Another user namespace below the shared one: the rootfs is mounted first, here, where
   * fuse-overlayfs reads the layers with the owners they record and shows them through
   * uidmapping/gidmapping as the nested namespace's ids. Every other namespace is made
   * after joining, so that the container's root has its capabilities over them. */
  if (unshare(CLONE_NEWNS) < 0) die_step("namespaces", errno, "unshare(mount) for the rootfs");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die_step("namespaces", errno, "make / private");
  mount_rootfs();
  rootfs_mounted = 1;
  plan.nested = 1;
  if (plan.pod_target > 0) {
    open_pod_namespaces();
    join_pod_namespace(0);
  } else if (plan.userns_path) {
    int ns = open(plan.userns_path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) die_step("userns", errno, "open %s", plan.userns_path);
    if (setns(ns, CLONE_NEWUSER) < 0) die_step("userns", errno, "join the user namespace %s", plan.userns_path);
    close(ns);
  } else {
    enter_nested_userns();
  }
}

/* The container's process, in a nested user namespace: root there. */
void become_nested_root(void) {
  if (plan.nested) become_userns_root();
}

int rootfs_ready(void) {
  return rootfs_mounted;
}

void setup_namespaces(void) {
  if (plan.pod_target > 0) {
    int flags = CLONE_NEWNS;
    if (!(plan.pod_share & POD_SHARE_UTS)) flags |= CLONE_NEWUTS;
    if (!(plan.pod_share & POD_SHARE_IPC)) flags |= CLONE_NEWIPC;
    if (!(plan.pod_share & POD_SHARE_NET) && plan.new_net) flags |= CLONE_NEWNET;
    if (!(plan.pod_share & POD_SHARE_CGROUP) && plan.new_cgroupns) flags |= CLONE_NEWCGROUP;
    if (unshare(flags) < 0) die_step("namespaces", errno, "unshare(mount and the namespaces the pod does not share)");
    for (int i = 1; i < 4; i++) join_pod_namespace(i);
    join_pod_namespace(5);
  } else {
    int flags = CLONE_NEWNS;
    if (!plan.host_uts && !plan.join_uts) flags |= CLONE_NEWUTS;
    if (!plan.host_ipc && !plan.join_ipc) flags |= CLONE_NEWIPC;
    if (plan.new_cgroupns) flags |= CLONE_NEWCGROUP;
    /* --network ns:PATH: opened here, as root of the container's user namespace (a /proc/PID/ns
     * file of another container's process is readable then); joining it needs privilege over the
     * user namespace that owns it: one of this user's, not the host's. */
    int net_fd = -1;
    /* --pid/--ipc/--uts ns:PATH the same way, into the slots a container's namespaces take */
    for (int i = 0; i < 3; i++) {
      if (!plan.ns_path[i]) continue;
      /* non-blocking: a FIFO there must not hang the start (setns then refuses what is no namespace) */
      target_ns[1 + i] = open(plan.ns_path[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
      if (target_ns[1 + i] < 0) die_step("namespaces", errno, "open the namespace %s", plan.ns_path[i]);
    }
    if (plan.net_path) {
      net_fd = open(plan.net_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
      if (net_fd < 0) die_step("namespaces", errno, "open the network namespace %s", plan.net_path);
    }
    if (plan.new_net && !plan.join_net && net_fd < 0) flags |= CLONE_NEWNET;
    if (unshare(flags) < 0) die_step("namespaces", errno, "unshare(mount, uts, ipc, net)");
    join_target_ns(2, CLONE_NEWIPC, "ipc");
    join_target_ns(3, CLONE_NEWUTS, "uts");
    join_target_ns(4, CLONE_NEWNET, "net");
    if (net_fd >= 0) {
      if (setns(net_fd, CLONE_NEWNET) < 0)
        die_step("namespaces", errno, "join the network namespace %s (a rootless container can join only a network namespace of this user's own containers)", plan.net_path);
      close(net_fd);
    }
  }
  start_network();
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die_step("namespaces", errno, "make / private");
  /* A mount that came from the first mount namespace is locked here, and pivot_root refuses a
   * locked new root: a bind of it made in this namespace is not. */
  if (plan.nested && mount(plan.merged, plan.merged, NULL, MS_BIND, NULL) < 0)
    die_step("namespaces", errno, "bind %s onto itself", plan.merged);
}


/* ---- exec mode: a new process in a running container -----------------------
 * Node cannot setns into a user namespace (it is multithreaded); we can. */

void join_namespaces(void) {
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

