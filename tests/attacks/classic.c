/* Attack: the classic ways out of a chroot or a container, one line each.
 *
 *   classic MARKER deny|allow
 *     MARKER: a file of the host outside the jail's root, that no path in
 *     the jail may reach. deny|allow: whether the jail was given
 *     allow.set_hostname (with allow, sethostname must work).
 *
 * Every check that could change the host if it succeeded writes back what
 * was there (the time, an IRQ's affinity, a sysctl) or is harmless (sysrq
 * 'h' prints help). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

#include "attack.h"

/* Denied, or not in this kernel at all. */
static const int k_denied_or_absent[] = {EPERM, EACCES, EROFS, ENOSYS, 0};

static long sysctl_value(const char* path, long fallback) {
  char buf[64];
  return read_small(path, buf, sizeof buf) < 0 ? fallback : atol(buf);
}

/* Runs `check` in a child (for checks that change the process: chroot,
 * unshare) and waits for it. */
static void in_child(void (*check)(const char*), const char* arg) {
  fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    check(arg);
    fflush(stdout);
    _exit(attack_escapes > 0 ? 1 : 0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    setup_problem("fork", "%s", strerror(errno));
    return;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++attack_escapes;
}

/* --- the file system ------------------------------------------------- */

static void check_proc_root(const char* marker) {
  char target[4096];
  ssize_t n = readlink("/proc/1/root", target, sizeof target - 1);
  if (n < 0 && (errno == EACCES || errno == EPERM)) {
    /* the init is not dumpable: jail root cannot look through it at all */
    contained("readlink /proc/1/root", "%s", strerror(errno));
  } else if (n < 0) {
    setup_problem("readlink /proc/1/root", "%s (no procfs?)", strerror(errno));
  } else {
    target[n] = '\0';
    if (strcmp(target, "/") == 0)
      contained("readlink /proc/1/root", "\"/\"");
    else
      escaped("readlink /proc/1/root", "\"%s\": the init's root is not the jail's", target);
  }
  struct stat root, up;
  if (stat("/", &root) == 0 && stat("/proc/1/root/..", &up) == 0) {
    if (root.st_dev == up.st_dev && root.st_ino == up.st_ino)
      contained("/proc/1/root/..", "is the jail's root");
    else
      escaped("/proc/1/root/..", "is not the jail's root (device %lu inode %lu)", (unsigned long)up.st_dev,
              (unsigned long)up.st_ino);
  }
  const char* prefixes[] = {"", "/proc/1/root", "/proc/self/root/../../..", "/../../../../../../.."};
  int found = 0;
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; ++i) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s%s", prefixes[i], marker);
    if (stat(path, &st) == 0) {
      escaped("the host's files", "%s exists", path);
      found = 1;
    }
  }
  if (!found) contained("the host's files", "%s is reachable by no path", marker);
}

/* The chroot-in-chroot escape: keep a descriptor of the root, chroot into
 * a subdirectory, walk up from the descriptor, chroot there. */
static void chroot_escape(const char* marker) {
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/attack-chroot-%d", (int)getpid());
  mkdir(dir, 0700);
  const int old_root = open("/", O_RDONLY | O_DIRECTORY);
  if (chroot(dir) != 0) {
    contained("chroot-in-chroot escape", "chroot: %s", strerror(errno));
    rmdir(dir);
    return;
  }
  if (fchdir(old_root) != 0) _exit(2);
  for (int i = 0; i < 50; ++i)
    if (chdir("..") != 0) break;
  if (chroot(".") != 0) {
    contained("chroot-in-chroot escape", "chroot(\".\"): %s", strerror(errno));
    return;
  }
  struct stat st;
  if (stat(marker, &st) == 0)
    escaped("chroot-in-chroot escape", "%s is reachable after chroot(\".\")", marker);
  else
    contained("chroot-in-chroot escape", "the top is still the jail's root");
  rmdir(dir);
}

static void check_mknod(void) {
  struct {
    const char* what;
    mode_t type;
    unsigned major, minor;
  } nodes[] = {{"mknod of a block device (8,0: a disk)", S_IFBLK, 8, 0},
               {"mknod of a character device (1,11: kmsg)", S_IFCHR, 1, 11},
               {"mknod of a character device (1,1: mem)", S_IFCHR, 1, 1}};
  for (size_t i = 0; i < sizeof nodes / sizeof *nodes; ++i) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/attack-node-%d-%zu", (int)getpid(), i);
    const int rc = mknod(path, nodes[i].type | 0600, makedev(nodes[i].major, nodes[i].minor));
    const int err = errno;
    if (rc == 0) unlink(path);
    expect_denied(nodes[i].what, rc, err, k_denied);
  }
}

