/* tspod-extract: unpacks one image layer, a plain tar stream read from stdin,
 * into LAYERDIR, with the layer directory as the root of a private mount
 * namespace: nothing outside it exists for this process, so no name, symlink
 * or hard link in the archive can reach a host file. Every create, link and
 * link target is also resolved beneath that root with openat2 and never
 * through a symlink; a hard link to a symlink links the symlink itself.
 * OCI whiteouts become what the overlay mounts read (0/0 character devices,
 * user.overlay.opaque and user.fuseoverlayfs.opaque xattrs).
 *
 * Usage: tspod-extract [--own-userns] [--plain] [--max-entries N] [--max-bytes N] LAYERDIR < layer.tar
 *   --plain: a plain archive (volume import): whiteout names are ordinary files.
 *   Run as root of tspod's mapped user namespace (tspod-userns): owners are
 *   applied as the archive records them. --own-userns (tests, unit runs):
 *   when not uid 0, first enter a user namespace of one's own mapping only
 *   the caller's uid and gid to 0; owners are then not applied.
 *
 * The last line on stderr is a JSON status for tspod:
 *   {"status":"ok","entries":N,"bytes":N}
 *   {"status":"refused","message":"..."}   the archive is unsafe or unsupported
 *   {"status":"failed","message":"..."}    a system call failed (exit 125 either way)
 * The whole of stdin is read even after the end-of-archive blocks, so the
 * caller's digest of the stream covers every byte. */
#include "common.h"

#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

const char *helper_name = "tspod-extract";

#define RESOLVE_SAFE (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
#define MAX_NAME 65536      /* longest path or link target (PAX / GNU long names) */
#define MAX_PAX (1u << 20)  /* largest PAX extended header */

static int rootfd = -1;
static int root_mode = -1; /* the "./" entry's mode, -1 when the archive has none */
static bool apply_owners = true;
static uint64_t max_entries = 2000000, max_bytes = 64ull << 30;
/* --plain: an archive of files (volume import), not a layer: .wh. names are ordinary names */
static bool plain;
static uint64_t n_entries, n_bytes, offset;

/* ---- status ---------------------------------------------------------- */

static void json_line(const char *status, const char *msg) {
  char out[16384];
  size_t o = 0;
  o += snprintf(out + o, sizeof out - o, "{\"status\":\"%s\",\"message\":\"", status);
  for (const unsigned char *p = (const unsigned char *)msg; *p && o < sizeof out - 16; p++) {
    if (*p == '"' || *p == '\\') {
      out[o++] = '\\';
      out[o++] = *p;
    } else if (*p < 0x20 || *p == 0x7f) {
      o += snprintf(out + o, sizeof out - o, "\\u%04x", *p);
    } else {
      out[o++] = *p;
    }
  }
  o += snprintf(out + o, sizeof out - o, "\"}\n");
  if (write_all(2, out, o) < 0) _exit(125);
}

