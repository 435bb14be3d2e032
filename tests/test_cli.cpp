// Commands run in-process on argument vectors, with an in-memory loader.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/json_bytes.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "executor/command_runner.hpp"
#include "planner/plan_digest.hpp"
#include "planner/plan_file.hpp"
#include "testutil.hpp"

namespace {

struct Run {
  int rc;
  std::string out, err;
};

Run run(std::vector<std::string> args, jailplan::test::MemoryLoader loader) {
  std::ostringstream out, err;
  jailplan::World w{loader, out, err, false};
  const int rc = jailplan::run_cli(args, w);
  return {rc, out.str(), err.str()};
}

const char* k_site = "path = \"/j/$name\";\nweb { persist; }\ndb { persist; depend = web; }\n";

}  // namespace

TEST_CASE("cli: validate exit codes and messages") {
  auto r = run({"validate", "site.conf"}, jailplan::test::MemoryLoader({{"site.conf", k_site}}));
  CHECK(r.rc == 0);
  CHECK(r.out == "site.conf: 2 jails valid\n");
  r = run({"validate", "bad.conf"}, jailplan::test::MemoryLoader({{"bad.conf", "web { persist }\n"}}));
  CHECK(r.rc == 1);
  CHECK(r.err ==
        "bad.conf:1:15: error: expected ';' after parameter, got '}'\n"
        "    1 | web { persist }\n"
        "      |               ^\n"
        "      = every parameter needs its own ';', also the last one in a block\n"
        "1 error generated.\n");
  r = run({"validate", "nope.conf"}, jailplan::test::MemoryLoader());
  CHECK(r.rc == 1);
  CHECK(r.err == "jailplan: error: cannot read 'nope.conf': No such file or directory\n1 error generated.\n");
}

