// The attack suite: what root inside a jail would try to get out of it, run
// for real against jails the Linux backend makes. Each attack is a small
// static C program (tests/attacks/*.c) copied into the jail and run there
// as jail root; it prints one line per check (CONTAINED or ESCAPED) and
// exits 0 only when the jail held. A failing test here is a way out of the
// jail: its message has the program's lines. Jail names that are paths,
// refused at plan time, are tried here too.
//
// Addresses: 203.0.113.100 to .129 (each Site takes its octet and the next).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "linux_test_host.hpp"

using namespace jailplan;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::can_make_jails;
using test::k_web;
using test::Site;

namespace {

/// An attack program copied into the jail root's /tmp, under a name of
/// this process's; removed again with this object.
class Planted {
 public:
  Planted(const Site& site, const std::string& program)
      : m_inside(fmt::format("/tmp/attack-{}-{}", program, ::getpid())), m_host(site.path() + m_inside) {
    fs::copy_file(fs::path(JAILPLAN_ATTACKS_DIR) / program, m_host, fs::copy_options::overwrite_existing);
    fs::permissions(m_host, fs::perms(0755));
  }
  ~Planted() {
    std::error_code ec;
    fs::remove(m_host, ec);
  }
  Planted(const Planted&) = delete;
  Planted& operator=(const Planted&) = delete;
  /// Its path inside the jail.
  const std::string& inside() const { return m_inside; }

 private:
  std::string m_inside, m_host;
};

/// What the program said, for a failed check's message.
std::string shown(const CommandResult& r) {
  return fmt::format("the attack program {}:\n{}{}", r.describe(), r.out,
                     r.err.empty() ? "" : "stderr:\n" + r.err);
}

/// `conf` with `text` added to its first jail, after `persist;`.
std::string with(std::string conf, const std::string& text) {
  conf.replace(conf.find("persist;"), 8, "persist; " + text);
  return conf;
}

/// Waits up to `patience` for `path` to exist.
bool await_file(const std::string& path, std::chrono::milliseconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() > until) return false;
    ::usleep(20'000);
  }
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The environment this process runs with, `extra` ("NAME=value") set in it.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view word(*e);
    const auto name = word.substr(0, word.find('=') + 1);
    if (std::none_of(extra.begin(), extra.end(), [&](const std::string& x) { return x.starts_with(name); }))
      env.emplace_back(word);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& words) {
  std::vector<char*> out;
  for (auto& w : words) out.push_back(w.data());
  out.push_back(nullptr);
  return out;
}

/// `text` without the terminal's control sequences (a progress line's).
std::string plain(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    } else if (text[i] != '\r') {
      out += text[i];
    }
  }
  return out;
}