static void check_open_by_handle(void) {
  struct {
    struct file_handle h;
    unsigned char bytes[128];
  } fh;
  memset(&fh, 0, sizeof fh);
  fh.h.handle_bytes = sizeof fh.bytes;
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, "/", &fh.h, &mount_id, 0) != 0) {
    /* the shocker exploit's guess: inode 2, an ext4 root */
    fh.h.handle_type = 1;
    fh.h.handle_bytes = 8;
    const unsigned ino_gen[2] = {2, 0};
    memcpy(fh.h.f_handle, ino_gen, sizeof ino_gen);
  }
  const int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int fd = open_by_handle_at(mount_fd, &fh.h, O_RDONLY | O_CLOEXEC);
  const int err = errno;
  if (fd >= 0) close(fd);
  close(mount_fd);
  expect_denied("open_by_handle_at", fd, err, k_denied);
}

/* --- mounts and namespaces --------------------------------------------- */

static void check_mounts(void) {
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/attack-mnt-%d", (int)getpid());
  mkdir(dir, 0700);
  struct {
    const char* what;
    const char* source;
    const char* type;
  } mounts[] = {
      {"mount tmpfs", "none", "tmpfs"}, {"mount proc", "proc", "proc"}, {"mount sysfs", "sysfs", "sysfs"}};
  for (size_t i = 0; i < sizeof mounts / sizeof *mounts; ++i) {
    const int rc = mount(mounts[i].source, dir, mounts[i].type, 0, NULL);
    const int err = errno;
    if (rc == 0) umount2(dir, MNT_DETACH);
    expect_denied(mounts[i].what, rc, err, k_denied);
  }
  rmdir(dir);
  const int rc = mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL);
  expect_denied("remount /proc/sys read-write", rc, errno, k_denied);
}

static void unshare_user(const char* unused) {
  (void)unused;
  static const int allowed[] = {EPERM, EACCES, ENOSPC, 0};
  EXPECT_DENIED("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER), allowed);
}

static void unshare_mount(const char* unused) {
  (void)unused;
  static const int allowed[] = {EPERM, EACCES, ENOSPC, 0};
  EXPECT_DENIED("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS), allowed);
}

/* --- the kernel --------------------------------------------------------- */

static void check_kernel(void) {
  EXPECT_DENIED("init_module", syscall(SYS_init_module, NULL, 0UL, ""), k_denied_or_absent);
  EXPECT_DENIED("finit_module", syscall(SYS_finit_module, -1, "", 0), k_denied_or_absent);
  /* 0x100 is no kexec flag: past the privilege check it is EINVAL */
  EXPECT_DENIED("kexec_load", syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0x100UL), k_denied_or_absent);
  EXPECT_DENIED("reboot(LINUX_REBOOT_CMD_CAD_OFF)",
                syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL),
                k_denied);
  EXPECT_DENIED("swapoff", swapoff("/tmp/attack-no-swap"), k_denied_or_absent);
  EXPECT_DENIED("acct", acct("/tmp/attack-acct"), k_denied_or_absent);
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_DENIED("iopl(3)", iopl(3), k_denied_or_absent);
  EXPECT_DENIED("ioperm", ioperm(0x80, 1, 1), k_denied_or_absent);
#endif
  /* reading the whole kernel log (not clearing it) */
  if (sysctl_value("/proc/sys/kernel/dmesg_restrict", 1) == 0) {
    contained("syslog(READ_ALL)", "kernel.dmesg_restrict is 0: the host lets every user read the log");
  } else {
    char buf[256];
    EXPECT_DENIED("syslog(READ_ALL)", klogctl(3, buf, sizeof buf), k_denied);
  }
}

static void check_time(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  EXPECT_DENIED("settimeofday (to the time it is)", settimeofday(&tv, NULL), k_denied);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  EXPECT_DENIED("clock_settime (to the time it is)", clock_settime(CLOCK_REALTIME, &ts), k_denied);
}

