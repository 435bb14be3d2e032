/* What every attack program shares (tests/test_linux_attacks.cpp runs them
 * inside real jails as jail root).
 *
 * Each program prints one line per check:
 *   CONTAINED <what>            the jail held
 *   ESCAPED <what>: <detail>    it did not
 *   FAILED <what>: <detail>     something the jail was allowed to do did not work
 *   SETUP <what>: <detail>      the attack could not be tried at all
 * and exits 0 when everything was contained, 1 when anything escaped (or
 * failed), 2 on a setup problem. alarm() bounds every program. */
#ifndef JAILPLAN_ATTACK_H
#define JAILPLAN_ATTACK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int attack_escapes;
static int attack_setup_problems;

static inline void attack_line(const char* word, const char* what, const char* fmt, va_list ap) {
  printf("%s %s", word, what);
  if (fmt != NULL && *fmt != '\0') {
    printf(": ");
    vprintf(fmt, ap);
  }
  printf("\n");
  fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static inline void contained(const char* what, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  attack_line("CONTAINED", what, fmt, ap);
  va_end(ap);
}

__attribute__((format(printf, 2, 3))) static inline void escaped(const char* what, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  attack_line("ESCAPED", what, fmt, ap);
  va_end(ap);
  ++attack_escapes;
}

__attribute__((format(printf, 2, 3))) static inline void failed(const char* what, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  attack_line("FAILED", what, fmt, ap);
  va_end(ap);
  ++attack_escapes;
}

__attribute__((format(printf, 2, 3))) static inline void setup_problem(const char* what, const char* fmt,
                                                                       ...) {
  va_list ap;
  va_start(ap, fmt);
  attack_line("SETUP", what, fmt, ap);
  va_end(ap);
  ++attack_setup_problems;
}

/* A system call's outcome as a check: `rc` < 0 with errno in the allowed
 * list (0-terminated) is contained; success, or an error that shows the
 * privilege check passed (EFAULT, EINVAL: the kernel got as far as the
 * arguments), escaped. */
static inline int denied_by(int err, const int* allowed) {
  for (; *allowed != 0; ++allowed)
    if (err == *allowed) return 1;
  return 0;
}

static const int k_denied[] = {EPERM, EACCES, EROFS, 0};

static inline void expect_denied(const char* what, long rc, int err, const int* allowed) {
  if (rc >= 0)
    escaped(what, "it succeeded");
  else if (denied_by(err, allowed))
    contained(what, "%s", strerror(err));
  else
    escaped(what, "refused with %s, past the privilege check", strerror(err));
}

/* expect_denied() of a call, its errno read once it returned (a function's
 * arguments are evaluated in no given order). */
#define EXPECT_DENIED(what, call, allowed)     \
  do {                                         \
    const long rc_ = (long)(call);             \
    const int err_ = errno;                    \
    expect_denied((what), rc_, err_, allowed); \
  } while (0)

/* The exit status the convention asks for. */
static inline int attack_status(void) {
  if (attack_escapes > 0) return 1;
  if (attack_setup_problems > 0) return 2;
  return 0;
}

/* PTRACE_ATTACH on the jail's init (pid 1) must be denied; `why` says what
 * an attach would give jail root. */
static inline void expect_init_untraceable(const char* what, const char* why) {
  if (ptrace(PTRACE_ATTACH, 1, 0, 0) == 0) {
    int status;
    waitpid(1, &status, __WALL);
    ptrace(PTRACE_DETACH, 1, 0, 0);
    escaped(what, "it succeeded: %s", why);
  } else {
    expect_denied(what, -1, errno, k_denied);
  }
}

/* Reads a whole small file into `buf` (NUL-terminated); its length, or -1. */
static inline long read_small(const char* path, char* buf, size_t size) {
  FILE* f = fopen(path, "re");
  if (f == NULL) return -1;
  size_t n = fread(buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose(f);
  return (long)n;
}

#endif