/// A pseudo-terminal of the host, like an operator's: a command runs with
/// it as its controlling terminal and as 0, 1 and 2. Its slave side is in
/// raw mode, so that whatever reaches its input queue stays there, counted.
class Terminal {
 public:
  Terminal() {
    m_master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(m_master >= 0);
    REQUIRE(::grantpt(m_master) == 0);
    REQUIRE(::unlockpt(m_master) == 0);
    m_slave_name = ::ptsname(m_master);
    m_slave = ::open(m_slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(m_slave >= 0);
    termios t{};
    REQUIRE(::tcgetattr(m_slave, &t) == 0);
    ::cfmakeraw(&t);
    REQUIRE(::tcsetattr(m_slave, TCSANOW, &t) == 0);
  }
  ~Terminal() {
    ::close(m_slave);
    ::close(m_master);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  struct Run {
    int status = -1;  ///< the exit status, or -1 (a signal or a timeout)
    std::string output;
  };

  /// Runs `argv` (environment `env`) in a session of its own whose
  /// controlling terminal is this one, as 0, 1 and 2; what it wrote.
  Run run(std::vector<std::string> argv, std::vector<std::string> env) {
    auto args = c_strings(argv);
    auto envp = c_strings(env);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // the operator's shell: a session leader on the terminal
      const int tty = ::open(m_slave_name.c_str(), O_RDWR);
      if (::setsid() < 0 || tty < 0 || ::ioctl(tty, TIOCSCTTY, 0) != 0) ::_exit(125);
      for (int fd = 0; fd < 3; ++fd) ::dup2(tty, fd);
      if (tty > 2) ::close(tty);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    Run r;
    const auto until = std::chrono::steady_clock::now() + 90s;
    int status = 0;
    for (;;) {
      drain(r.output, 100);
      if (::waitpid(pid, &status, WNOHANG) == pid) break;
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        r.output += "\n(timed out)";
        break;
      }
    }
    drain(r.output, 100);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.output = plain(r.output);
    return r;
  }

  /// What is waiting in the terminal's input queue: what its reader (the
  /// operator's shell) would read next, as typed by the operator.
  std::string pending_input() const {
    int n = 0;
    if (::ioctl(m_slave, FIONREAD, &n) != 0 || n <= 0) return {};
    std::string text(static_cast<std::size_t>(n), '\0');
    const ssize_t got = ::read(m_slave, text.data(), text.size());
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return text.empty() ? fmt::format("({} bytes)", n) : text;
  }

 private:
  /// Reads what the command wrote, waiting up to `ms` for the first byte.
  void drain(std::string& out, int ms) const {
    pollfd p{m_master, POLLIN, 0};
    while (::poll(&p, 1, ms) > 0 && (p.revents & POLLIN) != 0) {
      char buf[4096];
      const ssize_t n = ::read(m_master, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      ms = 0;
    }
  }

  int m_master = -1, m_slave = -1;
  std::string m_slave_name;
};

/// A key in host root's user keyring, removed with this object.
class HostKey {
 public:
  HostKey(std::string description, const std::string& payload) : m_description(std::move(description)) {
    m_id = ::syscall(SYS_add_key, "user", m_description.c_str(), payload.data(), payload.size(),
                     KEY_SPEC_USER_KEYRING);
  }
  ~HostKey() {
    if (m_id < 0) return;
    ::syscall(SYS_keyctl, KEYCTL_UNLINK, m_id, KEY_SPEC_USER_KEYRING);
    ::syscall(SYS_keyctl, KEYCTL_INVALIDATE, m_id);
  }
  HostKey(const HostKey&) = delete;
  HostKey& operator=(const HostKey&) = delete;
  bool ok() const { return m_id >= 0; }
  const std::string& description() const { return m_description; }

 private:
  std::string m_description;
  long m_id = -1;
};

/// Whether `diagnostics` has an error (not a warning) at `place`.
bool located_error(const std::string& diagnostics, const std::string& place) {
  std::istringstream in(diagnostics);
  for (std::string line; std::getline(in, line);)
    if (line.find(place) != std::string::npos && line.find("error") != std::string::npos) return true;
  return false;
}

/// Every path below `dir`, relative to it, but those below `skip`.
std::set<std::string> tree(const fs::path& dir, const std::set<std::string>& skip) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), dir).string();
    const std::string top = rel.substr(0, rel.find('/'));
    if (skip.count(top) != 0) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    out.insert(rel);
  }
  return out;
}

}  // namespace

// --- ptrace -----------------------------------------------------------------

// While `jailplan exec` enters a jail, its child is in the jail's pid
// namespace before it has dropped the host's capabilities, cgroups and
// descriptors. Jail root, watching for new pids, must never catch one that
// holds more than the jail: 50 entries, each tried the moment it exists.
TEST_CASE("linux attack: jail root cannot trace a process entering the jail (jexec)") {
  if (!can_make_jails()) return;
  Site site(100);
  REQUIRE(site.apply(k_web).ok());
  Planted program(site, "ptrace_entry");
  const std::string ready = fmt::format("/tmp/ptrace-ready-{}", ::getpid());
  const std::string stop = fmt::format("/tmp/ptrace-stop-{}", ::getpid());
  auto watcher = std::async(std::launch::async, [&] {
    return site.in_jail_argv({program.inside(), "watch", "60", ready, stop}, {}, 90s);
  });
  REQUIRE_MESSAGE(await_file(site.path() + ready, 10s), "the watcher did not start");
  int entered = 0;
  for (int i = 0; i < 50; ++i) entered += site.in_jail_argv({"/bin/true"}).ok() ? 1 : 0;
  std::ofstream(site.path() + stop) << "stop\n";
  const CommandResult r = watcher.get();
  fs::remove(site.path() + ready);
  fs::remove(site.path() + stop);
  CHECK(entered == 50);
  CHECK_MESSAGE(r.ok(), shown(r));
}

