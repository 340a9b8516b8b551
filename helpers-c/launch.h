/* tspod-launch's shared declarations: the plan tspod sent, and the steps each
 * file exports (one concern per file, as crun keeps linux.c, seccomp.c and
 * terminal.c apart; still one helper binary). */
#ifndef TSPOD_LAUNCH_H
#define TSPOD_LAUNCH_H

/* One sync fd for the whole helper (defined in launch-main.c), not one per file. */
#define TSPOD_SYNC_FD_EXTERN
extern int sync_fd;
#include "common.h"

#include <sys/types.h>

#define MAX_ITEMS 256

struct bind {
  char *src, *dst;
  int ro;
};

struct launch_plan {
  const char *mode; /* fuse | native */
  const char *fuse_program, *fuse_log;
  char *lower[MAX_ITEMS];
  int nlower;
  const char *upper, *work, *merged;
  int remove_layers; /* run --rm in front of tspod: remove upper and work once the container is gone */
  int new_net, tty, interactive, relay, readonly;
  /* in front of tspod, the relay logs the output too (run; never exec): a k8s-file log, or the journal */
  const char *log_file, *log_journal[3];
  unsigned long long log_max;
  const char *hostname, *user, *cwd, *init;
  const char *cwd_check; /* --workdir given: the container id; the directory must exist (podman does not create it) */
  char *env[MAX_ITEMS];
  int nenv;
  char *argv[MAX_ITEMS];
  int nargv;
  struct bind binds[MAX_ITEMS];
  int nbinds;
  char *tmpfs[MAX_ITEMS];
  unsigned long tmpfs_flags[MAX_ITEMS]; /* "tmpfs DEST [FLAGS DATA]": --tmpfs options */
  const char *tmpfs_data[MAX_ITEMS];
  const char *tmpfs_type[MAX_ITEMS]; /* "tmpfs", or "devpts" for a "devpts DEST FLAGS DATA" line (--mount type=devpts) */
  int ntmpfs;
  unsigned long long caps;
  int no_new_privs;
  /* seccomp: the default action and the rules, as plan lines (NULL: unconfined) */
  char *seccomp_default;
  /* where compiled filters are cached (seccomp_cache DIR) */
  const char *seccomp_cache;
  char *seccomp_arches[8];
  int nseccomp_arches;
  char **seccomp_rules;
  int nseccomp_rules, seccomp_rules_cap;
  char *masked[MAX_ITEMS];
  int nmasked;
  char *readonly_paths[MAX_ITEMS];
  int nreadonly_paths;
  int preserve_fds;
  /* --ulimit: "rlimit RESOURCE SOFT HARD" (-1: unlimited), set before exec */
  struct { int resource; unsigned long long soft, hard; } rlimits[16];
  int nrlimits;
  unsigned long long shm_size; /* --shm-size in bytes; 0: 64 MiB */
  const char *oom_score_adj; /* --oom-score-adj; NULL: inherited */
  int umask_value; /* --umask; -1: left as it is */
  char *group_add[64]; /* --group-add: gids or group names of the container's /etc/group */
  int ngroup_add;
  int keep_groups; /* --group-add keep-groups: no setgroups, the user's own groups stay */
  pid_t exec_target; /* exec mode: join this container process's namespaces */
  pid_t userns_pid;  /* the user's pause process: its user namespace is joined (userns_join PID START) */
  unsigned long long userns_start;
  /* --userns keep-id|nomap|auto, --uidmap/--gidmap: a nested user namespace inside the shared one,
   * "uid_map C H S" / "gid_map C H S" (H in the shared namespace's ids); the rootfs then goes
   * through fuse-overlayfs with the same uidmapping/gidmapping, so files keep their owners */
  struct idmap_entry { unsigned long c, h, s; } uid_map[64], gid_map[64];
  int nuid_map, ngid_map;
  const char *userns_path; /* --userns ns:PATH, container:ID: join this user namespace instead */
  int nested; /* set by the helper: the container runs in a user namespace below the shared one */
  pid_t pod_target;  /* a pod member: join this infra process's user, net, ipc and uts namespaces */
  /* pod_share lines: which of the infra's namespaces a member joins (the rest are its own);
   * without any line, podman's default net, ipc and uts */
  int pod_share_given, pod_share;
  int host_pid, host_ipc, host_uts; /* --pid/--ipc/--uts host: that namespace is not unshared */
  pid_t join_target; /* --pid/--ipc/--uts/--network container:ID: that container's process, whose user namespace we enter */
  int join_pid, join_ipc, join_uts, join_net; /* ...and which of its namespaces are joined instead of made */
  const char *net_path; /* --network ns:PATH: the network namespace at PATH, joined instead of made */
  const char *ns_path[3]; /* --pid/--ipc/--uts ns:PATH, in that order: joined as join_ns joins a container's */
  int new_cgroupns;  /* --cgroupns private: a cgroup namespace of its own (host is the default here, as podman on cgroups v1) */
  char *sysctl_key[32], *sysctl_value[32]; /* --sysctl: written under the container's /proc/sys before pivot_root */
  int nsysctl;
  const char *cgroup_procs; /* cgroup v2 delegation: the container's cgroup.procs, joined before anything else */
  const char *waiter; /* once the container runs, become this small waiter (tspod-wait) */
  char *slirp_argv[64]; /* slirp4netns and its options; NULL: no user-mode network */
  const char *slirp_log;
  int pasta; /* slirp_argv is pasta: ready through its pid file, stopped with SIGTERM */
  int nslirp;
  int net_sync; /* a user-defined network: tspod wires the new network namespace before the exec ("netns PID", "networked") */
};

extern struct launch_plan plan;

/* namespaces.c: the user-mode network, the new namespaces, joining a pod's or a container's */
extern pid_t slirp_pid;
extern int slirp_exit[2];
void fork_network(void);
void wait_network(void);
void setup_userns(void);
void setup_namespaces(void);
void join_namespaces(void);
void join_target_pid_namespace(void);
void become_nested_root(void);

/* mounts.c: the rootfs and everything mounted in it, then pivot_root */
extern pid_t fuse_pid;
void mount_rootfs(void);
int rootfs_ready(void);
void open_rootfs(void);
void open_devnull(void);
void mount_proc_sys(void);
void set_ping_group_range(void);
void set_sysctls(void);
void mount_dev(void);
void mount_volumes(void);
void open_bind_sources(void);
void mask_paths(void);
void make_workdir(void);
void make_etc_mtab(void);
void pivot(void);

/* user.c: the user and group from the image's own files, and the capabilities */
extern char user_home[1024];
void set_user(void);
void drop_bounding_caps(void);
void drop_caps(void);

/* seccomp.c */
void remove_layers(void);
void prepare_seccomp(void);
void load_seccomp(void);

/* terminal.c: the container's terminal, allocated in its own devpts */
void console_open(void);
int console_wait_master(void);
void console_child(void);
void copy_winsize(int master);
void make_raw(void);
void restore_terminal(void);

/* relay.c: in front of tspod, the container's stdio (pipes, or the terminal) */
void stdio_open(void);
void stdio_child(void);
int relay_stdio(pid_t child, int master);

enum { POD_SHARE_NET = 1, POD_SHARE_IPC = 2, POD_SHARE_UTS = 4, POD_SHARE_PID = 8, POD_SHARE_CGROUP = 16 };
void join_pod_pid(void);
#endif