/* The archive is unsafe or not something tspod extracts. */
static void __attribute__((noreturn, format(printf, 1, 2))) refuse(const char *fmt, ...) {
  char msg[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: refused: %s\n", helper_name, msg);
  json_line("refused", msg);
  _exit(125);
}

/* A system call failed: "tspod-extract: STEP: WHAT: strerror". */
static void __attribute__((noreturn, format(printf, 3, 4))) fail(const char *step, int err, const char *fmt, ...) {
  char what[4096], msg[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (err)
    snprintf(msg, sizeof msg, "%s: %s: %s: %s", helper_name, step, what, strerror(err));
  else
    snprintf(msg, sizeof msg, "%s: %s: %s", helper_name, step, what);
  json_line("failed", msg);
  die_step(step, err, "%s", what);
}

/* ---- input ----------------------------------------------------------- */

static unsigned char ibuf[1 << 16];
static size_t ipos, ilen;
static bool ieof;

/* Up to N bytes of stdin (fewer only at EOF). */
static size_t in_read(void *dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (ipos == ilen) {
      if (ieof) break;
      ssize_t r = read(0, ibuf, sizeof ibuf);
      if (r < 0) {
        if (errno == EINTR) continue;
        fail("read", errno, "the layer stream");
      }
      if (r == 0) {
        ieof = true;
        break;
      }
      ipos = 0;
      ilen = r;
    }
    size_t k = ilen - ipos < n - got ? ilen - ipos : n - got;
    if (dst) memcpy((char *)dst + got, ibuf + ipos, k);
    ipos += k;
    got += k;
  }
  offset += got;
  return got;
}

static void in_exact(void *dst, uint64_t n, const char *what) {
  while (n > 0) {
    size_t k = n > sizeof ibuf ? sizeof ibuf : (size_t)n;
    if (in_read(dst, k) != k) refuse("the layer ends in the middle of %s (cut-off archive)", what);
    if (dst) dst = (char *)dst + k;
    n -= k;
  }
}

static uint64_t padding(uint64_t size) { return (512 - size % 512) % 512; }

/* ---- tar header -------------------------------------------------------- */

struct entry {
  char type;
  char *path, *link;
  uint64_t size;
  uint32_t mode;
  uint64_t uid, gid;
  struct timespec mtime;
  bool sparse;
};

/* An octal or base-256 number field. */
static uint64_t number(const unsigned char *f, size_t n, const char *field) {
  uint64_t v = 0;
  if (f[0] & 0x80) {
    if (f[0] & 0x40) refuse("a header at byte %" PRIu64 " has a negative %s", offset, field);
    v = f[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
      if (v >> 55) refuse("a header at byte %" PRIu64 " has a %s too large", offset, field);
      v = v << 8 | f[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < n && f[i] == ' ') i++;
  for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
    if (v >> 60) refuse("a header at byte %" PRIu64 " has a %s too large", offset, field);
    v = v * 8 + (f[i] - '0');
  }
  return v;
}

static char *field_str(const unsigned char *f, size_t n) {
  size_t len = strnlen((const char *)f, n);
  char *s = malloc(len + 1);
  if (!s) fail("parse", ENOMEM, "header");
  memcpy(s, f, len);
  s[len] = 0;
  return s;
}

static const char *type_name(char t) {
  switch (t) {
    case '0': case 0: return "File";
    case '1': return "Link";
    case '2': return "SymbolicLink";
    case '3': return "CharacterDevice";
    case '4': return "BlockDevice";
    case '5': return "Directory";
    case '6': return "FIFO";
    case '7': return "ContiguousFile";
    case 'A': return "SolarisACL";
    case 'D': return "GNUDumpDir";
    case 'I': return "Inode";
    case 'M': return "ContinuationFile";
    case 'N': return "OldGnuLongPath";
    case 'S': return "SparseFile";
    case 'V': return "TapeVolumeHeader";
    case 'X': return "OldExtendedHeader";
    default: return "unknown";
  }
}

/* Read a long-name body (GNU 'L' / 'K'). */
static char *read_name_body(uint64_t size, const char *what) {
  if (size > MAX_NAME) refuse("a %s of %" PRIu64 " bytes is longer than tspod accepts (%d)", what, size, MAX_NAME);
  char *s = malloc(size + 1);
  if (!s) fail("parse", ENOMEM, "%s", what);
  in_exact(s, size, what);
  s[size] = 0;
  in_exact(NULL, padding(size), what);
  return s;
}

struct pax {
  char *path, *link;
  bool has_size, has_uid, has_gid, has_mtime, sparse;
  uint64_t size, uid, gid;
  struct timespec mtime;
};

static uint64_t pax_uint(const char *v, const char *key) {
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || (*end && *end != '.')) refuse("a PAX header has a bad %s: \"%s\"", key, v);
  return n;
}

static void parse_pax(struct pax *px, uint64_t size) {
  if (size > MAX_PAX) refuse("a PAX header of %" PRIu64 " bytes is larger than tspod accepts", size);
  char *buf = malloc(size + 1);
  if (!buf) fail("parse", ENOMEM, "PAX header");
  in_exact(buf, size, "a PAX header");
  buf[size] = 0;
  in_exact(NULL, padding(size), "a PAX header");
  char *p = buf, *end = buf + size;
  while (p < end) {
    char *sp;
    /* "LEN KEY=VALUE\n", LEN counting the whole record: digits first (strtoul would skip
     * leading white space and let the record end before its key starts). */
    if (*p < '0' || *p > '9') refuse("a PAX header at byte %" PRIu64 " is malformed", offset);
    unsigned long len = strtoul(p, &sp, 10);
    if (sp == p || *sp != ' ' || len == 0 || len > (unsigned long)(end - p) || p[len - 1] != '\n')
      refuse("a PAX header at byte %" PRIu64 " is malformed", offset);
    char *key = sp + 1, *rec_end = p + len - 1;
    if (key >= rec_end) refuse("a PAX header at byte %" PRIu64 " is malformed", offset);
    char *eq = memchr(key, '=', (size_t)(rec_end - key));
    if (!eq) refuse("a PAX header at byte %" PRIu64 " is malformed", offset);
    /* A NUL inside a value would silently cut a path short: refuse it. */
    if (memchr(key, 0, (size_t)(rec_end - key))) refuse("a PAX header at byte %" PRIu64 " holds a NUL byte", offset);
    *eq = 0;
    *rec_end = 0;
    char *val = eq + 1;
    if (strcmp(key, "path") == 0) {
      free(px->path);
      px->path = strdup(val);
    } else if (strcmp(key, "linkpath") == 0) {
      free(px->link);
      px->link = strdup(val);
    } else if (strcmp(key, "size") == 0) {
      px->size = pax_uint(val, key);
      px->has_size = true;
    } else if (strcmp(key, "uid") == 0) {
      px->uid = pax_uint(val, key);
      px->has_uid = true;
    } else if (strcmp(key, "gid") == 0) {
      px->gid = pax_uint(val, key);
      px->has_gid = true;
    } else if (strcmp(key, "mtime") == 0) {
      /* seconds[.fraction]; times before 1970 are clamped to 0 */
      px->has_mtime = true;
      px->mtime.tv_sec = val[0] == '-' ? 0 : (time_t)pax_uint(val, key);
      px->mtime.tv_nsec = 0;
      char *dot = strchr(val, '.');
      if (dot && val[0] != '-') {
        long ns = 0;
        int digits = 0;
        for (char *d = dot + 1; *d >= '0' && *d <= '9' && digits < 9; d++, digits++) ns = ns * 10 + (*d - '0');
        for (; digits < 9; digits++) ns *= 10;
        px->mtime.tv_nsec = ns;
      }
    } else if (strncmp(key, "GNU.sparse.", 11) == 0) {
      px->sparse = true;
    }
    /* Other keys (atime, ctime, uname, gname, SCHILY.xattr.*) are not applied:
     * an image must not set overlay xattrs on its own files. */
    p += len;
  }
  free(buf);
}

/* Read the next entry; false at the end of the archive. */
static bool next_entry(struct entry *e) {
  struct pax px = {0};
  char *gnu_path = NULL, *gnu_link = NULL;
  unsigned char h[512];
  for (;;) {
    uint64_t at = offset;
    size_t got = in_read(h, 512);
    if (got == 0 && !px.path && !gnu_path && !px.has_size) return false; /* EOF: end (an empty layer may be 0 bytes) */
    if (got != 512) refuse("the layer ends in the middle of a header (cut-off archive)");
    bool zero = true;
    for (int i = 0; i < 512; i++)
      if (h[i]) {
        zero = false;
        break;
      }
    if (zero) return false;
    uint64_t want = number(h + 148, 8, "checksum");
    uint64_t sum_u = 0;
    int64_t sum_s = 0;
    for (int i = 0; i < 512; i++) {
      unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
      sum_u += c;
      sum_s += (signed char)c;
    }
    if (want != sum_u && (int64_t)want != sum_s) refuse("the layer is not a tar archive (bad header checksum at byte %" PRIu64 ")", at);
    char type = (char)h[156];
    uint64_t size = number(h + 124, 12, "size");
    if (type == 'x') {
      parse_pax(&px, size);
      continue;
    }
    if (type == 'g') { /* global PAX header: nothing in it is applied */
      in_exact(NULL, size + padding(size), "a PAX global header");
      continue;
    }
    if (type == 'L') {
      free(gnu_path);
      gnu_path = read_name_body(size, "long path name");
      continue;
    }
    if (type == 'K') {
      free(gnu_link);
      gnu_link = read_name_body(size, "long link name");
      continue;
    }
    e->type = type;
    bool ustar = memcmp(h + 257, "ustar\0", 6) == 0; /* POSIX: name may have a prefix */
    if (px.path) {
      e->path = px.path;
      free(gnu_path);
    } else if (gnu_path) {
      e->path = gnu_path;
    } else if (ustar && h[345]) {
      char *prefix = field_str(h + 345, 155), *name = field_str(h, 100);
      if (asprintf(&e->path, "%s/%s", prefix, name) < 0) fail("parse", ENOMEM, "name");
      free(prefix);
      free(name);
    } else {
      e->path = field_str(h, 100);
    }
    if (px.link) {
      e->link = px.link;
      free(gnu_link);
    } else if (gnu_link) {
      e->link = gnu_link;
    } else {
      e->link = field_str(h + 157, 100);
    }
    e->size = px.has_size ? px.size : size;
    e->mode = (uint32_t)number(h + 100, 8, "mode") & 07777;
    e->uid = px.has_uid ? px.uid : number(h + 108, 8, "uid");
    e->gid = px.has_gid ? px.gid : number(h + 116, 8, "gid");
    if (px.has_mtime) {
      e->mtime = px.mtime;
    } else {
      e->mtime.tv_sec = (time_t)number(h + 136, 12, "mtime");
      e->mtime.tv_nsec = 0;
    }
    e->sparse = px.sparse;
    return true;
  }
}

/* ---- paths beneath the root -------------------------------------------- */

/* Normalise an archive path: no absolute paths, no "..". "" is the root. */
static char *clean_path(const char *raw, const char *what, const char *of) {
  if (raw[0] == '/') {
    if (of) refuse("%s \"%s\" is an absolute path", what, of);
    refuse("%s \"%s\" is an absolute path", what, raw);
  }
  char *out = malloc(strlen(raw) + 1);
  if (!out) fail("parse", ENOMEM, "path");
  size_t o = 0;
  const char *p = raw;
  while (*p) {
    const char *s = strchr(p, '/');
    size_t n = s ? (size_t)(s - p) : strlen(p);
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (of) refuse("%s \"%s\" contains \"..\" and could escape the layer", what, of);
      refuse("%s \"%s\" contains \"..\" and could escape the layer", what, raw);
    }
    if (n > 0 && !(n == 1 && p[0] == '.')) {
      if (o) out[o++] = '/';
      memcpy(out + o, p, n);
      o += n;
    }
    p += n;
    if (*p == '/') p++;
  }
  out[o] = 0;
  return out;
}

