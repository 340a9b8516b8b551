/* The store's locks from C, the same locks lib/storage/lock.ts takes: an abstract unix socket
 * "\0tspod-lock/SECRET/NAME" bound by the holder, released by the kernel when the holder dies.
 * SECRET is the 32 hex digits of STORE/lock-secret (made by tspod; 0600 in the 0700 store).
 * Header-only; the caller must be in the host's network namespace (abstract names are per netns).
 * Lock names as lock.ts makes them: "store", "ctr-<first 32 hex of the id>", "layer-<32 hex>". */
#ifndef TSPOD_LOCK_H
#define TSPOD_LOCK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Read the store's secret: 0, or -1 with errno (ENOENT: no tspod command made it yet; EINVAL: bad). */
static int tspod_lock_secret(const char *store, char secret[33]) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/lock-secret", store) >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  ssize_t n = read(fd, secret, 32);
  int saved = errno;
  close(fd);
  if (n < 0) {
    errno = saved;
    return -1;
  }
  if (n != 32) {
    errno = EINVAL;
    return -1;
  }
  secret[32] = '\0';
  for (int i = 0; i < 32; i++)
    if (!((secret[i] >= '0' && secret[i] <= '9') || (secret[i] >= 'a' && secret[i] <= 'f'))) {
      errno = EINVAL;
      return -1;
    }
  return 0;
}

/* Take lock NAME of STORE, waiting (with back-off) up to timeout_ms. Returns the fd that holds it
 * (O_CLOEXEC: close it, or exit, to release), or -1 with errno (EADDRINUSE: still held at the end). */
static __attribute__((unused)) int tspod_lock(const char *store, const char *name, int timeout_ms) {
  char secret[33];
  if (tspod_lock_secret(store, secret) < 0) return -1;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  int len = snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "tspod-lock/%s/%s", secret, name);
  if (len < 0 || len >= (int)sizeof addr.sun_path - 1) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* The whole sun_path, zero-padded, as Node (libuv) binds abstract names: the padding is part of
   * the name, so a shorter length would name another socket. */
  socklen_t alen = (socklen_t)sizeof addr;
  long waited = 0, delay = 2;
  for (;;) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&addr, alen) == 0) {
      /* Listening makes the holder show in `ss -xlp`, as Node's do. */
      if (listen(fd, 1) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
      }
      return fd;
    }
    int saved = errno;
    close(fd);
    if (saved != EADDRINUSE || waited >= timeout_ms) {
      errno = saved;
      return -1;
    }
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    waited += delay;
    delay = delay * 2 > 100 ? 100 : delay * 2;
  }
}

#endif
