/* tspod-launch, user: the user and groups from the container's own
 * /etc/passwd and /etc/group, and the capability sets. */
#include "launch.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

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

/* An id as podman accepts it: 0-2147483647. Anything larger would be cut to
 * 32 bits, and (uid_t)-1 means "unchanged" to setresuid: the process would
 * stay root. tspod maps the "idrange" step to podman's message and exit 126. */
static unsigned int id_value(const char *text, const char *where) {
  if (!is_number(text) || strlen(text) > 10 || strtoull(text, NULL, 10) > 2147483647ULL)
    die_step("idrange", 0, "uids and gids must be in range 0-2147483647 (%s has \"%s\")", where, text);
  return (unsigned int)strtoull(text, NULL, 10);
}

char user_home[1024] = "/";

void set_user(void) {
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
    uid = id_value(fields[2], "/etc/passwd");
    gid = id_value(fields[3], "/etc/passwd");
    if (n >= 6 && *fields[5]) snprintf(user_home, sizeof user_home, "%s", fields[5]);
  } else if (num) {
    uid = id_value(spec, "the user");
  } else {
    die_step("user", 0, "unable to find user %s: no matching entries in passwd file", spec);
  }
  if (group) {
    if (is_number(group)) gid = id_value(group, "the group");
    else if (lookup_db("/etc/group", group, 1, fields, 4, line, sizeof line) >= 3) gid = id_value(fields[2], "/etc/group");
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
      if (!strcmp(tok, uname)) groups[ngroups++] = id_value(fields[2], "/etc/group");
  }
  if (f) fclose(f);
  /* --group-add: a gid, or a group of the container's /etc/group, as podman looks them up. */
  for (int i = 0; i < plan.ngroup_add && ngroups < 64; i++) {
    const char *g = plan.group_add[i];
    if (is_number(g)) groups[ngroups++] = id_value(g, "--group-add");
    else if (lookup_db("/etc/group", g, 1, fields, 4, line, sizeof line) >= 3) groups[ngroups++] = id_value(fields[2], "/etc/group");
    /* podman's words and exit status 126 (tspod reports "idrange" steps as they are, with 126) */
    else die_step("idrange", 0, "looking up supplemental groups: Unable to find group %s: no matching entries in group file", g);
  }
  /* With -t the terminal belongs to the user, as a login's would. */
  if (plan.tty && isatty(0) && fchown(0, uid, gid) < 0) die_step("user", errno, "chown the terminal to %u:%u", uid, gid);
  /* keep-groups: the user's own supplementary groups stay (they show as the overflow gid). */
  if (!plan.keep_groups && setgroups(ngroups, groups) < 0) die_step("user", errno, "setgroups");
  if (setresgid(gid, gid, gid) < 0) die_step("user", errno, "setgid %u (is it inside the mapped range?)", gid);
  if (setresuid(uid, uid, uid) < 0) die_step("user", errno, "setuid %u (is it inside the mapped range?)", uid);
}

/* The bounding set first, while we are still root with CAP_SETPCAP. */
void drop_bounding_caps(void) {
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
void drop_caps(void) {
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

