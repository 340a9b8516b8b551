/* logsink: see logsink.h. */
#include "common.h"
#include "logsink.h"

#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

static enum { SINK_NONE, SINK_FILE, SINK_JOURNAL } sink = SINK_NONE;

static int logfd = -1;
static unsigned long long log_max = 0, log_size = 0;

/* The journal's fields that name the container, the same in every entry. */
static char j_fields[1024];
static size_t j_fields_len = 0;
static struct sockaddr_un j_addr;

void log_timestamp(char *buf, size_t n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + k, n - k, ".%09ld+00:00", ts.tv_nsec);
}

int log_open_file(const char *path, unsigned long long max) {
  logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (logfd < 0) return -1;
  struct stat st;
  if (fstat(logfd, &st) < 0) {
    close(logfd);
    logfd = -1;
    return -1;
  }
  log_size = (unsigned long long)st.st_size;
  log_max = max;
  sink = SINK_FILE;
  return 0;
}

/* One field in the journal's native protocol: KEY=VALUE and a newline, or,
 * when the value holds a newline, KEY, a newline, its length as 64-bit little
 * endian, the value and a newline. Returns the bytes written into OUT, or 0 if
 * they do not fit. */
static size_t journal_field(char *out, size_t room, const char *key, const char *value, size_t len) {
  size_t klen = strlen(key);
  if (!memchr(value, '\n', len)) {
    if (klen + 1 + len + 1 > room) return 0;
    memcpy(out, key, klen);
    out[klen] = '=';
    memcpy(out + klen + 1, value, len);
    out[klen + 1 + len] = '\n';
    return klen + len + 2;
  }
  if (klen + 1 + 8 + len + 1 > room) return 0;
  memcpy(out, key, klen);
  out[klen] = '\n';
  uint64_t le = (uint64_t)len;
  for (int i = 0; i < 8; i++) out[klen + 1 + i] = (char)((le >> (8 * i)) & 0xff);
  memcpy(out + klen + 9, value, len);
  out[klen + 9 + len] = '\n';
  return klen + len + 10;
}

/* The socket's path: systemd's, unless TSPOD_JOURNAL_SOCKET names another
 * (tspod's tests stand in for journald; the entries are the user's own). */
int log_open_journald(const char *id, const char *name, const char *tag) {
  const char *path = getenv("TSPOD_JOURNAL_SOCKET");
  if (!path || !*path) path = "/run/systemd/journal/socket";
  if (strlen(path) >= sizeof j_addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  j_addr.sun_family = AF_UNIX;
  strcpy(j_addr.sun_path, path);
  logfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (logfd < 0) return -1;
  char short_id[13];
  snprintf(short_id, sizeof short_id, "%.12s", id);
  size_t n = 0, k;
  struct { const char *key, *value; } f[] = {
      {"CONTAINER_ID", short_id}, {"CONTAINER_ID_FULL", id}, {"CONTAINER_NAME", name},
      {"CONTAINER_TAG", tag && *tag ? tag : NULL}, {"SYSLOG_IDENTIFIER", tag && *tag ? tag : short_id}};
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
    if (!f[i].value) continue;
    k = journal_field(j_fields + n, sizeof j_fields - n, f[i].key, f[i].value, strlen(f[i].value));
    if (!k) {
      errno = ENAMETOOLONG;
      return -1;
    }
    n += k;
  }
  j_fields_len = n;
  sink = SINK_JOURNAL;
  return 0;
}

void log_close(void) {
  if (logfd >= 0) close(logfd);
  logfd = -1;
  sink = SINK_NONE;
}

/* One entry: the message, its priority (6 info for stdout, 3 err for stderr,
 * which is how podman tells the streams apart) and whether it is a part. A
 * journal that is not there, or refuses, must not stop the container: the
 * line is dropped, as a full disk drops it from a file. */
static void journal_line(const char *stream, const char *text, size_t len, int partial) {
  char head[96];
  size_t h = journal_field(head, sizeof head, "PRIORITY", strcmp(stream, "stderr") ? "6" : "3", 1);
  if (partial) h += journal_field(head + h, sizeof head - h, "CONTAINER_PARTIAL_MESSAGE", "true", 4);
  /* MESSAGE in the binary form always: the text may hold anything but a newline. */
  memcpy(head + h, "MESSAGE\n", 8);
  h += 8;
  for (int i = 0; i < 8; i++) head[h++] = (char)(((uint64_t)len >> (8 * i)) & 0xff);
  struct iovec iov[4] = {
      {.iov_base = j_fields, .iov_len = j_fields_len},
      {.iov_base = head, .iov_len = h},
      {.iov_base = (void *)text, .iov_len = len},
      {.iov_base = "\n", .iov_len = 1},
  };
  struct msghdr msg = {.msg_name = &j_addr, .msg_namelen = sizeof j_addr, .msg_iov = iov, .msg_iovlen = 4};
  /* never waits: a journal that is stopped or behind loses the line, as a full disk does */
  while (sendmsg(logfd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EINTR)
    ;
}

static void file_line(const char *stream, const char *text, size_t len, int partial) {
  char head[96];
  char ts[64];
  log_timestamp(ts, sizeof ts);
  int h = snprintf(head, sizeof head, "%s %s %s ", ts, stream, partial ? "P" : "F");
  unsigned long long add = (unsigned long long)h + len + 1;
  if (log_max && log_size + add > log_max) {
    if (ftruncate(logfd, 0) == 0) log_size = 0;
  }
  log_size += add;
  if (write_all(logfd, head, h) < 0 || write_all(logfd, text, len) < 0 || write_all(logfd, "\n", 1) < 0) {
    /* A full disk must not stop the container: drop the line. */
  }
}

static void log_line(const char *stream, const char *text, size_t len, int partial) {
  if (sink == SINK_FILE) file_line(stream, text, len, partial);
  else if (sink == SINK_JOURNAL) journal_line(stream, text, len, partial);
}

void log_drain(struct log_stream *s, int eof) {
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++) {
    if (s->buf[i] == '\n') {
      log_line(s->name, s->buf + start, i - start, 0);
      start = i + 1;
    }
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
  if (s->len == sizeof s->buf || (eof && s->len > 0)) {
    log_line(s->name, s->buf, s->len, 1);
    s->len = 0;
  }
}

void log_feed(struct log_stream *s, const char *data, size_t n, int strip_cr) {
  if (sink == SINK_NONE) return;
  for (size_t i = 0; i < n; i++) {
    if (strip_cr && data[i] == '\r') continue;
    s->buf[s->len++] = data[i];
    if (s->len == sizeof s->buf || data[i] == '\n') log_drain(s, 0);
  }
}