static int openat2_fd(int dir, const char *path, int flags, uint64_t resolve) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve};
  int fd;
  do fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/* Open the directory that holds REL's last component, beneath the root and
 * through no symlink, creating missing directories (mode 0755) when CREATE.
 * *BASE points into REL at the last component. ENTRY and ROLE name it in
 * refusals ("entry", "hard link target of"). */
static int open_parent(char *rel, const char **base, bool create, const char *role, const char *entry) {
  char *slash = strrchr(rel, '/');
  *base = slash ? slash + 1 : rel;
  int cur = openat2_fd(rootfd, ".", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_SAFE);
  if (cur < 0) fail("open", errno, "the layer root");
  if (!slash) return cur;
  *slash = 0;
  char *p = rel;
  while (p) {
    char *next = strchr(p, '/');
    if (next) *next = 0;
    int fd = openat2_fd(cur, p, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_SAFE);
    if (fd < 0 && errno == ENOENT && create) {
      if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST) fail("mkdir", errno, "%s", rel);
      fd = openat2_fd(cur, p, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_SAFE);
    }
    if (fd < 0) {
      int err = errno;
      struct stat st;
      bool is_link = fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
      if (err == ELOOP || is_link) {
        if (strcmp(role, "entry") == 0) refuse("entry \"%s\" would be written through the symlink \"%s\"", entry, rel);
        refuse("%s \"%s\" goes through the symlink \"%s\"", role, entry, rel);
      }
      if (err == ENOTDIR) refuse("%s \"%s\" needs \"%s\" to be a directory, but the layer made it something else", role, entry, rel);
      if (err == ENOENT) refuse("%s \"%s\": \"%s\" is not in the layer", role, entry, rel);
      fail("open", err, "%s", rel);
    }
    close(cur);
    cur = fd;
    if (next) *next = '/';
    p = next ? next + 1 : NULL;
  }
  *slash = '/';
  return cur;
}

