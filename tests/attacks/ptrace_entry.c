/* Attack: ptrace a process while it enters the jail.
 *
 * `jailplan exec` and the in-jail hooks (exec.start, exec.stop) setns into
 * the jail and fork; for a moment the child is in the jail's pid namespace
 * with the host's capabilities, cgroups and descriptors, before it drops
 * them and execs. Jail root attaching to it then would own a process with
 * more than the jail has.
 *
 *   ptrace_entry watch SECONDS READY STOP
 *     Watches for new processes for at most SECONDS (or until the file STOP
 *     exists, or SIGTERM), writing READY once it watches. Each new pid is
 *     tried with PTRACE_SEIZE (then PTRACE_ATTACH) the moment it exists (the
 *     next pid is known from ns_last_pid); a process it attaches is stopped
 *     and compared with the attacker: capabilities, cgroups, root, working
 *     directory, executable and descriptors >= 3 must all be the jail's.
 *     Its descriptors are also read through /proc without attaching.
 *   ptrace_entry init
 *     PTRACE_ATTACH and PTRACE_SEIZE on PID 1, the jail's init, must fail,
 *     and its executable (a host file) must not open. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "attack.h"

static volatile sig_atomic_t stop_now;

static void on_stop(int sig) {
  (void)sig;
  stop_now = 1;
}

/* CapEff, CapPrm and CapBnd of /proc/PID/status; 0 when it cannot be read. */
struct caps {
  unsigned long long eff, prm, bnd;
};

static int read_caps(const char* pid, struct caps* c) {
  char path[64], buf[8192];
  snprintf(path, sizeof path, "/proc/%s/status", pid);
  if (read_small(path, buf, sizeof buf) < 0) return 0;
  const char* p;
  memset(c, 0, sizeof *c);
  if ((p = strstr(buf, "CapPrm:")) != NULL) c->prm = strtoull(p + 7, NULL, 16);
  if ((p = strstr(buf, "CapEff:")) != NULL) c->eff = strtoull(p + 7, NULL, 16);
  if ((p = strstr(buf, "CapBnd:")) != NULL) c->bnd = strtoull(p + 7, NULL, 16);
  return 1;
}

/* Whether the file behind /proc/PID/<link> is the one its target names in
 * the jail (a pipe, socket or anonymous inode has no name here). */
static int reachable(const char* link, const char* target) {
  struct stat a, b;
  if (target[0] != '/') return 0;
  if (stat(link, &a) != 0) return 1; /* gone: nothing to reach */
  if (stat(target, &b) != 0) return 0;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void comm_of(const char* pid, char* out, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/comm", pid);
  if (read_small(path, out, size) < 0) snprintf(out, size, "?");
  out[strcspn(out, "\n")] = '\0';
}

static int reported;

/* At most a few lines per kind: fifty entries make fifty alike lines. */
static int worth_reporting(void) {
  return ++reported <= 12;
}

static struct caps mine;
static char my_cgroup[8192];

/* Whether `pid` still runs a program of the host (jailplan, before its
 * exec): a process entering the jail, not one of the jail's own. */
static int entering(const char* pid) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/%s/exe", pid);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n < 0) return 1;
  target[n] = '\0';
  return !reachable(link, target);
}

/* Descriptors >= 3 of `pid` whose files the jail cannot reach; how many.
 * `how` says how they were read. A pipe or socket has no name: one the
 * jail made is the jail's, so those count only while the process still
 * runs the host's program (what it holds then came from the host). */
static int foreign_fds(const char* pid, const char* what, const char* how) {
  const int from_host = entering(pid);
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
  DIR* d = opendir(dir);
  if (d == NULL) return 0;
  int found = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || atoi(e->d_name) < 3) continue;
    char link[512], target[4096];
    snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) continue;
    target[n] = '\0';
    if (reachable(link, target) || (target[0] != '/' && !from_host)) continue;
    ++found;
    char comm[64];
    comm_of(pid, comm, sizeof comm);
    if (worth_reporting())
      escaped(what, "pid %s (%s) fd %s -> %s, not a file of the jail (%s)", pid, comm, e->d_name, target,
              how);
  }
  closedir(d);
  return found;
}

/* Compares an attached, stopped process with the attacker; how many ways
 * it holds more than the jail. */
static int inspect(const char* pid) {
  int found = 0;
  char comm[64];
  comm_of(pid, comm, sizeof comm);
  struct caps c;
  if (read_caps(pid, &c)) {
    const unsigned long long extra = (c.eff | c.prm | c.bnd) & ~mine.bnd;
    if (extra != 0) {
      ++found;
      if (worth_reporting())
        escaped("ptrace of an entering process",
                "pid %s (%s) traced with capabilities the jail lacks: CapEff %llx CapPrm %llx CapBnd %llx, "
                "jail CapBnd %llx",
                pid, comm, c.eff, c.prm, c.bnd, mine.bnd);
    }
  }
  char path[64], cgroup[8192];
  snprintf(path, sizeof path, "/proc/%s/cgroup", pid);
  if (read_small(path, cgroup, sizeof cgroup) >= 0 && strcmp(cgroup, my_cgroup) != 0) {
    ++found;
    if (worth_reporting())
      escaped("ptrace of an entering process", "pid %s (%s) traced while in other cgroups: %s", pid, comm,
              cgroup);
  }
  const char* links[] = {"root", "cwd", "exe"};
  for (size_t i = 0; i < sizeof links / sizeof *links; ++i) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/%s/%s", pid, links[i]);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0) continue;
    target[n] = '\0';
    if (!reachable(link, target)) {
      ++found;
      if (worth_reporting())
        escaped("ptrace of an entering process", "pid %s (%s) traced with %s %s, not in the jail", pid, comm,
                links[i], target);
    }
  }
  return found + foreign_fds(pid, "descriptor of an entering process", "while traced");
}