static void check_bpf(void) {
  /* r0 = 0; exit */
  struct bpf_insn insns[2];
  memset(insns, 0, sizeof insns);
  insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
  insns[1].code = BPF_JMP | BPF_EXIT;
  const struct {
    const char* what;
    enum bpf_prog_type type;
  } progs[] = {{"bpf(BPF_PROG_LOAD) of a tracepoint program", BPF_PROG_TYPE_TRACEPOINT},
               {"bpf(BPF_PROG_LOAD) of a kprobe program", BPF_PROG_TYPE_KPROBE},
               {"bpf(BPF_PROG_LOAD) of a socket filter", BPF_PROG_TYPE_SOCKET_FILTER}};
  for (size_t i = 0; i < sizeof progs / sizeof *progs; ++i) {
    if (progs[i].type == BPF_PROG_TYPE_SOCKET_FILTER &&
        sysctl_value("/proc/sys/kernel/unprivileged_bpf_disabled", 1) == 0) {
      contained(progs[i].what, "kernel.unprivileged_bpf_disabled is 0: the host lets every user load one");
      continue;
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = progs[i].type;
    attr.insns = (unsigned long)insns;
    attr.insn_cnt = 2;
    attr.license = (unsigned long)"GPL";
    const long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    const int err = errno;
    if (fd >= 0) close((int)fd);
    expect_denied(progs[i].what, fd, err, k_denied_or_absent);
  }
}

static void check_perf(void) {
  const long paranoid = sysctl_value("/proc/sys/kernel/perf_event_paranoid", 2);
  if (paranoid < 1) {
    contained("perf_event_open (every CPU)", "kernel.perf_event_paranoid is %ld: the host lets every user",
              paranoid);
    return;
  }
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_SW_CPU_CLOCK;
  attr.disabled = 1;
  const long fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0UL);
  const int err = errno;
  if (fd >= 0) close((int)fd);
  static const int allowed[] = {EPERM, EACCES, ENOSYS, ENOENT, ENODEV, 0};
  expect_denied("perf_event_open (every CPU)", fd, err, allowed);
}

static void check_userfaultfd(void) {
  if (sysctl_value("/proc/sys/vm/unprivileged_userfaultfd", 0) != 0) {
    contained("userfaultfd", "vm.unprivileged_userfaultfd is 1: the host lets every user");
    return;
  }
  const long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
  const int err = errno;
  if (fd >= 0) close((int)fd);
  expect_denied("userfaultfd (kernel faults too)", fd, err, k_denied_or_absent);
}

static void check_sched(void) {
  struct sched_param p = {.sched_priority = 1};
  if (sched_setscheduler(0, SCHED_FIFO, &p) == 0) {
    struct sched_param none = {.sched_priority = 0};
    sched_setscheduler(0, SCHED_OTHER, &none);
    escaped("sched_setscheduler(SCHED_FIFO)", "real-time priority granted");
  } else {
    expect_denied("sched_setscheduler(SCHED_FIFO)", -1, errno, k_denied);
  }
}

/* --- /proc and /sys ---------------------------------------------------- */

/* Opens `path` for writing and writes back what it holds; a check line
 * unless the file does not exist. */
static void rewrite(const char* what, const char* path) {
  char value[4096];
  const int readable = read_small(path, value, sizeof value) >= 0;
  if (!readable && errno == ENOENT) return;
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) expect_denied(what, -1, errno, k_denied);
    return;
  }
  if (!readable) {
    close(fd);
    escaped(what, "%s opens for writing", path);
    return;
  }
  const ssize_t n = write(fd, value, strlen(value));
  const int err = errno;
  close(fd);
  if (n >= 0)
    escaped(what, "wrote %s (its own value back)", path);
  else
    expect_denied(what, -1, err, k_denied);
}

