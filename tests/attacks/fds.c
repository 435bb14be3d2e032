/* Attack: use a descriptor the host left open.
 *
 * Whatever runs `jailplan exec`, or an apply whose hooks enter the jail,
 * may hold descriptors without close-on-exec: a directory of the host
 * among them is a way out of the jail (openat(fd, "..")). Every descriptor
 * >= 3 a process in the jail starts with is one too many. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "attack.h"

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(20);
  DIR* d = opendir("/proc/self/fd");
  if (d == NULL) {
    setup_problem("inherited descriptors", "cannot list /proc/self/fd: %s", strerror(errno));
    return attack_status();
  }
  const int own = dirfd(d);
  int extra = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    const int fd = atoi(e->d_name);
    if (fd < 3 || fd == own) continue;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    /* one the jail cannot reach by its name is the host's */
    struct stat a, b;
    const int inside = target[0] == '/' && stat(link, &a) == 0 && stat(target, &b) == 0 &&
                       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    char what[64];
    snprintf(what, sizeof what, "inherited descriptor %d", fd);
    escaped(what, "-> %s%s", target, inside ? "" : " (not a file of the jail)");
    ++extra;
  }
  closedir(d);
  if (extra == 0) contained("inherited descriptors", "only 0, 1 and 2 are open");
  return attack_status();
}