/* Make room for a new entry NAME in DIR. Returns true when NAME is a directory
 * that a new directory entry keeps (tar semantics: later entries win). */
static bool make_room(int dir, const char *name, bool new_is_dir, const char *entry) {
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return false;
    fail("stat", errno, "%s", entry);
  }
  if (S_ISDIR(st.st_mode)) {
    if (new_is_dir) return true;
    if (unlinkat(dir, name, AT_REMOVEDIR) < 0) {
      if (errno == ENOTEMPTY || errno == EEXIST) refuse("entry \"%s\" would replace a directory the layer already filled", entry);
      fail("rmdir", errno, "%s", entry);
    }
    return false;
  }
  if (unlinkat(dir, name, 0) < 0) fail("unlink", errno, "%s", entry);
  return false;
}

static void set_owner(int fd, const char *name, const struct entry *e, const char *entry) {
  if (!apply_owners) return;
  if (e->uid > UINT32_MAX - 1 || e->gid > UINT32_MAX - 1 ||
      (*name ? fchownat(fd, name, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) : fchown(fd, (uid_t)e->uid, (gid_t)e->gid)) < 0) {
    if (errno == EINVAL || e->uid > UINT32_MAX - 1 || e->gid > UINT32_MAX - 1)
      refuse("entry \"%s\" is owned by %" PRIu64 ":%" PRIu64 ", outside the ids mapped for tspod "
             "(potentially insufficient UIDs or GIDs available in user namespace: see /etc/subuid and /etc/subgid)",
             entry, e->uid, e->gid);
    fail("chown", errno, "%s", entry);
  }
}