// The same for the in-jail hooks: exec.stop's commands enter the jail the
// way jexec does, run by the apply that destroys it, while the watcher is
// still there to catch them (it ends on the SIGTERM that follows).
TEST_CASE("linux attack: jail root cannot trace exec.stop entering the jail") {
  if (!can_make_jails()) return;
  Site site(102);
  std::string stops = "exec.stop = \"/bin/true\"";
  for (int i = 0; i < 9; ++i) stops += ", \"/bin/true\"";
  const std::string conf = with(k_web, stops + "; stop.timeout = 10;");
  REQUIRE(site.apply(conf).ok());
  Planted program(site, "ptrace_entry");
  const std::string ready = fmt::format("/tmp/ptrace-ready-{}", ::getpid());
  const std::string stop = fmt::format("/tmp/ptrace-stop-{}", ::getpid());
  auto watcher = std::async(std::launch::async, [&] {
    return site.in_jail_argv({program.inside(), "watch", "60", ready, stop}, {}, 90s);
  });
  REQUIRE_MESSAGE(await_file(site.path() + ready, 10s), "the watcher did not start");
  const ApplyResult destroyed = site.apply("");
  std::ofstream(site.path() + stop) << "stop\n";  // if the SIGTERM did not end it
  const CommandResult r = watcher.get();
  fs::remove(site.path() + ready);
  fs::remove(site.path() + stop);
  CHECK(destroyed.ok());
  CHECK_MESSAGE(r.ok(), shown(r));
}

// The jail's init is jailplan, started by host root: jail root must not
// trace it (it would run code in a process outside the jail's limits), nor
// open its executable, a host file.
TEST_CASE("linux attack: jail root cannot trace the jail's init") {
  if (!can_make_jails()) return;
  Site site(104);
  REQUIRE(site.apply(k_web).ok());
  Planted program(site, "ptrace_entry");
  const CommandResult r = site.in_jail_argv({program.inside(), "init"});
  CHECK_MESSAGE(r.ok(), shown(r));
}

// --- the operator's terminal ------------------------------------------------

// `jailplan exec` run from a terminal: what the jail pushes with TIOCSTI
// would be read by the operator's shell, as host root, once it returns.
TEST_CASE("linux attack: jail root cannot type into the terminal of jailplan exec (TIOCSTI)") {
  if (!can_make_jails()) return;
  Site site(106);
  REQUIRE(site.apply(k_web).ok());
  Planted program(site, "tiocsti");
  Terminal tty;
  const auto r = tty.run(site.jexec_argv({program.inside()}), environment_with({}));
  CHECK_MESSAGE(r.status == 0, "the attack program (exit ", r.status, "):\n", r.output);
  const std::string injected = tty.pending_input();
  CHECK_MESSAGE(injected.empty(), "the host terminal would read: ", injected);
}

// The same for an apply run from a terminal: exec.start runs in the jail
// while the apply's controlling terminal is the operator's.
TEST_CASE("linux attack: jail root cannot type into the terminal of jailplan apply (TIOCSTI)") {
  if (!can_make_jails()) return;
  Site site(108);
  Planted program(site, "tiocsti");
  const std::string log = site.root() + "/console.log";
  const std::string file = site.write_conf(
      with(k_web, fmt::format("exec.start = \"{}\"; exec.consolelog = \"{}\";", program.inside(), log)));
  Terminal tty;
  auto env = site.cli_env();
  env.emplace_back("NO_COLOR=1");
  const auto r = tty.run({JAILPLAN_BINARY, "apply", file, "--auto-approve"}, environment_with(env));
  CHECK_MESSAGE(r.status == 0, "jailplan apply (exit ", r.status, "):\n", r.output,
                "\nexec.start's output:\n", read_text(log));
  const std::string injected = tty.pending_input();
  CHECK_MESSAGE(injected.empty(), "the host terminal would read: ", injected);
}

// --- descriptors ----------------------------------------------------------

// Whatever runs `jailplan exec` may hold a descriptor without close-on-exec
// (here: a host directory at 9); the jail must not get it.
TEST_CASE("linux attack: a descriptor left open by the caller of jailplan exec does not reach the jail") {
  if (!can_make_jails()) return;
  Site site(110);
  REQUIRE(site.apply(k_web).ok());
  Planted program(site, "fds");
  std::vector<std::string> argv{"/bin/sh", "-c", "exec 9<\"$0\" && exec \"$@\"", site.root()};
  for (auto& w : site.jexec_argv({program.inside()})) argv.push_back(w);
  PosixCommandRunner host;
  const CommandResult r = host.run({argv, std::nullopt, "", 30s});
  CHECK_MESSAGE(r.ok(), shown(r));
}

