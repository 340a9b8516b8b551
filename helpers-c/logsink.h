/* logsink: a container's output, line by line, to its log driver: a file in
 * the k8s-file format ("TIMESTAMP stdout|stderr F|P text", as podman's
 * conmon writes it) or the systemd journal (its native protocol, with the
 * fields podman's journald driver writes and reads). tspod-monitor logs a
 * detached container this way; tspod-launch's relay a foreground one. */
#ifndef TSPOD_LOGSINK_H
#define TSPOD_LOGSINK_H

#include <stddef.h>

struct log_stream {
  const char *name; /* "stdout" or "stderr" */
  int fd;           /* the monitor's pipe, or -1 */
  char buf[16384];
  size_t len;
};

/* RFC 3339 with nanoseconds and a numeric offset, as podman's k8s-file. */
void log_timestamp(char *buf, size_t n);

/* Where lines go: a k8s-file log (opened for appending, created 0600; MAX > 0
 * truncates it when a line would take it past MAX bytes, as conmon does), or
 * the journal. Return 0, or -1 with errno set. Without either call, nothing
 * is logged. */
int log_open_file(const char *path, unsigned long long max);
int log_open_journald(const char *id, const char *name, const char *tag);
void log_close(void);

/* Log every complete line in S's buffer; a full buffer goes out as a partial
 * (P) line; EOF logs what is left as partial. */
void log_drain(struct log_stream *s, int eof);
/* Append output to S (without carriage returns when STRIP_CR: a terminal's
 * output) and log what forms whole lines. */
void log_feed(struct log_stream *s, const char *data, size_t n, int strip_cr);

#endif
