/* tspod-whiteout: turns the OCI whiteouts tspod found while extracting a
 * layer into the overlay form both native overlayfs and fuse-overlayfs read:
 * "w PATH" makes PATH a 0/0 character device (a deleted file), "o PATH"
 * marks directory PATH opaque with the user.overlay.opaque xattr. Node has
 * neither mknod nor setxattr. Runs inside tspod's user namespace.
 * Usage: tspod-whiteout LAYERDIR < list */
#include "common.h"

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

const char *helper_name = "tspod-whiteout";

static int root = -1;

/* Open PATH below the layer root without following any symlink. */
static int open_below(const char *path, int flags) {
  struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
  while (*path == '/') path++;
  return syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof how);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LAYERDIR < list\n", helper_name);
    return 125;
  }
  root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) die_step("open", errno, "%s", argv[1]);
  char line[8192];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (strlen(line) < 3 || line[1] != ' ') die_step("parse", 0, "bad line '%s'", line);
    char *path = line + 2;
    if (line[0] == 'o') {
      int fd = open_below(path, O_RDONLY | O_DIRECTORY);
      if (fd < 0) die_step("opaque", errno, "%s", path);
      if (fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0) die_step("opaque", errno, "setxattr %s", path);
      if (fsetxattr(fd, "user.fuseoverlayfs.opaque", "y", 1, 0) < 0) die_step("opaque", errno, "setxattr %s", path);
      close(fd);
    } else if (line[0] == 'w') {
      char *slash = strrchr(path, '/');
      const char *name = path;
      int dir;
      if (slash) {
        *slash = 0;
        name = slash + 1;
        dir = open_below(path, O_PATH | O_DIRECTORY);
      } else {
        dir = open_below(".", O_PATH | O_DIRECTORY);
      }
      if (dir < 0) die_step("whiteout", errno, "parent of %s", name);
      if (mknodat(dir, name, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST)
        die_step("whiteout", errno, "mknod %s", name);
      close(dir);
    } else {
      die_step("parse", 0, "bad line '%s'", line);
    }
  }
  return 0;
}
