#pragma once
/// The system calls the Linux jails are made of, wrapped where glibc has
/// no wrapper or where every caller wants the same care (EINTR, pidfds
/// checked against a reused pid, errors as sentences). Linux-only: for
/// this folder's sources, never for its public headers.

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <string>

namespace jailplan::linux_jail {

struct Runtime;

// glibc 2.36's <sys/pidfd.h> lacks C linkage under C++: the system calls
int pidfd_open(pid_t pid, unsigned flags);
int pidfd_send_signal(int fd, int sig, siginfo_t* info, unsigned flags);

/// "WHAT SUBJECT: strerror(errno)", the sentence for a failed call.
std::string errno_text(const char* what, const std::string& subject);

/// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset(int fd = -1);

 private:
  int m_fd;
};

/// Reads `fd` to its end into `out`; false (errno set) on an error.
bool read_all(int fd, std::string& out);
/// Writes all of `text` to `fd`; false (errno set) on an error.
bool write_all(int fd, const std::string& text);

/// An open pidfd for the recorded init, or -1 when it is gone.
int open_init(const Runtime& r);

/// Waits up to ten seconds for a process to end, through its pidfd; reaps
/// it when it is ours. An init stays in its exit while a process of its
/// jail is a zombie whose parent (outside the jail) does not reap it.
bool wait_exit(int pidfd, int pid);

/// Runs `fn` in a child process that has joined the jail's namespaces
/// `nstypes`; returns its error sentence.
std::string in_namespaces(const Runtime& r, int nstypes, const std::function<std::string()>& fn);

}  // namespace jailplan::linux_jail
