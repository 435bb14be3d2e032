/* Attack: get round the jail's resource limits.
 *
 * The jail's memoryuse and maxproc limits are cgroup limits. They hold only
 * if every process of the jail is in the jail's groups, the init included:
 * an init outside them, that jail root can ptrace, forks processes that no
 * limit counts. Checks that the init is in this process's groups and cannot
 * be traced, then tries (capped) to exceed both limits.
 *
 *   limits MEMORY_MIB MAXPROC   (the jail's memoryuse and maxproc) */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "attack.h"

enum { k_max_forks = 100, k_hogs = 4, k_hog_mib = 50 };

/* The path of the hierarchy whose controllers are `controllers` ("" for
 * cgroup v2's "0::") in a /proc/PID/cgroup text; NULL when it has none. */
static const char* cgroup_path(const char* text, const char* controllers, char* out, size_t size) {
  char line[1024];
  for (const char* p = text; *p != '\0';) {
    size_t n = strcspn(p, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, p);
    p += n + (p[n] == '\n');
    char* c1 = strchr(line, ':');
    char* c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c2 = '\0';
    if (strcmp(c1 + 1, controllers) == 0) {
      snprintf(out, size, "%s", c2 + 1);
      return out;
    }
  }
  return NULL;
}

/* Whether two cgroup paths are leaves of one jail's group: jailplan puts
 * the init in .../jailplan/NAME/init (its own small budget) and the jail's
 * processes in .../jailplan/NAME/jail, both under NAME. */
static int same_jail_group(const char* mine, const char* its) {
  const char* slash = strrchr(mine, '/');
  if (slash == NULL) return 0;
  const size_t group = (size_t)(slash - mine) + 1; /* "/jailplan/NAME/" */
  return strncmp(mine, its, group) == 0 && strchr(its + group, '/') == NULL;
}

static void check_init_cgroups(void) {
  char self[8192], init[8192];
  if (read_small("/proc/self/cgroup", self, sizeof self) < 0 ||
      read_small("/proc/1/cgroup", init, sizeof init) < 0) {
    setup_problem("the init's cgroups", "cannot read /proc/self/cgroup or /proc/1/cgroup");
    return;
  }
  const char* hierarchies[] = {"memory", "pids", ""};
  int compared = 0;
  for (size_t i = 0; i < sizeof hierarchies / sizeof *hierarchies; ++i) {
    char mine[1024], its[1024], what[64];
    if (cgroup_path(self, hierarchies[i], mine, sizeof mine) == NULL) continue;
    if (*hierarchies[i] == '\0' && compared > 0) break; /* v1 limits: the v2 tree holds none */
    ++compared;
    snprintf(what, sizeof what, "the init in the jail's %s cgroup", *hierarchies[i] ? hierarchies[i] : "v2");
    if (strstr(mine, "/jailplan/") == NULL)
      escaped(what, "this process is not under the jail's limits: %s", mine);
    else if (cgroup_path(init, hierarchies[i], its, sizeof its) == NULL || !same_jail_group(mine, its))
      escaped(what, "the init is in %s, the jail's processes in %s",
              cgroup_path(init, hierarchies[i], its, sizeof its) ? its : "none", mine);
    else
      contained(what, "%s beside %s", its, mine);
  }
  if (compared == 0)
    setup_problem("the init's cgroups", "no memory, pids or v2 hierarchy in /proc/self/cgroup");
}

/* The processes of the jail, the init not counted (jail(8) has none). */
static int jail_processes(void) {
  DIR* d = opendir("/proc");
  int n = 0;
  struct dirent* e;
  while (d != NULL && (e = readdir(d)) != NULL)
    if (atoi(e->d_name) > 1) ++n;
  if (d != NULL) closedir(d);
  return n;
}

static void check_maxproc(int maxproc) {
  pid_t kids[k_max_forks];
  int made = 0, err = 0;
  for (; made < k_max_forks; ++made) {
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(30); /* never outlives the test */
      for (;;) pause();
    }
    if (pid < 0) {
      err = errno;
      break;
    }
    kids[made] = pid;
  }
  const int at_once = jail_processes();
  for (int i = 0; i < made; ++i) kill(kids[i], SIGKILL);
  for (int i = 0; i < made; ++i) waitpid(kids[i], NULL, 0);
  if (at_once > maxproc)
    escaped("maxproc", "%d processes at once (limit %d): %d forks of %d worked", at_once, maxproc, made,
            k_max_forks);
  else
    contained("maxproc", "%d processes at once, fork stopped after %d: %s", at_once, made,
              made < k_max_forks ? strerror(err) : "-");
}

static long rss_kib(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  if (read_small(path, buf, sizeof buf) < 0) return 0;
  const char* p = strstr(buf, "VmRSS:");
  return p != NULL ? atol(p + 6) : 0;
}

static void check_memory(int limit_mib) {
  /* each hog reports the MiB it has touched here */
  volatile int* touched = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (touched == MAP_FAILED) {
    setup_problem("memoryuse", "mmap: %s", strerror(errno));
    return;
  }
  pid_t hogs[k_hogs];
  int started = 0;
  for (int i = 0; i < k_hogs; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(30);
      /* the limit's OOM kills must pick a hog, not the one that counts */
      int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      if (fd >= 0 && write(fd, "1000", 4) < 0) _exit(3);
      for (int mib = 0; mib < k_hog_mib; ++mib) {
        char* block = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (block == MAP_FAILED) break;
        memset(block, 0x5a, 1 << 20);
        ++touched[i];
      }
      for (;;) pause();
    }
    if (pid > 0) hogs[started++] = pid;
  }
  /* until every hog is done or gone (at most 15 s) */
  for (int tick = 0; tick < 150; ++tick) {
    int busy = 0;
    for (int i = 0; i < started; ++i)
      if (touched[i] < k_hog_mib && waitpid(hogs[i], NULL, WNOHANG) == 0) ++busy;
    if (busy == 0) break;
    usleep(100 * 1000);
  }
  long held_kib = 0;
  int alive = 0, total_mib = 0;
  for (int i = 0; i < started; ++i) {
    total_mib += touched[i];
    if (kill(hogs[i], 0) == 0 && waitpid(hogs[i], NULL, WNOHANG) == 0) {
      ++alive;
      held_kib += rss_kib(hogs[i]);
    }
  }
  for (int i = 0; i < started; ++i) kill(hogs[i], SIGKILL);
  for (int i = 0; i < started; ++i) waitpid(hogs[i], NULL, 0);
  if (held_kib > (long)limit_mib * 1024)
    escaped("memoryuse", "%ld MiB resident at once in %d processes (limit %d MiB)", held_kib / 1024, alive,
            limit_mib);
  else
    contained("memoryuse", "%ld MiB resident at once (limit %d MiB); %d MiB touched, %d of %d hogs ended",
              held_kib / 1024, limit_mib, total_mib, started - alive, started);
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc != 3) {
    fprintf(stderr, "usage: limits MEMORY_MIB MAXPROC\n");
    return 2;
  }
  alarm(60);
  check_init_cgroups();
  expect_init_untraceable("PTRACE_ATTACH on the init", "the init can be made to fork outside the limits");
  check_maxproc(atoi(argv[2]));
  check_memory(atoi(argv[1]));
  return attack_status();
}
