/* tspod-launch, seccomp: the filter tspod resolved (default action, arches,
 * rules as plan lines), built with libseccomp and loaded before the user drop. */
#include "launch.h"

#include <seccomp.h>

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

void load_seccomp(void) {
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