// The same for the hooks: an apply started with a descriptor open runs
// exec.start in the jail.
TEST_CASE("linux attack: a descriptor left open by the caller of jailplan apply does not reach exec.start") {
  if (!can_make_jails()) return;
  Site site(112);
  Planted program(site, "fds");
  const std::string log = site.root() + "/console.log";
  const std::string file = site.write_conf(
      with(k_web, fmt::format("exec.start = \"{}\"; exec.consolelog = \"{}\";", program.inside(), log)));
  Command c{{"/bin/sh", "-c", "exec 9<\"$0\" && exec \"$@\"", site.root(), JAILPLAN_BINARY, "apply", file,
             "--auto-approve"},
            std::nullopt,
            "",
            60s};
  c.extra_env = site.cli_env();
  PosixCommandRunner host;
  const CommandResult r = host.run(c);
  CHECK_MESSAGE(r.ok(), "jailplan apply ", r.describe(), ":\n", r.out, r.err, "\nexec.start's output:\n",
                read_text(log));
}

// --- the kernel keyring ---------------------------------------------------

// Keyrings are per uid, not per namespace: host root's user keyring must
// be out of jail root's reach.
TEST_CASE("linux attack: jail root cannot reach host root's kernel keyring") {
  if (!can_make_jails()) return;
  Site site(114);
  const HostKey key(fmt::format("jailplan-attack-host-key-{}", ::getpid()), "host secret");
  REQUIRE(key.ok());
  REQUIRE(site.apply(k_web).ok());
  Planted program(site, "keyring");
  const CommandResult r = site.in_jail_argv({program.inside(), key.description()});
  CHECK_MESSAGE(r.ok(), shown(r));
}

// --- resource limits ------------------------------------------------------

// The limits hold for every process of the jail, the init included: it is
// in the jail's cgroups and cannot be traced; 100 forks and 200 MiB
// (capped, so a failure cannot hurt the machine) stay within 20 and 64 MiB.
TEST_CASE("linux attack: the jail's resource limits hold, through its init too") {
  if (!can_make_jails()) return;
  Site site(116);
  REQUIRE(site.apply(with(k_web, R"($jailplan_rctl = "memoryuse:deny=64M", "maxproc:deny=20";)")).ok());
  Planted program(site, "limits");
  const CommandResult r = site.in_jail_argv({program.inside(), "64", "20"}, {}, 90s);
  CHECK_MESSAGE(r.ok(), shown(r));
}

// --- the classics ---------------------------------------------------------

namespace {

/// Applies `conf`, then runs the classic escapes (classic.c) inside the
/// jail, as jail root; a host file beside the root is the marker no path
/// may reach.
void check_classic_escapes_fail(Site& site, const std::string& conf) {
  const std::string marker = site.root() + "/outside-marker";
  std::ofstream(marker) << "host only\n";
  REQUIRE(site.apply(conf).ok());
  Planted program(site, "classic");
  const CommandResult r = site.in_jail_argv({program.inside(), marker, "deny"}, {}, 90s);
  CHECK_MESSAGE(r.ok(), shown(r));
}

}  // namespace

// Chroot escapes, device nodes, mounts, namespaces, modules, kexec, bpf,
// perf, userfaultfd, the clock, real-time priority, /proc and /sys knobs,
// raw sockets, interfaces and the host name: each refused to jail root.
// A file of the host beside the jail's root must be reachable by no path.
TEST_CASE("linux attack: the classic escapes fail") {
  if (!can_make_jails()) return;
  Site site(118);
  check_classic_escapes_fail(site, with(k_web, "allow.noset_hostname;"));
}