/* ---- deferred work ------------------------------------------------------- */

struct later {
  char kind; /* 'w' whiteout, 'o' opaque, 'd' directory times */
  char *path;
  struct timespec mtime;
};
static struct later *laters;
static size_t n_later, cap_later;

static void defer(char kind, const char *path, struct timespec mtime) {
  if (n_later == cap_later) {
    cap_later = cap_later ? cap_later * 2 : 256;
    laters = realloc(laters, cap_later * sizeof *laters);
    if (!laters) fail("defer", ENOMEM, "list");
  }
  laters[n_later].kind = kind;
  laters[n_later].path = strdup(path);
  if (!laters[n_later].path) fail("defer", ENOMEM, "list");
  laters[n_later++].mtime = mtime;
}

/* Apply the deferred work of one KIND, in archive order or (directory times,
 * children before parents) in reverse. */
static void apply_later(char kind, bool reverse) {
  for (size_t k = 0; k < n_later; k++) {
    struct later *l = &laters[reverse ? n_later - 1 - k : k];
    if (l->kind != kind) continue;
    const char *base;
    int dir = open_parent(l->path, &base, kind == 'w', "entry", l->path);
    if (kind == 'w') {
      if (mknodat(dir, base, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST) fail("whiteout", errno, "mknod %s", l->path);
    } else {
      int fd = *base ? openat2_fd(dir, base, O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_SAFE)
                     : openat2_fd(dir, ".", O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_SAFE);
      if (fd < 0) {
        /* a later entry replaced the directory: its times no longer matter */
        if (kind == 'd' && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)) {
          close(dir);
          continue;
        }
        if (errno == ELOOP || errno == ENOTDIR) refuse("opaque directory \"%s\" is not a directory in the layer", l->path);
        fail("open", errno, "%s", l->path);
      }
      if (kind == 'o') {
        if (fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0) fail("opaque", errno, "setxattr %s", l->path);
        if (fsetxattr(fd, "user.fuseoverlayfs.opaque", "y", 1, 0) < 0) fail("opaque", errno, "setxattr %s", l->path);
      } else {
        struct timespec ts[2] = {l->mtime, l->mtime};
        if (futimens(fd, ts) < 0) fail("utimens", errno, "%s", l->path);
      }
      close(fd);
    }
    close(dir);
  }
}

/* ---- one entry --------------------------------------------------------- */

static void copy_body(int fd, uint64_t size, const char *entry) {
  static unsigned char buf[1 << 16];
  while (size > 0) {
    size_t k = size > sizeof buf ? sizeof buf : (size_t)size;
    if (in_read(buf, k) != k) refuse("the layer ends in the middle of \"%s\" (cut-off archive)", entry);
    if (write_all(fd, buf, k) < 0) fail("write", errno, "%s", entry);
    size -= k;
  }
}

