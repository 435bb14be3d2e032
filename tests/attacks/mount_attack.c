/* Attack: what a jail given allow.mount could do with it.
 *
 * On FreeBSD, allow.mount lets jail root mount the file systems it is
 * allowed (allow.mount.devfs: devfs, with the jail's ruleset). On Linux
 * that takes CAP_SYS_ADMIN, which is much more: this tries the ways out it
 * opens. Each must fail.
 *   - devtmpfs: every device node of the host (disks, /dev/mem);
 *   - a cgroup v1 hierarchy and its release_agent: a program the kernel
 *     runs as host root (the classic container escape);
 *   - unmounting the read-only /proc/sys, then core_pattern: a program
 *     the kernel runs as host root when any process dumps core. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "attack.h"

static char dir[64];

static int try_mount(const char* what, const char* source, const char* type, const char* data) {
  const int rc = mount(source, dir, type, 0, data);
  if (rc != 0) {
    expect_denied(what, rc, errno, k_denied);
    return 0;
  }
  escaped(what, "mounted %s on %s", type, dir);
  return 1;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  alarm(30);
  snprintf(dir, sizeof dir, "/tmp/attack-mount-%d", (int)getpid());
  mkdir(dir, 0700);
  if (try_mount("mount devtmpfs", "devtmpfs", "devtmpfs", NULL)) {
    struct stat st;
    char path[128];
    snprintf(path, sizeof path, "%s/mem", dir);
    if (stat(path, &st) == 0) printf("  (the host's /dev/mem is at %s)\n", path);
    umount2(dir, MNT_DETACH);
  }
  /* a controller no v1 host leaves unmounted is not needed: a named
   * hierarchy with no controller has a release_agent too */
  if (try_mount("mount a cgroup v1 hierarchy", "cgroup", "cgroup", "none,name=jailplan-attack")) {
    char path[128];
    snprintf(path, sizeof path, "%s/release_agent", dir);
    const int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      /* an agent that does not exist: nothing runs */
      const ssize_t n = write(fd, "/nonexistent-jailplan-agent", 27);
      const int err = errno;
      if (n > 0) {
        escaped("write release_agent", "took a program for the kernel to run as host root");
        if (write(fd, "\n", 1) < 0) printf("  (cannot clear release_agent: %s)\n", strerror(errno));
      } else {
        expect_denied("write release_agent", -1, err, k_denied);
      }
      close(fd);
    } else {
      contained("write release_agent", "%s", strerror(errno));
    }
    umount2(dir, MNT_DETACH);
  }
  rmdir(dir);
  const int rc = umount2("/proc/sys", MNT_DETACH);
  if (rc == 0)
    escaped("umount2(/proc/sys)", "the host's kernel knobs are writable now");
  else
    expect_denied("umount2(/proc/sys)", rc, errno, k_denied);
  char value[4096];
  if (read_small("/proc/sys/kernel/core_pattern", value, sizeof value) >= 0) {
    const int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      expect_denied("write /proc/sys/kernel/core_pattern", -1, errno, k_denied);
    } else {
      /* its own value back: nothing changes */
      const ssize_t n = write(fd, value, strlen(value));
      if (n >= 0)
        escaped("write /proc/sys/kernel/core_pattern", "it takes a write (its own value back)");
      else
        expect_denied("write /proc/sys/kernel/core_pattern", -1, errno, k_denied);
      close(fd);
    }
  }
  return attack_status();
}