static long ns_last_pid(void) {
  char buf[32];
  if (read_small("/proc/sys/kernel/ns_last_pid", buf, sizeof buf) < 0) return -1;
  return atol(buf);
}

struct tally {
  int seen, traced, escapes;
};

/* One try at `pid`: 0 when it does not exist (yet), 1 when it did. */
static int try_pid(long pid, struct tally* t) {
  if (pid == getpid()) return 1;
  char name[32];
  snprintf(name, sizeof name, "%ld", pid);
  int seized = 1;
  /* an execve while traced becomes an event stop, not a SIGTRAP left
     pending for after the detach (which killed the entering process) */
  if (ptrace(PTRACE_SEIZE, (pid_t)pid, 0, (void*)(long)PTRACE_O_TRACEEXEC) != 0) {
    if (errno == ESRCH) return 0;
    seized = 0;
    if (ptrace(PTRACE_ATTACH, (pid_t)pid, 0, 0) != 0) {
      if (errno == ESRCH) return 0;
      ++t->seen;
      t->escapes += foreign_fds(name, "descriptor of an entering process", "through /proc, not traced");
      return 1;
    }
  }
  ++t->seen;
  ++t->traced;
  int status = 0;
  if (seized) ptrace(PTRACE_INTERRUPT, (pid_t)pid, 0, 0);
  if (waitpid((pid_t)pid, &status, __WALL) == (pid_t)pid && WIFSTOPPED(status)) {
    t->escapes += inspect(name);
    /* a signal on its way to the process (not our stop, nor an event)
       goes on with it; a SIGSTOP of PTRACE_ATTACH still pending after the
       detach would leave it stopped, so it is continued */
    const int sig = WSTOPSIG(status);
    const int pass = (status >> 16) == 0 && sig != SIGSTOP && sig != SIGTRAP ? sig : 0;
    ptrace(PTRACE_DETACH, (pid_t)pid, 0, (void*)(long)pass);
    kill((pid_t)pid, SIGCONT);
  }
  return 1;
}

static int watch(int seconds, const char* ready, const char* stop_file) {
  if (!read_caps("self", &mine) || read_small("/proc/self/cgroup", my_cgroup, sizeof my_cgroup) < 0) {
    setup_problem("ptrace of entering processes", "cannot read /proc/self (no procfs?)");
    return attack_status();
  }
  long next = ns_last_pid();
  if (next < 0) {
    setup_problem("ptrace of entering processes", "cannot read /proc/sys/kernel/ns_last_pid");
    return attack_status();
  }
  ++next;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGALRM, &sa, NULL);
  alarm((unsigned)seconds);
  int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  struct tally t = {0, 0, 0};
  for (unsigned long spin = 0; !stop_now; ++spin) {
    /* the next pid is tried the moment it exists: no /proc scan is fast
     * enough for the entering child's window */
    if (try_pid(next, &t)) {
      ++next;
      continue;
    }
    if (spin % 4096 == 0) {
      /* missed ones (ended before we looked, or a gap): catch up */
      long last = ns_last_pid();
      for (; last >= next; ++next) try_pid(next, &t);
      if (access(stop_file, F_OK) == 0) break;
    }
  }
  alarm(0);
  if (t.seen == 0) {
    setup_problem("ptrace of entering processes", "no new process appeared in the jail");
  } else if (t.escapes == 0) {
    contained("ptrace of entering processes",
              "%d new processes, %d of them traced, none with more than the jail's capabilities, cgroups, "
              "root or files",
              t.seen, t.traced);
  } else {
    printf("(%d ways out over %d new processes, %d of them traced)\n", t.escapes, t.seen, t.traced);
  }
  return attack_status();
}

static int init_attack(void) {
  alarm(20);
  expect_init_untraceable("PTRACE_ATTACH on the jail's init", "jail root can make the init do anything");
  if (ptrace(PTRACE_SEIZE, 1, 0, 0) == 0) {
    ptrace(PTRACE_DETACH, 1, 0, 0);
    escaped("PTRACE_SEIZE on the jail's init", "it succeeded");
  } else {
    expect_denied("PTRACE_SEIZE on the jail's init", -1, errno, k_denied);
  }
  char target[4096];
  ssize_t n = readlink("/proc/1/exe", target, sizeof target - 1);
  int fd = open("/proc/1/exe", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    target[n < 0 ? 0 : n] = '\0';
    if (reachable("/proc/1/exe", target))
      contained("open /proc/1/exe", "the init runs %s, a file of the jail", target);
    else
      escaped("open /proc/1/exe", "opens the host's %s", target);
    close(fd);
  } else {
    contained("open /proc/1/exe", "%s", strerror(errno));
  }
  struct caps c;
  read_caps("self", &mine);
  if (read_caps("1", &c) && ((c.eff | c.prm | c.bnd) & ~mine.bnd) != 0)
    escaped("the jail's init's capabilities", "CapEff %llx CapPrm %llx CapBnd %llx, jail CapBnd %llx", c.eff,
            c.prm, c.bnd, mine.bnd);
  else
    contained("the jail's init's capabilities", "no more than the jail's");
  if (foreign_fds("1", "descriptor of the jail's init", "through /proc") == 0)
    contained("descriptors of the jail's init", "none >= 3 that is not a file of the jail");
  return attack_status();
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 5 && strcmp(argv[1], "watch") == 0) return watch(atoi(argv[2]), argv[3], argv[4]);
  if (argc == 2 && strcmp(argv[1], "init") == 0) return init_attack();
  fprintf(stderr, "usage: ptrace_entry watch SECONDS READY STOP | ptrace_entry init\n");
  return 2;
}