static void check_proc(void) {
  /* sysrq 'h' only prints help; any other key could reboot the host */
  const int sysrq = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
  if (sysrq < 0) {
    if (errno == ENOENT)
      contained("write /proc/sysrq-trigger", "absent");
    else
      expect_denied("write /proc/sysrq-trigger", -1, errno, k_denied);
  } else {
    if (write(sysrq, "h", 1) == 1)
      escaped("write /proc/sysrq-trigger", "sysrq 'h' accepted");
    else
      expect_denied("write /proc/sysrq-trigger", -1, errno, k_denied);
    close(sysrq);
  }
  /* the first IRQ with an affinity file, given its own value back */
  DIR* irqs = opendir("/proc/irq");
  struct dirent* e;
  int tried = 0;
  while (irqs != NULL && (e = readdir(irqs)) != NULL && !tried) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[512];
    snprintf(path, sizeof path, "/proc/irq/%s/smp_affinity", e->d_name);
    if (access(path, F_OK) != 0) continue;
    tried = 1;
    rewrite("write /proc/irq/N/smp_affinity", path);
  }
  if (irqs != NULL) closedir(irqs);
  if (!tried) contained("write /proc/irq/N/smp_affinity", "no IRQ affinity file");
  const int kcore = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
  if (kcore >= 0) {
    close(kcore);
    escaped("read /proc/kcore", "it opens");
  } else if (errno == ENOENT) {
    contained("read /proc/kcore", "absent");
  } else {
    expect_denied("read /proc/kcore", -1, errno, k_denied);
  }
  rewrite("write /proc/sys/kernel/core_pattern", "/proc/sys/kernel/core_pattern");
  rewrite("write /proc/sys/kernel/modprobe", "/proc/sys/kernel/modprobe");
  rewrite("write /proc/sys/vm/overcommit_memory", "/proc/sys/vm/overcommit_memory");
  rewrite("write /proc/sys/kernel/ns_last_pid", "/proc/sys/kernel/ns_last_pid");
}

static void check_sys(void) {
  struct stat st;
  if (stat("/sys/kernel", &st) != 0) {
    contained("the host's /sys", "no /sys/kernel in the jail");
    return;
  }
  const char* files[] = {"/sys/kernel/uevent_helper", "/sys/kernel/profiling", "/sys/kernel/rcu_expedited",
                         "/sys/kernel/mm/transparent_hugepage/enabled", "/sys/power/state"};
  int writable = 0;
  for (size_t i = 0; i < sizeof files / sizeof *files; ++i) {
    const int fd = open(files[i], O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      close(fd);
      escaped("the host's /sys", "%s opens for writing", files[i]);
      writable = 1;
    }
  }
  if (!writable) contained("the host's /sys", "nothing under /sys/kernel opens for writing");
}

/* --- the network and the host name ------------------------------------ */

static void check_network(void) {
  const int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const int raw_err = errno;
  if (raw >= 0) close(raw);
  expect_denied("socket(AF_INET, SOCK_RAW)", raw, raw_err, k_denied);
  const int packet = socket(AF_PACKET, SOCK_RAW, htons(0x0003 /* ETH_P_ALL */));
  const int packet_err = errno;
  if (packet >= 0) close(packet);
  expect_denied("socket(AF_PACKET, SOCK_RAW)", packet, packet_err, k_denied);
  /* CAP_NET_ADMIN: lo's flags set to what they are */
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    setup_problem("configure an interface", "SIOCGIFFLAGS lo: %s", strerror(errno));
  } else {
    const int rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    expect_denied("configure an interface (SIOCSIFFLAGS lo)", rc, errno, k_denied);
  }
  if (s >= 0) close(s);
}

static void check_hostname(int allowed) {
  char before[256] = {0};
  gethostname(before, sizeof before - 1);
  const char name[] = "jailplan-attack";
  const int rc = sethostname(name, sizeof name - 1);
  const int err = errno;
  if (rc == 0) sethostname(before, strlen(before));
  if (allowed) {
    if (rc == 0)
      contained("sethostname with allow.set_hostname", "it works, as allowed");
    else
      failed("sethostname with allow.set_hostname", "%s: the jail was allowed to set its host name",
             strerror(err));
  } else {
    expect_denied("sethostname without allow.set_hostname", rc, err, k_denied);
  }
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3 || (strcmp(argv[2], "deny") != 0 && strcmp(argv[2], "allow") != 0)) {
    fprintf(stderr, "usage: classic MARKER deny|allow\n");
    return 2;
  }
  alarm(60);
  const char* marker = argv[1];
  check_proc_root(marker);
  in_child(chroot_escape, marker);
  check_mknod();
  check_open_by_handle();
  check_mounts();
  in_child(unshare_user, NULL);
  in_child(unshare_mount, NULL);
  check_kernel();
  check_time();
  check_bpf();
  check_perf();
  check_userfaultfd();
  check_sched();
  check_proc();
  check_sys();
  check_network();
  check_hostname(strcmp(argv[2], "allow") == 0);
  /* last: if it works, the jail's /proc/sys is writable from here on */
  const int rc = umount2("/proc/sys", MNT_DETACH);
  expect_denied("umount2(/proc/sys)", rc, errno, k_denied);
  return attack_status();
}