static void extract_one(struct entry *e) {
  const char *raw = e->path;
  if (++n_entries > max_entries)
    refuse("the layer has more than %" PRIu64 " entries (TSPOD_LAYER_MAX_ENTRIES raises the limit)", max_entries);
  if (e->size > max_bytes - n_bytes)
    refuse("the layer's files add up to more than %" PRIu64 " bytes (TSPOD_LAYER_MAX_BYTES raises the limit)", max_bytes);
  n_bytes += e->size;
  char *rel = clean_path(raw, "entry", NULL);
  char t = e->type;
  bool is_file = t == '0' || t == 0 || t == '7';
  if (e->sparse) refuse("entry \"%s\" is a GNU sparse file, which tspod does not extract", raw);
  if (!is_file && t != '1' && t != '2' && t != '3' && t != '4' && t != '5' && t != '6')
    refuse("entry \"%s\" has type %s, which tspod does not extract", raw, type_name(t));
  if (!rel[0] && t != '5' && t != '3' && t != '4' && t != '6')
    refuse("entry \"%s\" names the layer root but is not a directory", raw);
  /* Only regular files carry data; anything else with a size is skipped over. */
  uint64_t body = e->size;
  const char *base;
  struct timespec ts[2] = {e->mtime, e->mtime};

  char *slash = strrchr(rel, '/');
  const char *last = slash ? slash + 1 : rel;
  if (!plain && strncmp(last, ".wh.", 4) == 0) {
    int dir = open_parent(rel, &base, true, "entry", raw);
    close(dir);
    if (strcmp(last, ".wh..wh..opq") == 0) {
      if (slash) *slash = 0;
      defer('o', slash ? rel : "", e->mtime);
    } else {
      if (!last[4]) refuse("entry \"%s\" is a whiteout of nothing", raw);
      char *target;
      if (asprintf(&target, "%.*s%s", slash ? (int)(slash - rel + 1) : 0, rel, last + 4) < 0) fail("parse", ENOMEM, "name");
      defer('w', target, e->mtime);
      free(target);
    }
    in_exact(NULL, body + padding(body), raw);
    free(rel);
    return;
  }
  if (t == '1') {
    /* Check the target's name before anything is created for the link. */
    char *target = clean_path(e->link, "hard link target of", raw);
    free(target);
  }
  /* The layer's own root directory ("./"): its mode is reported (a container's / takes the top
   * layer's, as podman's), the layer directory itself keeps tspod's. */
  if (t == '5' && rel[0] == 0) root_mode = (int)(e->mode & 07777);
  if (t == '3' || t == '4' || t == '6' || (t == '5' && rel[0] == 0)) {
    /* Devices and FIFOs are skipped (a rootless user cannot create them); the
     * root directory is the layer directory itself. */
    in_exact(NULL, body + padding(body), raw);
    free(rel);
    return;
  }
  int dir = open_parent(rel, &base, true, "entry", raw);
  if (is_file) {
    make_room(dir, base, false, raw);
    int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail("create", errno, "%s", raw);
    copy_body(fd, body, raw);
    in_exact(NULL, padding(body), raw);
    body = 0;
    set_owner(fd, "", e, raw);
    /* after chown, which clears setuid and setgid */
    if (fchmod(fd, e->mode) < 0) fail("chmod", errno, "%s", raw);
    if (futimens(fd, ts) < 0) fail("utimens", errno, "%s", raw);
    if (close(fd) < 0) fail("write", errno, "%s", raw);
  } else if (t == '5') {
    if (!make_room(dir, base, true, raw) && mkdirat(dir, base, 0700) < 0) fail("mkdir", errno, "%s", raw);
    int fd = openat2_fd(dir, base, O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_SAFE);
    if (fd < 0) fail("open", errno, "%s", raw);
    set_owner(fd, "", e, raw);
    if (fchmod(fd, e->mode) < 0) fail("chmod", errno, "%s", raw);
    close(fd);
    defer('d', rel, e->mtime);
  } else if (t == '2') {
    if (!e->link[0]) refuse("symlink \"%s\" has an empty target", raw);
    make_room(dir, base, false, raw);
    /* The target is stored as the image has it (/bin/sh -> /bin/busybox) and never followed. */
    if (symlinkat(e->link, dir, base) < 0) fail("symlink", errno, "%s", raw);
    set_owner(dir, base, e, raw);
    if (utimensat(dir, base, ts, AT_SYMLINK_NOFOLLOW) < 0) fail("utimens", errno, "%s", raw);
  } else { /* '1': hard link */
    char *target = clean_path(e->link, "hard link target of", raw);
    if (!target[0]) refuse("hard link \"%s\" points to the layer root", raw);
    const char *tbase;
    int tdir = open_parent(target, &tbase, false, "hard link target of", raw);
    struct stat st;
    if (fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) refuse("hard link \"%s\" points to \"%s\", which is not in the layer before it", raw, target);
      fail("stat", errno, "%s", target);
    }
    if (S_ISDIR(st.st_mode)) refuse("hard link \"%s\" points to the directory \"%s\"", raw, target);
    make_room(dir, base, false, raw);
    /* flags 0: a hard link to a symlink links the symlink itself, never what it points to */
    if (linkat(tdir, tbase, dir, base, 0) < 0) {
      if (errno == ENOENT) refuse("hard link \"%s\" points to itself", raw);
      fail("link", errno, "%s -> %s", raw, target);
    }
    close(tdir);
    free(target);
  }
  in_exact(NULL, body + padding(body), raw);
  close(dir);
  free(rel);
}

