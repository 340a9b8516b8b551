/* tspod-launch, seccomp: the filter tspod resolved (default action, arches,
 * rules as plan lines), compiled to BPF once and kept in a cache keyed by
 * everything it was compiled from, then loaded before the user drop. */
#include "launch.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

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

/* The compiled filter, prepared before any namespace change (the cache lives on the
 * host) and loaded by load_seccomp() in the container's last steps. */
static struct sock_filter *prog;
static unsigned short prog_len;
static int prog_from_cache;

/* ---- the BPF cache ----------------------------------------------------------
 * DIR/<fnv64 of the key>.bpf:  "TSPODBPF2\n" u32 keylen, key, u32 proglen, u64 fnv64 of the
 * program, program.
 * The key is the whole input of the compilation: the rules as tspod resolved them
 * (capabilities applied), the architectures, the kernel and libseccomp versions.
 * A file is used only when its key is byte for byte ours and its program is well
 * formed; anything else is compiled afresh and the file replaced. */
static const char magic[] = "TSPODBPF2\n";

static char *cache_key(size_t *len) {
  struct utsname u;
  if (uname(&u) < 0) die_step("seccomp", errno, "uname");
  const struct scmp_version *v = seccomp_version();
  size_t cap = 4096 + strlen(plan.seccomp_default);
  for (int i = 0; i < plan.nseccomp_arches; i++) cap += strlen(plan.seccomp_arches[i]) + 8;
  for (int i = 0; i < plan.nseccomp_rules; i++) cap += strlen(plan.seccomp_rules[i]) + 2;
  char *key = malloc(cap);
  if (!key) die_step("seccomp", ENOMEM, "cache key");
  size_t n = snprintf(key, cap, "machine %s\nkernel %s\nlibseccomp %u.%u.%u\ndefault %s\n", u.machine, u.release,
                      v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, plan.seccomp_default);
  for (int i = 0; i < plan.nseccomp_arches; i++) n += snprintf(key + n, cap - n, "arch %s\n", plan.seccomp_arches[i]);
  for (int i = 0; i < plan.nseccomp_rules; i++) n += snprintf(key + n, cap - n, "%s\n", plan.seccomp_rules[i]);
  *len = n;
  return key;
}

static uint64_t fnv64(const char *p, size_t n) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

/* The cached program for KEY, or 0 when there is none usable. */
static int read_cache(int dirfd, const char *name, const char *key, size_t keylen) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  struct stat st;
  size_t head = sizeof magic - 1;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)(head + 16 + keylen + BPF_MAXINSNS * sizeof(struct sock_filter))) {
    close(fd);
    return 0;
  }
  char *buf = malloc(st.st_size + 1);
  if (!buf) die_step("seccomp", ENOMEM, "cache file");
  ssize_t got = 0;
  while (got < st.st_size) {
    ssize_t r = read(fd, buf + got, st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += r;
  }
  close(fd);
  int ok = 0;
  uint32_t klen, plen;
  uint64_t sum;
  if (got == st.st_size && (size_t)got >= head + 16 + keylen && !memcmp(buf, magic, head)) {
    memcpy(&klen, buf + head, 4);
    if (klen == keylen && !memcmp(buf + head + 4, key, keylen)) {
      memcpy(&plen, buf + head + 4 + keylen, 4);
      memcpy(&sum, buf + head + 8 + keylen, 8);
      const char *body = buf + head + 16 + keylen;
      if (plen && plen % sizeof(struct sock_filter) == 0 && plen / sizeof(struct sock_filter) <= BPF_MAXINSNS &&
          (size_t)got == head + 16 + keylen + plen && fnv64(body, plen) == sum) {
        prog = malloc(plen);
        if (!prog) die_step("seccomp", ENOMEM, "cache file");
        memcpy(prog, body, plen);
        prog_len = plen / sizeof(struct sock_filter);
        prog_from_cache = 1;
        ok = 1;
      }
    }
  }
  free(buf);
  return ok;
}

