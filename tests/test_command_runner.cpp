// The command runner for real: posix_spawn, output, exit status, users,
// timeouts that end the whole process group.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "executor/command_runner.hpp"

using namespace jailplan;
using namespace std::chrono_literals;

TEST_CASE("runner: output, exit status, environment and directory") {
  PosixCommandRunner r;
  auto res = r.run({{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, std::nullopt, "", 0ms});
  CHECK(res.exit_code == 3);
  CHECK(res.out == "out\n");
  CHECK(res.err == "err\n");
  CHECK(res.describe() == "failed (exit 3)");
  res = r.run({{"sh", "-c", "echo \"$FOO\"; pwd"},
               std::vector<std::string>{"FOO=bar", "PATH=/bin:/usr/bin"},
               "/tmp",
               0ms});
  CHECK(res.ok());
  CHECK(res.out == "bar\n/tmp\n");
  res = r.run({{"/nonexistent/program"}, std::nullopt, "", 0ms});
  CHECK_FALSE(res.ok());
  CHECK(res.describe() == "cannot run: /nonexistent/program: No such file or directory");
  res = r.run({{"/bin/sh", "-c", "kill -9 $$"}, std::nullopt, "", 0ms});
  CHECK(res.describe() == "exited on signal 9");
}

TEST_CASE("runner: a command runs as another user of the host, or fails clearly for an unknown one") {
  PosixCommandRunner r;
  Command unknown({"/usr/bin/id", "-u"});
  unknown.user = "no-such-user-jailplan";
  const auto bad = r.run(unknown);
  CHECK(bad.spawn_error == "no-such-user-jailplan: no such user");
  if (::geteuid() != 0) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true") FAIL("changing to another user needs root");
    MESSAGE("SKIPPED: changing to another user needs root");
    return;
  }
  const auto nobody = host_account("nobody");
  REQUIRE_MESSAGE(nobody.ok(), nobody.message());
  Command id({"id", "-u"});
  id.user = "nobody";
  id.extra_env = {"JNAME=web"};
  auto res = r.run(id);
  CHECK(res.ok());
  CHECK(res.out == fmt::format("{}\n", nobody->uid));
  Command env({"/bin/sh", "-c", "echo $JNAME"});
  env.extra_env = {"JNAME=web"};
  res = r.run(env);
  CHECK(res.out == "web\n");
}

TEST_CASE("runner: a timeout ends the whole process group; a left-behind daemon does not block") {
  PosixCommandRunner r;
  const auto t0 = std::chrono::steady_clock::now();
  auto res = r.run({{"/bin/sh", "-c", "sleep 30 & sleep 30"}, std::nullopt, "", 200ms, 500ms});
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(res.timed_out);
  CHECK(res.describe() == "timed out");
  CHECK(took < 5s);
  // a command that starts a background process holding stdout returns when
  // the command itself exits, as jail(8) does with `cmd &`
  const auto t1 = std::chrono::steady_clock::now();
  res = r.run({{"/bin/sh", "-c", "(sleep 2; echo late) & echo early"}, std::nullopt, "", 0ms});
  CHECK(res.ok());
  CHECK(res.out == "early\n");
  CHECK(std::chrono::steady_clock::now() - t1 < 1900ms);
}