// allow.set_hostname cannot be given without a user namespace of the
// jail's own (sethostname needs CAP_SYS_ADMIN): it is refused at plan
// time, never applied weaker than asked; the jail made anyway (as
// --allow-unenforced would) holds no more than the default one.
TEST_CASE("linux attack: allow.set_hostname is refused at plan time, and gives no way out") {
  if (!can_make_jails()) return;
  Site site(120);
  const std::string conf = with(k_web, "allow.set_hostname;");
  const CommandResult plan = site.cli({"plan", site.write_conf(conf)});
  CHECK(plan.exit_code == 1);
  CHECK_MESSAGE(
      plan.err.find("allow.set_hostname cannot be enforced by the Linux backend") != std::string::npos,
      plan.err);
  check_classic_escapes_fail(site, conf);
}

// --- spoofing -------------------------------------------------------------

// allow.raw_sockets lets a FreeBSD jail send raw packets from its own
// addresses only. From jail A (@A@), datagrams with B's address (@B@, a
// second jail) and with nobody's (.octet+2) must not reach the host; one
// from A's own address must (else the test proves nothing).
TEST_CASE("linux attack: a jail with allow.raw_sockets cannot send from another jail's address") {
  if (!can_make_jails()) return;
  Site site(122);
  const std::string nobody = site.address(2);
  const std::string conf = with(k_web, "allow.raw_sockets;") + R"(
@JAIL@b { path = "@ROOT@"; ip4.addr = @B@; persist; }
)";
  REQUIRE(site.apply(conf).ok());
  const auto rt = site.runtime();
  REQUIRE(rt);
  REQUIRE_FALSE(rt->gateway4.empty());
  const int port = 47000 + 122;
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, rt->gateway4.c_str(), &addr.sin_addr);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval patience{1, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);

  Planted program(site, "raw_spoof");
  const CommandResult r = site.in_jail_argv(
      {program.inside(), site.address(0), rt->gateway4, std::to_string(port), site.address(1), nobody});
  CHECK_MESSAGE(r.ok(), shown(r));
  // what reached the host, by source address
  std::map<std::string, std::string> arrived;
  for (;;) {
    char buf[512];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(s, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) break;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    arrived[text] = std::string(buf, static_cast<std::size_t>(n));
  }
  ::close(s);
  REQUIRE_MESSAGE(arrived.count(site.address(0)) == 1,
                  "the jail's datagram from its own address did not arrive: the test proves nothing\n",
                  shown(r));
  CHECK_MESSAGE(arrived.count(site.address(1)) == 0, "a datagram from jail B's address ", site.address(1),
                " reached the host, sent by jail A: \"", arrived[site.address(1)], "\"");
  CHECK_MESSAGE(arrived.count(nobody) == 0, "a datagram from nobody's address ", nobody,
                " reached the host, sent by jail A: \"", arrived[nobody], "\"");
}

// --- names ----------------------------------------------------------------

// A jail's name becomes file and cgroup paths: `..` or one with a slash
// would reach outside the runtime and state directories (and `..` would
// make the jail's cgroup the whole tree). Such names are refused at plan
// time, with the place in the file, and nothing is made.
TEST_CASE("linux attack: a jail name that is a path is refused at plan time") {
  if (!can_make_jails()) return;
  Site site(126);
  for (const std::string name : {"..", "a/b", "a b"}) {
    CAPTURE(name);
    const std::set<std::string> skip{"run", "applied", "journal.jsonl", "jailplan.lock", "jail.conf"};
    const auto before = tree(site.root(), skip);
    const std::string file = site.write_conf(fmt::format("\"{}\" {{ path = \"@ROOT@\"; persist; }}\n", name));
    const CommandResult r = site.cli({"apply", file, "--auto-approve"});
    std::vector<std::string> made;
    for (const auto& p : tree(site.root(), skip))
      if (before.count(p) == 0) made.push_back(p);
    // a jail it made anyway is ended here, by its record's pid
    const auto rt = linux_jail::read_runtime(site.paths().runtime_dir, name);
    if (rt) linux_jail::destroy(*rt, site.paths().runtime_dir);
    CHECK_MESSAGE(r.exit_code != 0, "jailplan apply took the jail name \"", name, "\":\n", r.out, r.err);
    CHECK_FALSE(rt);
    CHECK_MESSAGE(located_error(r.err, "jail.conf:1:"), "no error located at jail.conf:1 in: ", r.err);
    CHECK_MESSAGE(made.empty(), "made outside the runtime and state directories: ",
                  fmt::format("{}", fmt::join(made, " ")));
  }
}

// --- allow.mount ----------------------------------------------------------