/* Compile the rules with libseccomp into prog. */
static void compile(void) {
  char *f[3] = {0};
  char *s = strdup(plan.seccomp_default);
  if (!s) die_step("seccomp", ENOMEM, "default action");
  char *d = s;
  for (int i = 0; i < 2; i++) f[i] = strsep(&d, "\t");
  uint32_t def = scmp_action(f[0], f[1] ? f[1] : "0");
  free(s);
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
    char *line = strdup(plan.seccomp_rules[i]);
    if (!line) die_step("seccomp", ENOMEM, "rule");
    char *p = line;
    char *act = strsep(&p, "\t"), *err = strsep(&p, "\t"), *name = strsep(&p, "\t");
    if (!act || !err || !name) die_step("seccomp", 0, "bad rule line");
    uint32_t action = scmp_action(act, err);
    int nr = seccomp_syscall_resolve_name(name);
    /* libseccomp refuses rules that repeat the default; a name that is not a syscall
     * on this architecture has nothing to filter */
    if (action != def && nr != __NR_SCMP_ERROR) {
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
    free(line);
  }
  /* The program as the kernel takes it, through a memory file. */
  int mfd = memfd_create("tspod-seccomp", MFD_CLOEXEC);
  if (mfd < 0) die_step("seccomp", errno, "memfd_create");
  int r = seccomp_export_bpf(ctx, mfd);
  if (r < 0) die_step("seccomp", -r, "export the filter");
  seccomp_release(ctx);
  off_t size = lseek(mfd, 0, SEEK_CUR);
  if (size <= 0 || size % sizeof(struct sock_filter) || size / sizeof(struct sock_filter) > BPF_MAXINSNS)
    die_step("seccomp", 0, "the compiled filter has %lld bytes", (long long)size);
  prog = malloc(size);
  if (!prog) die_step("seccomp", ENOMEM, "filter");
  if (pread(mfd, prog, size, 0) != size) die_step("seccomp", errno, "read the compiled filter");
  close(mfd);
  prog_len = size / sizeof(struct sock_filter);
}

/* Best effort: a cache that cannot be written (a full disk) only costs the next start a compilation. */
static void write_cache(int dirfd, const char *name, const char *key, size_t keylen) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int)getpid());
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  uint32_t klen = keylen, plen = prog_len * sizeof(struct sock_filter);
  uint64_t sum = fnv64((const char *)prog, plen);
  int ok = write_all(fd, magic, sizeof magic - 1) == 0 && write_all(fd, &klen, 4) == 0 && write_all(fd, key, keylen) == 0 &&
           write_all(fd, &plen, 4) == 0 && write_all(fd, &sum, 8) == 0 && write_all(fd, prog, plen) == 0 && fsync(fd) == 0;
  if (close(fd) < 0) ok = 0;
  if (!ok || renameat(dirfd, tmp, dirfd, name) < 0) unlinkat(dirfd, tmp, 0);
}

void prepare_seccomp(void) {
  if (!plan.seccomp_default) return;
  size_t keylen;
  char *key = cache_key(&keylen);
  char name[32];
  snprintf(name, sizeof name, "%016llx.bpf", (unsigned long long)fnv64(key, keylen));
  int dirfd = -1;
  if (plan.seccomp_cache) {
    if (mkdir(plan.seccomp_cache, 0700) < 0 && errno != EEXIST) die_step("seccomp", errno, "mkdir %s", plan.seccomp_cache);
    dirfd = open(plan.seccomp_cache, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dirfd < 0) die_step("seccomp", errno, "open %s", plan.seccomp_cache);
  }
  if (dirfd < 0 || !read_cache(dirfd, name, key, keylen)) {
    compile();
    if (dirfd >= 0) write_cache(dirfd, name, key, keylen);
  }
  if (dirfd >= 0) close(dirfd);
  free(key);
}

void load_seccomp(void) {
  if (!prog) return;
  struct sock_fprog fprog = {.len = prog_len, .filter = prog};
  /* Without no_new_privs the filter needs CAP_SYS_ADMIN in our user
   * namespace, which root still has here: load it before dropping to the user. */
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) return;
  if (!prog_from_cache) die_step("seccomp", errno, "load the filter");
  /* A cached program the kernel refuses (its checksum held, so it was written that way):
   * compile afresh (libseccomp needs no files) and load that instead. */
  free(prog);
  prog = NULL;
  prog_from_cache = 0;
  compile();
  fprog = (struct sock_fprog){.len = prog_len, .filter = prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) die_step("seccomp", errno, "load the filter");
}