TEST_CASE("cli: show -e and selection") {
  jailplan::test::MemoryLoader l({{"site.conf", k_site}});
  auto r = run({"show", "-e", ":", "site.conf"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out == "name=web:path=/j/web:persist\nname=db:path=/j/db:persist:depend=web\n");
  r = run({"show", "-e", ":", "site.conf", "db"}, l);
  CHECK(r.out == "name=db:path=/j/db:persist:depend=web\n");
  r = run({"show", "--json", "site.conf", "web"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("\"format\": \"jailplan-model\"") != std::string::npos);
  CHECK(r.out.find("\"name\": \"web\"") != std::string::npos);
  r = run({"show", "--json", "--yaml", "site.conf"}, l);
  CHECK(r.rc == 1);
}

TEST_CASE("cli: fmt --check shows a diff and fails on a non-canonical file") {
  jailplan::test::MemoryLoader l({{"a.conf", "web{persist;}\n"}, {"b.conf", "web {\n    persist;\n}\n"}});
  auto r = run({"fmt", "--check", "a.conf"}, l);
  CHECK(r.rc == 1);
  CHECK(r.out ==
        "--- a.conf\n+++ a.conf (formatted)\n@@ -1,1 +1,3 @@\n-web{persist;}\n+web {\n+    persist;\n+}\n");
  r = run({"fmt", "--check", "b.conf"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.empty());
  r = run({"fmt", "a.conf"}, l);
  CHECK(r.out == "web {\n    persist;\n}\n");
}

TEST_CASE("cli: convert both ways and usage errors") {
  jailplan::test::MemoryLoader l({{"a.conf", "x = 1;\nweb { persist; }\n"}});
  auto r = run({"convert", "--to", "yaml", "a.conf"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out == "jailplan: 1\nconfig:\n  - x: \"1\"\n  - jail: web\n    body:\n      - persist: ~\n");
  r = run({"convert", "--to", "xml", "a.conf"}, l);
  CHECK(r.rc == 1);
  r = run({"frobnicate"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err.find("jailplan: error:") == 0);
}

TEST_CASE("cli: plan against snapshots, exit codes and saved plans") {
  const std::string jls_n = "jid=1 name=web path=/j/web persist\njid=2 name=other path=/j/other persist\n";
  jailplan::test::MemoryLoader l(
      {{"site.conf", k_site},
       {"empty.json", R"({"format": "jailplan-state", "version": 1, "jails": []})"},
       {"jls.txt", jls_n}});
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--detailed-exitcode"}, l);
  CHECK(r.rc == 2);
  CHECK(r.out.find("# jail \"web\" will be created\n") != std::string::npos);
  CHECK(r.out.find("Plan: 2 to create, 0 to update in place, 0 to restart or replace, 0 to destroy.\n") !=
        std::string::npos);
  CHECK(run({"plan", "site.conf", "--state", "empty.json"}, l).rc == 0);

  // a running jail nobody owns is taken over only when asked
  r = run({"plan", "site.conf", "--state", "jls.txt", "--markdown"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err.find("jail \"web\" is running and no configuration owns it") != std::string::npos);
  r = run({"plan", "site.conf", "--state", "jls.txt", "--markdown", "--adopt"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("| `~` | `web` | update | no configuration owned it: --adopt makes it this one's |") !=
        std::string::npos);
  CHECK(r.out.find("Not managed by jailplan: other") != std::string::npos);

  r = run({"plan", "site.conf", "--state", "jls.txt", "--json", "--adopt"}, l);
  CHECK(r.out.find("\"format\": \"jailplan-plan\"") != std::string::npos);
  CHECK(r.out.find("\"observed_digest\": \"sha256:") != std::string::npos);

  char dir[] = "/tmp/jailplan-cli-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string saved = std::string(dir) + "/plan.json";
  r = run({"plan", "site.conf", "--state", "empty.json", "-o", saved}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("Saved the plan to " + saved) != std::string::npos);
  jailplan::FileSystemLoader fs;
  std::string error;
  const auto text = fs.read(saved, error);
  REQUIRE(text.has_value());
  CHECK(text->find("\"desired_digest\": \"sha256:") != std::string::npos);
  std::remove(saved.c_str());
  rmdir(dir);
}

TEST_CASE("cli: plan refuses clearly without a state, or with a bad one") {
  jailplan::test::MemoryLoader l({{"site.conf", k_site}, {"bad.json", "{\"format\": \"jailplan-state\"}"}});
  // this machine has no jls: the FreeBSD observer says so
  auto r = run({"plan", "site.conf", "--backend", "freebsd"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err.find("cannot observe the host: /usr/sbin/jls --libxo json -d -n: cannot run") !=
        std::string::npos);
  r = run({"plan", "site.conf", "--state", "bad.json"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err.rfind("bad.json:1:1: error: state snapshot has no 'version' number\n", 0) == 0);
  r = run({"plan", "site.conf", "--state", "missing.json"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err == "jailplan: error: cannot read state snapshot missing.json: No such file or directory\n");
  r = run({"plan", "site.conf", "--state", "bad.json", "--json", "--markdown"}, l);
  CHECK(r.rc == 1);
}

TEST_CASE("cli: observe converts jls output into a snapshot; graph prints DOT") {
  jailplan::test::MemoryLoader l(
      {{"site.conf", k_site}, {"jls.txt", "jid=4 name=web path=/j/web persist\n"}});
  auto r = run({"observe", "--state", "jls.txt"}, l);
  CHECK(r.rc == 0);
  CHECK(
      r.out ==
      "   JID  NAME                     MANAGED   PATH\n     4  web                      no        /j/web\n");
  r = run({"observe", "--state", "jls.txt", "--json"}, l);
  CHECK(r.out.find("\"format\": \"jailplan-state\"") != std::string::npos);
  r = run({"graph", "site.conf"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("  \"db\" -> \"web\";\n") != std::string::npos);
}

TEST_CASE("cli: apply --dry-run prints the commands and changes nothing; guard rails") {
  jailplan::test::MemoryLoader l(
      {{"site.conf", k_site}, {"empty.json", R"({"format": "jailplan-state", "version": 1, "jails": []})"}});
  auto r = run({"apply", "site.conf", "--state", "empty.json", "--dry-run", "--backend", "freebsd"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("Commands, in order (nothing was changed):\n"
                   "  web: /usr/sbin/jail -c name=web path=/j/web persist\n"
                   "  web: write applied record\n"
                   "  db: /usr/sbin/jail -c name=db path=/j/db persist\n"
                   "  db: write applied record\n") != std::string::npos);
  r = run({"apply", "site.conf", "--state", "empty.json", "--backend", "freebsd"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err == "jailplan: error: --state plans against a snapshot; only --dry-run can use it\n");
  // without a terminal and --auto-approve nothing is done
  r = run({"apply", "site.conf", "--state", "empty.json", "--backend", "linux"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err == "jailplan: error: --state plans against a snapshot; only --dry-run can use it\n");
  // the Linux dry run checks each step: these paths do not exist here
  r = run({"apply", "site.conf", "--state", "empty.json", "--dry-run", "--backend", "linux"}, l);
  CHECK(r.rc == 1);
  CHECK(r.out.find("Steps, in order (nothing was changed):\n"
                   "  web: create name=web path=/j/web persist\n"
                   "  web:   would fail: jail: web: path /j/web: not a directory\n") != std::string::npos);
}

TEST_CASE("cli: the Linux backend refuses what it cannot enforce, located, unless allowed") {
  jailplan::test::MemoryLoader l(
      {{"strict.conf", "web {\n  path = /j/web;\n  securelevel = 3;\n  osrelease = \"14.1-RELEASE\";\n}\n"},
       {"empty.json", R"({"format": "jailplan-state", "version": 1, "jails": []})"}});
  auto r = run({"plan", "strict.conf", "--state", "empty.json", "--backend", "linux"}, l);
  CHECK(r.rc == 1);
  CHECK(
      r.err.find("strict.conf:3:3: error: jail \"web\": securelevel cannot be enforced by the Linux backend: "
                 "Linux has no per-jail securelevel") != std::string::npos);
  CHECK(r.err.find("strict.conf:4:3: error: jail \"web\": osrelease cannot be enforced") !=
        std::string::npos);
  CHECK(r.err.find("= pass --allow-unenforced to apply it anyway, weaker than asked") != std::string::npos);
  r = run({"plan", "strict.conf", "--state", "empty.json", "--backend", "linux", "--allow-unenforced"}, l);
  CHECK(r.rc == 0);
  CHECK(r.err.find("strict.conf:3:3: warning: jail \"web\": securelevel") != std::string::npos);
  // a FreeBSD host enforces them: no diagnostics
  r = run({"plan", "strict.conf", "--state", "empty.json", "--backend", "freebsd"}, l);
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
}

TEST_CASE("cli: a saved plan runs only as reviewed: its digest, its host, its files, its jails") {
  const std::string host = R"("host": {"hostname": "h1", "host_id": "id1"})";
  jailplan::test::MemoryLoader l(
      {{"site.conf", k_site},
       {"empty.json", R"({"format": "jailplan-state", "version": 1, "jails": [], )" + host + "}"},
       {"other-host.json", R"({"format": "jailplan-state", "version": 1, "jails": [],
          "host": {"hostname": "h1", "host_id": "id2"}})"},
       {"no-host.json", R"({"format": "jailplan-state", "version": 1, "jails": []})"},
       // an unrelated jail started since: not this plan's business
       {"unrelated.json", R"({"format": "jailplan-state", "version": 1, )" + host + R"(,
          "jails": [{"name": "stranger", "jid": 4, "params": {"path": "/j/stranger"}, "applied": null}]})"},
       // web, which the plan creates, now runs
       {"moved.json", R"({"format": "jailplan-state", "version": 1, )" + host + R"(,
          "jails": [{"name": "web", "jid": 9, "params": {"path": "/j/web", "persist": true},
                     "applied": {"digest": "sha256:0", "jid": 9, "owner": "site.conf",
                                 "params": {"path": "/j/web", "persist": true}}}]})"}});
  char tmpl[] = "/tmp/jailplan-cli-plan-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string saved = dir + "/plan.json";
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--backend", "freebsd", "-o", saved}, l);
  REQUIRE(r.rc == 0);
  const auto digest_at = r.out.find("Plan digest: sha256:");
  REQUIRE(digest_at != std::string::npos);
  const std::string digest = r.out.substr(digest_at + 13, 71);
  std::ifstream in(saved);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"plan_digest\": \"" + digest + "\"") != std::string::npos);
  l.add(saved, text);
  const auto apply = [&](const std::string& state, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"apply", saved, "--state", state, "--backend", "freebsd", "--dry-run"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, l);
  };
  r = apply("empty.json", {"--expect-digest", digest});
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(r.out.find("  web: /usr/sbin/jail -c name=web path=/j/web persist\n") != std::string::npos);
  // a pipeline that approved another digest
  r = apply("empty.json", {"--expect-digest", "sha256:0"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("its plan digest is " + digest + ", not the approved sha256:0") != std::string::npos);
  // another host, or none named
  r = apply("other-host.json");
  CHECK(r.rc == 1);
  CHECK(r.err.find("it was made for host h1 (id id1), and this is h1 (id id2)") != std::string::npos);
  CHECK(apply("no-host.json").rc == 1);
  // an unrelated jail: still the same plan for every jail it touches
  r = apply("unrelated.json");
  CHECK(r.rc == 0);
  // a jail the plan touches moved on
  r = apply("moved.json");
  CHECK(r.rc == 1);
  CHECK(r.err.find("'web' is now running (jid 9)") != std::string::npos);
  // a hand-edited step (the displayed changes left as they were)
  std::string edited = text;
  std::size_t edits = 0;
  for (auto at = edited.find("\"/j/web\""); at != std::string::npos;
       at = edited.find("\"/j/web\"", at), ++edits)
    edited.replace(at, 8, "\"/j/evil\"");
  REQUIRE(edits >= 2);
  l.add(saved, edited);
  r = apply("empty.json");
  CHECK(r.rc == 1);
  CHECK(r.err.find("does not hash to its plan digest: it was changed after it was made") !=
        std::string::npos);
  // what a reviewer reads of it is checked too: an edited "after" is refused
  {
    std::string shown = text;
    const auto at = shown.find("\"after\": {");
    REQUIRE(at != std::string::npos);
    const auto path = shown.find("\"/j/web\"", at);
    REQUIRE(path != std::string::npos);
    shown.replace(path, 8, "\"/j/evil\"");
    l.add(saved, shown);
    r = apply("empty.json");
    CHECK(r.rc == 1);
    CHECK(r.err.find(".after: not the parameters of its applied record") != std::string::npos);
  }
  // edited with its digest recomputed: the plan made again differs
  {
    jailplan::SourceSet sources;
    auto p = jailplan::parse_plan_json(sources.add(saved, edited));
    REQUIRE(p.ok());
    p.value().digest = jailplan::plan_digest(p.value());
    l.add(saved, jailplan::render_plan_json(p.value()));
  }
  r = apply("empty.json");
  CHECK(r.rc == 1);
  CHECK(r.err.find("the plan for 'web' is no longer the same") != std::string::npos);
  // the configuration changed since
  l.add(saved, text);
  l.add("site.conf", std::string(k_site) + "# reviewed? no\n");
  r = apply("empty.json");
  CHECK(r.rc == 1);
  CHECK(r.err.find("site.conf changed since the plan was made") != std::string::npos);
  l.add("site.conf", k_site);
  CHECK(apply("empty.json").rc == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: doctor tries what the Linux backend needs") {
  jailplan::test::MemoryLoader l;
  const auto r = run({"doctor"}, l);
  if (::geteuid() == 0) {
    CHECK(r.out.find("ok    mount namespace    unshare works\n") != std::string::npos);
    CHECK(r.out.find("cgroups") != std::string::npos);
  } else {
    CHECK(r.rc == 1);
    CHECK(r.out.find("FAIL  root") != std::string::npos);
  }
}

TEST_CASE("cli: plan --script writes the FreeBSD commands as a POSIX sh script") {
  jailplan::test::MemoryLoader l(
      {{"site.conf", k_site}, {"empty.json", R"({"format": "jailplan-state", "version": 1, "jails": []})"}});
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--backend", "freebsd", "--script"}, l);
  REQUIRE(r.rc == 0);
  CHECK(r.out.rfind("#!/bin/sh\n", 0) == 0);
  CHECK(r.out.find("set -eu\n") != std::string::npos);
  CHECK(r.out.find("/usr/sbin/jail -c name=web path=/j/web persist\n") != std::string::npos);
  // a shell accepts it
  char tmpl[] = "/tmp/jailplan-script-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, r.out.data(), r.out.size()) == static_cast<ssize_t>(r.out.size()));
  ::close(fd);
  CHECK(std::system(fmt::format("sh -n {}", tmpl).c_str()) == 0);
  ::unlink(tmpl);
  // the Linux backend has no commands to write
  r = run({"plan", "site.conf", "--state", "empty.json", "--backend", "linux", "--script"}, l);
  CHECK(r.rc == 1);
}

TEST_CASE(
    "cli: plan --script of a re-created vnet jail: old jid and path to stop, the new jail's own to start") {
  jailplan::test::MemoryLoader l({{"site.conf", R"(
web { path = /j/web2; vnet; persist; vnet.interface = epair0b;
      exec.poststart = "echo started"; exec.prestop = "echo stopping"; stop.timeout = 0; }
)"},
                                  {"jls.txt", "jid=7 name=web path=/j/web vnet=new persist\n"}});
  const auto r =
      run({"plan", "site.conf", "--state", "jls.txt", "--backend", "freebsd", "--script", "--adopt"}, l);
  REQUIRE(r.rc == 0);
  // the stop runs with what the jail was started with (its path), on its jid
  CHECK(r.out.find("JNAME=web JPATH=/j/web JID=7 echo stopping\n") != std::string::npos);
  // stop.timeout = 0: no SIGTERM phase, and nothing to make jail -R send one
  CHECK(r.out.find("-TERM") == std::string::npos);
  CHECK(r.out.find("/bin/pkill -KILL -j 7 || true\n/usr/sbin/jail -R web") != std::string::npos);
  // the new jail: its jid asked of jls, its interface moved by name (command.c)
  CHECK(r.out.find("jid=$(/usr/sbin/jls -j web jid)\nexport jid\n") != std::string::npos);
  CHECK(r.out.find("/sbin/ifconfig epair0b vnet web\n") != std::string::npos);
  CHECK(r.out.find("/sbin/ifconfig epair0b vnet 7") == std::string::npos);
  CHECK(r.out.find("JNAME=web JPATH=/j/web2 JID=\"$jid\" echo started\n") != std::string::npos);
}

TEST_CASE("cli: the live status line counts steps, shows the clock and what runs, within the terminal") {
  using namespace std::chrono_literals;
  CHECK(jailplan::status_text(3, 12, 1430ms, {"db: create", "web: mount.devfs"}, 80) ==
        "[3/12] 1.4s  db: create, web: mount.devfs");
  CHECK(jailplan::status_text(0, 5, 0ms, {}, 80) == "[0/5] 0.0s");
  const std::string cut = jailplan::status_text(1, 2, 0ms, {"a-very-long-jail-name: exec.start"}, 24);
  CHECK(cut.size() == 23);
  CHECK(cut.substr(cut.size() - 3) == "...");
}

TEST_CASE(
    "cli: validate --policy reports each violation at the parameter or the jail, and bad rules located") {
  jailplan::test::MemoryLoader loader{
      {"site.conf",
       "path = \"/j/$name\";\npersist;\n"
       "web { allow.raw_sockets; securelevel = 1; $jailplan_rctl = \"memoryuse:deny=1G\"; }\n"
       "db { securelevel = 3; mount.devfs; }\n"},
      {"policy.yaml",
       "rules:\n"
       "  - id: no-raw\n    param: allow.raw_sockets\n    deny: true\n    why: forged packets\n"
       "  - param: securelevel\n    min: 2\n"
       "  - id: memory\n    param: jailplan.rctl\n    require: \"memoryuse:*\"\n"
       "  - id: db-devfs\n    param: mount.devfs\n    jails: \"db*\"\n    deny: true\n"},
      {"bad.yaml",
       "rules:\n  - param: allow.raw_socket\n    deny: true\n  - param: securelevel\n    min: 1\n"
       "    max: 3\n"}};
  Run r = run({"validate", "--policy", "policy.yaml", "site.conf"}, loader);
  CHECK(r.rc == 1);
  CHECK(r.err ==
        "site.conf:3:7: error: jail web: policy 'no-raw': allow.raw_sockets is true (forged packets)\n"
        "    3 | web { allow.raw_sockets; securelevel = 1; $jailplan_rctl = \"memoryuse:deny=1G\"; }\n"
        "      |       ^\n"
        "      = the rule is at policy.yaml:2\n"
        "site.conf:3:26: error: jail web: policy 'rule 2': securelevel is 1 (it must be at least 2)\n"
        "    3 | web { allow.raw_sockets; securelevel = 1; $jailplan_rctl = \"memoryuse:deny=1G\"; }\n"
        "      |                          ^\n"
        "      = the rule is at policy.yaml:6\n"
        "site.conf:4:1: error: jail db: policy 'memory': jailplan.rctl is not set\n"
        "    4 | db { securelevel = 3; mount.devfs; }\n"
        "      | ^\n"
        "      = the rule is at policy.yaml:8\n"
        "site.conf:4:23: error: jail db: policy 'db-devfs': mount.devfs is true\n"
        "    4 | db { securelevel = 3; mount.devfs; }\n"
        "      |                       ^\n"
        "      = the rule is at policy.yaml:11\n"
        "4 errors generated.\n");
  r = run({"validate", "--policy", "bad.yaml", "site.conf"}, loader);
  CHECK(r.rc == 1);
  CHECK(r.err.find("bad.yaml:2:12: error: unknown parameter 'allow.raw_socket'") != std::string::npos);
  CHECK(r.err.find("did you mean 'allow.raw_sockets'?") != std::string::npos);
  CHECK(r.err.find("bad.yaml:4:5: error: rule 2: say exactly one of deny, require, min, max") !=
        std::string::npos);
  // the shipped example policy holds for the shipped example site
  jailplan::FileSystemLoader disk;
  std::ostringstream out, err;
  jailplan::World w{disk, out, err, false};
  CHECK(jailplan::run_cli({"validate", "--policy", std::string(JAILPLAN_SOURCE_DIR) + "/examples/policy.yaml",
                           std::string(JAILPLAN_SOURCE_DIR) + "/examples/site.conf"},
                          w) == 0);
}

TEST_CASE("cli: the man page and the bash completion know every subcommand") {
  jailplan::test::MemoryLoader none;
  const Run help = run({"--help"}, none);
  std::ifstream man(std::string(JAILPLAN_SOURCE_DIR) + "/man/jailplan.8");
  const std::string page((std::istreambuf_iterator<char>(man)), std::istreambuf_iterator<char>());
  std::ifstream comp(std::string(JAILPLAN_SOURCE_DIR) + "/contrib/completion/jailplan.bash");
  const std::string completion((std::istreambuf_iterator<char>(comp)), std::istreambuf_iterator<char>());
  std::istringstream lines(help.out.substr(help.out.find("Subcommands:")));
  std::size_t commands = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') continue;
    const std::string cmd = line.substr(2, line.find(' ', 2) - 2);
    CAPTURE(cmd);
    ++commands;
    CHECK(page.find(".Cm " + cmd + "\n") != std::string::npos);
    CHECK((completion.find(" " + cmd + " ") != std::string::npos ||
           completion.find("\"" + cmd + " ") != std::string::npos));
  }
  CHECK(commands >= 15);
  // the completion itself, in bash
  const auto complete = [](const std::string& line) {
    const std::string script = fmt::format(
        "source '{}/contrib/completion/jailplan.bash'; COMP_WORDS=({}); "
        "COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); "
        "_jailplan; echo \"${{COMPREPLY[*]}}\"",
        JAILPLAN_SOURCE_DIR, line);
    jailplan::PosixCommandRunner r;
    return r.run({{"/bin/bash", "-c", script}}).out;
  };
  CHECK(complete("jailplan rec") == "reconcile\n");
  CHECK(complete("jailplan apply --pr") == "--progress --prune\n");
  CHECK(complete("jailplan plan --backend ''") == "freebsd linux\n");
  CHECK(complete("jailplan import --to y") == "yaml\n");
}

TEST_CASE("cli: plan --script quotes exec.system_user, and a hook run through su still sees the new jid") {
  jailplan::test::MemoryLoader l({{"site.conf", R"(
web { path = /j/web; persist; exec.system_user = "no body;touch /tmp/x"; exec.poststart = "echo started"; }
)"},
                                  {"jls.txt", ""}});
  const auto r =
      run({"plan", "site.conf", "--state", "jls.txt", "--backend", "freebsd", "--script", "--adopt"}, l);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("/usr/bin/su -m 'no body;touch /tmp/x' -c ") != std::string::npos);
  CHECK(r.out.find("export jid\n") != std::string::npos);
}

TEST_CASE("cli: plan --json, -o and show --json keep bytes that are not UTF-8, escaped reversibly") {
  const std::string odd = "\xff\xfe \x1b[2J \xc3\xa9";
  jailplan::test::MemoryLoader l(
      {{"site.conf", "odd { path = /j/odd; persist; host.hostname = \"" + odd + "\"; }\n"},
       {"empty.json",
        R"({"format": "jailplan-state", "version": 1, "jails": [], "host": {"hostname": "h", "host_id": "1"}})"}});
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--json"}, l);
  REQUIRE(r.rc == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["jails"][0]["applied"]["params"]["host.hostname"] == "\xee\xbf\xbf\xee\xbf\xbe \x1b[2J \xc3\xa9");
  jailplan::restore_json_bytes(doc);
  CHECK(doc["jails"][0]["applied"]["params"]["host.hostname"] == odd);

  r = run({"show", "--json", "site.conf"}, l);
  REQUIRE(r.rc == 0);
  doc = nlohmann::json::parse(r.out);
  jailplan::restore_json_bytes(doc);
  std::size_t found = 0;
  for (const auto& p : doc["jails"][0]["parameters"])
    if (p["name"] == "host.hostname") found += p["value"] == odd;
  CHECK(found == 1);

  char tmpl[] = "/tmp/jailplan-cli-bytes-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  r = run({"plan", "site.conf", "--state", "empty.json", "-o", dir + "/plan.json"}, l);
  CHECK(r.rc == 0);
  std::ifstream in(dir + "/plan.json");
  l.add(dir + "/plan.json",
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  r = run({"apply", dir + "/plan.json", "--state", "empty.json", "--backend", "freebsd", "--dry-run"}, l);
  CHECK(r.rc == 0);
  // the exact bytes reach the command, shown escaped
  CHECK(r.out.find("'host.hostname=\\xff\\xfe \\x1b[2J \xc3\xa9'") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cli: show, status and diagnostics write control characters from input as escapes") {
  const std::string evil = "\x1b]0;owned\x07\x1b[2J";
  jailplan::test::MemoryLoader l(
      {{"site.conf", "web { path = /j/web; persist; host.hostname = \"" + evil + "\"; }\n"},
       {"bad.conf", "web { host.hostname = \"" + evil + "\"; nosuch.param; }\n"},
       {"jls.txt", "jid=1 name=web path=/j/web persist host.hostname=" + evil + "\n"}});
  const std::string shown = "\\x1b]0;owned\\x07\\x1b[2J";
  auto r = run({"show", "site.conf"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("host.hostname            " + shown) != std::string::npos);
  r = run({"status", "--state", "jls.txt"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find(shown) != std::string::npos);
  r = run({"plan", "site.conf", "--state", "jls.txt", "--explain"}, l);
  CHECK(r.out.find('\x1b') == std::string::npos);
  r = run({"validate", "bad.conf"}, l);
  CHECK(r.rc == 1);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err ==
        "bad.conf:1:41: error: unknown parameter 'nosuch.param'\n"
        "    1 | web { host.hostname = \"" +
            shown +
            "\"; nosuch.param; }\n"
            "      |                                                  ^\n"
            "1 error generated.\n");
}

TEST_CASE("cli: plan groups identical changes of many jails; --full shows each") {
  std::string conf = "path = \"/j/$name\";\npersist;\nexec.stop = \"/bin/sh /etc/rc.shutdown\";\n";
  std::string jls;
  for (int i = 0; i < 25; ++i) {
    conf += fmt::format("w{:02} {{ }}\n", i);
    jls += fmt::format("jid={} name=w{:02} path=/j/w{:02} persist\n", i + 1, i, i);
  }
  jailplan::test::MemoryLoader l({{"site.conf", conf}, {"jls.txt", jls}});
  auto r = run({"plan", "site.conf", "--state", "jls.txt"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find(
            "# 25 jails will be updated in place (running but not yet recorded by jailplan: adopting it)\n"
            "#   \"w00\", \"w01\",") != std::string::npos);
  CHECK(r.out.find("# jail \"w07\"") == std::string::npos);
  r = run({"plan", "site.conf", "--state", "jls.txt", "--full"}, l);
  CHECK(r.rc == 0);
  CHECK(r.out.find("# jail \"w07\" will be updated in place") != std::string::npos);
  CHECK(r.out.find("25 jails") == std::string::npos);
  r = run({"plan", "site.conf", "--state", "jls.txt", "--markdown"}, l);
  CHECK(r.out.find("<details><summary>25 jails will be updated in place") != std::string::npos);
}