// allow.mount needs CAP_SYS_ADMIN on Linux, which is far more than
// mounting. Either the plan refuses it, or the jail runs and still cannot
// mount devtmpfs or a cgroup v1 hierarchy (release_agent), unmount
// /proc/sys or write core_pattern.
TEST_CASE("linux attack: allow.mount is refused, or gives no way out") {
  if (!can_make_jails()) return;
  Site site(128);
  const std::string file = site.write_conf(with(k_web, "allow.mount; allow.mount.devfs;"));
  const CommandResult applied = site.cli({"apply", file, "--auto-approve"});
  if (applied.exit_code != 0) {
    CHECK_MESSAGE(!site.runtime(), "apply failed, yet the jail runs:\n", applied.err);
    MESSAGE("allow.mount refused: ", applied.err);
    return;
  }
  Planted program(site, "mount_attack");
  const CommandResult r = site.in_jail_argv({program.inside()});
  CHECK_MESSAGE(r.ok(), shown(r));
}

// --- paths ----------------------------------------------------------------

namespace {

/// A copy of the shared root this test may change (a jail that controls a
/// tree can replace any entry of it with a symbolic link).
std::string own_root(const Site& site) {
  const std::string root = site.root() + "/own";
  fs::copy(site.path(), root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  return root;
}

}  // namespace

// A tree whose /dev is a link to a host directory: jailplan's /dev/fd link
// (mount.fdescfs) must be made inside the jail's root, never through the
// link on the host's file system.
TEST_CASE("linux attack: a symbolic link in a jail's tree does not take jailplan's writes out of it") {
  if (!can_make_jails()) return;
  Site site(130);
  const std::string root = own_root(site);
  const std::string host_dir = site.root() + "/host-only";
  fs::create_directory(host_dir);
  fs::remove_all(root + "/dev");
  fs::create_directory_symlink(host_dir, root + "/dev");
  const std::string conf = "@JAIL@ { path = \"" + root + "\"; mount.fdescfs; persist; }\n";
  site.apply(conf);  // made inside the root, or refused: never on the host
  CHECK_FALSE(fs::exists(fs::symlink_status(host_dir + "/fd")));
  CHECK(fs::is_empty(host_dir));
}

// A jail whose path is a link (the inner jail of a jail that replaced it
// with one to /usr) is not started at all.
TEST_CASE("linux attack: a jail whose path was replaced by a symbolic link does not start") {
  if (!can_make_jails()) return;
  Site site(132);
  const std::string outer = site.root() + "/outer";
  fs::create_directory(outer);
  fs::create_directory_symlink("/usr", outer + "/inner");
  const ApplyResult r = site.apply("@JAIL@ { path = \"" + outer + "/inner\"; persist; }\n");
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.jails.front().error.find("a component is a symbolic link") != std::string::npos,
                r.jails.front().error);
  CHECK_FALSE(site.runtime());
}

// exec.consolelog under a jail's root is the jail's to replace: a link
// there to a host file must not make jailplan append to that file.
TEST_CASE("linux attack: exec.consolelog is never written through a symbolic link") {
  if (!can_make_jails()) return;
  Site site(134);
  const std::string root = own_root(site);
  const std::string victim = site.root() + "/host-file";
  std::ofstream(victim) << "host\n";
  fs::create_symlink(victim, root + "/tmp/console.log");
  const std::string conf = "@JAIL@ { path = \"" + root + "\"; persist; exec.consolelog = \"" + root +
                           "/tmp/console.log\"; exec.start = \"echo injected\"; }\n";
  const ApplyResult r = site.apply(conf);
  CHECK_FALSE(r.ok());
  std::ifstream in(victim);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "host\n");
}

// A mount whose target is outside the jail's path would live only in the
// jail's private namespace: refused, not silently dropped.
TEST_CASE("linux: a mount target outside the jail's path is refused when the jail starts") {
  if (!can_make_jails()) return;
  Site site(136);
  const std::string elsewhere = site.root() + "/elsewhere";
  fs::create_directory(elsewhere);
  const ApplyResult r = site.apply("@JAIL@ { path = \"@ROOT@\"; persist; mount = \"tmpfs " + elsewhere +
                                   " tmpfs rw 0 0\"; }\n");
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(r.jails.front().error.find("not beneath the jail's path") != std::string::npos,
                r.jails.front().error);
}