/* ---- setup ------------------------------------------------------------- */

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("userns", errno, "open %s", path);
  if (write_all(fd, text, strlen(text)) < 0) fail("userns", errno, "write %s", path);
  if (close(fd) < 0) fail("userns", errno, "write %s", path);
}

/* A user namespace of our own: the caller's uid and gid as 0, nothing else. */
static void own_userns(void) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER) < 0) fail("userns", errno, "unshare(CLONE_NEWUSER) (are unprivileged user namespaces enabled?)");
  char map[64];
  write_file("/proc/self/setgroups", "deny");
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
  write_file("/proc/self/uid_map", map);
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
  write_file("/proc/self/gid_map", map);
  if (setresgid(0, 0, 0) < 0) fail("userns", errno, "setresgid(0)");
  if (setresuid(0, 0, 0) < 0) fail("userns", errno, "setresuid(0)");
}

/* Make DEST the root of a private mount namespace holding nothing else. */
static void enter_root(const char *dest) {
  if (unshare(CLONE_NEWNS) < 0) fail("mountns", errno, "unshare(CLONE_NEWNS)");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail("mountns", errno, "make / private");
  if (mount(dest, dest, NULL, MS_BIND, NULL) < 0) fail("mountns", errno, "bind %s", dest);
  if (chdir(dest) < 0) fail("mountns", errno, "chdir %s", dest);
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("mountns", errno, "pivot_root %s", dest);
  if (umount2(".", MNT_DETACH) < 0) fail("mountns", errno, "detach the old root");
  if (chdir("/") < 0) fail("mountns", errno, "chdir /");
  rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail("open", errno, "the layer root");
}

static uint64_t parse_limit(const char *s, const char *flag) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || end == s || v == 0 || s[0] == '-') fail("usage", 0, "%s needs a positive number, not '%s'", flag, s);
  return v;
}

int main(int argc, char **argv) {
  bool own = false;
  const char *dest = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--own-userns") == 0) own = true;
    else if (strcmp(argv[i], "--plain") == 0) plain = true;
    else if (strcmp(argv[i], "--max-entries") == 0 && i + 1 < argc) max_entries = parse_limit(argv[i + 1], argv[i]), i++;
    else if (strcmp(argv[i], "--max-bytes") == 0 && i + 1 < argc) max_bytes = parse_limit(argv[i + 1], argv[i]), i++;
    else if (argv[i][0] != '-' && !dest) dest = argv[i];
    else dest = NULL, i = argc;
  }
  if (!dest) {
    fprintf(stderr, "usage: %s [--own-userns] [--plain] [--max-entries N] [--max-bytes N] LAYERDIR < layer.tar\n", helper_name);
    json_line("failed", "tspod-extract: usage: bad arguments");
    return 125;
  }
  if (dest[0] != '/') fail("usage", 0, "LAYERDIR must be an absolute path, not '%s'", dest);
  umask(0);
  if (own && geteuid() != 0) {
    own_userns();
    apply_owners = false;
  }
  enter_root(dest);
  struct entry e;
  while (memset(&e, 0, sizeof e), next_entry(&e)) {
    extract_one(&e);
    free(e.path);
    free(e.link);
  }
  /* Drain what follows the end-of-archive blocks: the caller hashes every byte. */
  while (in_read(NULL, sizeof ibuf) > 0) {
  }
  apply_later('w', false);
  apply_later('o', false);
  /* last: creating entries changed the directories' times */
  apply_later('d', true);
  char ok[160];
  int n = snprintf(ok, sizeof ok, "{\"status\":\"ok\",\"entries\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"rootMode\":%d}\n", n_entries, n_bytes, root_mode);
  if (write_all(2, ok, n) < 0) return 125;
  return 0;
}
