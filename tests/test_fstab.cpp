// mount.fstab files read when a plan is made: jail(8)'s reading of them,
// their lines as mount steps of their own (shown by a dry run and a
// script), the applied record that keeps them, a changed file on a running
// jail, a missing one, and a saved plan made before a file changed.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.hpp"
#include "compiler/fstab.hpp"
#include "executor/command_runner.hpp"
#include "executor/freebsd/backend.hpp"
#include "planner_util.hpp"

using namespace jailplan;
using namespace jailplan::test;

namespace {

struct Run {
  int rc;
  std::string out, err;
};

Run run(std::vector<std::string> args, MemoryLoader& loader) {
  std::ostringstream out, err;
  World w{loader, out, err, false};
  const int rc = run_cli(args, w);
  return {rc, out.str(), err.str()};
}

const char* const k_conf = "db {\n  path = /j/db;\n  persist;\n  mount.fstab = /etc/fstab.db;\n}\n";

const char* const k_fstab =
    "# the database's data\n"
    "/srv/a\t/j/db/a  nullfs ro 0 0 # read-only\n"
    "\n"
    "   # nothing here\n"
    "/srv/b /j/db/b nullfs rw\n";

const char* const k_empty_state =
    R"({"format": "jailplan-state", "version": 1, "jails": [], "host": {"hostname": "h1", "host_id": "id1"}})";

// db running, started by jailplan with the lines of k_fstab
const char* const k_running_state = R"({"format": "jailplan-state", "version": 1,
  "jails": [{"name": "db", "jid": 3, "dying": false, "params": {"path": "/j/db", "persist": true},
    "applied": {"digest": "sha256:x", "jid": 3, "created": true, "owner": "site.conf",
      "params": {"path": "/j/db", "persist": true, "mount.fstab": ["/etc/fstab.db"],
                 "mount.fstab.lines": ["/srv/a /j/db/a nullfs ro 0 0", "/srv/b /j/db/b nullfs rw"]}}}],
  "mounts": [{"type": "nullfs", "source": "/srv/a", "target": "/j/db/a"},
             {"type": "nullfs", "source": "/srv/b", "target": "/j/db/b"}],
  "addresses": []})";

std::size_t at(const std::string& text, const std::string& what) {
  const auto i = text.find(what);
  INFO(text);
  REQUIRE_MESSAGE(i != std::string::npos, what);
  return i;
}

/// `text` compiled, its jails given the lines of `fstab` as /etc/fstab.db.
Compilation with_fstab(const std::string& text, const std::string& fstab) {
  Compilation c = site(text);
  const SourceFile& f = c.loaded->sources.add("/etc/fstab.db", fstab);
  for (auto& j : c.desired.jails) set_fstab_lines(c, j, fstab_lines(f));
  return c;
}

}  // namespace

TEST_CASE("fstab: lines as jail(8) reads them, each located in its file") {
  const SourceFile f("/etc/fstab.db", k_fstab);
  const auto lines = fstab_lines(f);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "/srv/a /j/db/a nullfs ro 0 0");
  CHECK(lines[0].location.to_string() == "/etc/fstab.db:2:1");
  CHECK(lines[1].text == "/srv/b /j/db/b nullfs rw");
  CHECK(lines[1].location.to_string() == "/etc/fstab.db:5:1");
  // a comment anywhere, blanks before the first field
  const SourceFile g("g", "  x\\040y /j/x nullfs rw#no\n#\n\t \n");
  const auto more = fstab_lines(g);
  REQUIRE(more.size() == 1);
  CHECK(more[0].text == "x\\040y /j/x nullfs rw");
  CHECK(more[0].location.to_string() == "g:1:3");
  CHECK(fstab_line_problem(more[0].text).empty());
  CHECK(fstab_line_problem("/srv /j/x") == "mount: /srv /j/x: missing information");
  CHECK(fstab_line_problem("/srv j/x nullfs") == "mount: j/x: not an absolute pathname");
}

TEST_CASE("fstab: the derived parameter cannot be written") {
  const Compilation c = compile("db { path = /j/db; persist; mount.fstab.lines = \"/a /b nullfs rw\"; }\n");
  CHECK_FALSE(c.ok());
  CHECK(diags(c).find("error: unknown parameter 'mount.fstab.lines'") != std::string::npos);
}

TEST_CASE("fstab: each line is a mount step after the mount entries, unmounted in reverse, located") {
  const auto c = with_fstab(
      "db { path = /j/db; persist; mount = \"/srv/m /j/db/m nullfs rw\"; mount.fstab = /etc/fstab.db; "
      "mount.devfs; }\n",
      k_fstab);
  const Plan p = plan_of(c, ObservedState{});
  REQUIRE(p.jails.size() == 1);
  CHECK(steps_of(p.jails[0]) ==
        "mount \"/srv/m /j/db/m nullfs rw\"\n"
        "mount \"/srv/a /j/db/a nullfs ro 0 0\"\n"
        "mount \"/srv/b /j/db/b nullfs rw\"\n"
        "mount.devfs \"/j/db/dev\" \"4\"\n"
        "create \"name=db\" \"path=/j/db\" \"persist\"\n"
        "record\n");
  CHECK(p.jails[0].steps[1].origin.to_string() == "/etc/fstab.db:2:1");
  CHECK(p.jails[0].steps[2].origin.to_string() == "/etc/fstab.db:5:1");
  // the record keeps the lines
  const CanonParam* kept = find_param(p.jails[0].applied->params, k_fstab_lines_param);
  REQUIRE(kept != nullptr);
  CHECK(kept->values == std::vector<std::string>{"/srv/a /j/db/a nullfs ro 0 0", "/srv/b /j/db/b nullfs rw"});
}

TEST_CASE("fstab: a changed line on a running recorded jail restarts it; the old lines are unmounted") {
  ModelHost host;
  {
    const auto c = with_fstab(k_conf, k_fstab);
    host.apply(plan_of(c, host.state));
  }
  CHECK(actions_of(plan_of(with_fstab(k_conf, k_fstab), host.state)).empty());
  // a comment or the blanks between fields are not a change
  CHECK(actions_of(plan_of(with_fstab(k_conf, std::string(k_fstab) + "# more\n"), host.state)).empty());
  const auto c = with_fstab(k_conf, "/srv/a /j/db/a nullfs rw 0 0\n/srv/b /j/db/b nullfs rw\n");
  const Plan p = plan_of(c, host.state);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::restart);
  CHECK(p.jails[0].subject == "mount.fstab.lines");
  CHECK(changes_of(p.jails[0]) == "mount.fstab.lines:restart");
  const std::string steps = steps_of(p.jails[0]);
  CHECK(steps.find("umount \"/srv/b /j/db/b nullfs rw\"\n"
                   "umount \"/srv/a /j/db/a nullfs ro 0 0\"\n") != std::string::npos);
  CHECK(steps.find("mount \"/srv/a /j/db/a nullfs rw 0 0\"\n"
                   "mount \"/srv/b /j/db/b nullfs rw\"\n") != std::string::npos);
  host.apply(p);
  CHECK(actions_of(plan_of(c, host.state)).empty());
}

TEST_CASE("fstab: a record from before the lines were kept only gains them; its teardown reads the file") {
  ModelHost host;
  const auto c = with_fstab(k_conf, k_fstab);
  host.apply(plan_of(c, host.state));
  ObservedState old = host.state;
  auto& params = old.jails.at(0).applied->params;
  std::erase_if(params, [](const CanonParam& p) { return p.name == k_fstab_lines_param; });
  const Plan p = plan_of(c, old);
  REQUIRE(p.jails.size() == 1);
  CHECK(p.jails[0].action == Action::update);
  CHECK(changes_of(p.jails[0]) == "mount.fstab.lines:record");
  // restarted for another reason: the old record's teardown is a step per file
  const Plan r = make_plan(c.desired, old, PlanOptions{false, "test", {"db"}});
  REQUIRE(r.jails.size() == 1);
  CHECK(steps_of(r.jails[0]).find("umount.fstab \"/etc/fstab.db\"\n") != std::string::npos);
}

TEST_CASE("fstab: plan --script and apply --dry-run show every mount and umount of the files") {
  MemoryLoader l({{"site.conf", k_conf},
                  {"/etc/fstab.db", "/srv/a /j/db/a nullfs ro 0 0\n/srv/c\t/j/db/c nullfs rw 0 0 # new\n"},
                  {"empty.json", k_empty_state},
                  {"running.json", k_running_state}});
  auto r = run({"apply", "site.conf", "--state", "empty.json", "--dry-run", "--backend", "freebsd"}, l);
  CHECK(r.rc == 0);
  CHECK(at(r.out, "  db: /sbin/mount -t nullfs -o ro /srv/a /j/db/a\n") <
        at(r.out, "  db: /sbin/mount -t nullfs -o rw /srv/c /j/db/c\n"));
  CHECK(at(r.out, "  db: /sbin/mount -t nullfs -o rw /srv/c /j/db/c\n") <
        at(r.out, "  db: /usr/sbin/jail -c name=db path=/j/db persist\n"));
  // the running jail's lines changed: it restarts, its recorded lines come
  // down in reverse, the file's go up
  r = run({"plan", "site.conf", "--state", "running.json", "--backend", "freebsd", "--script"}, l);
  REQUIRE(r.rc == 0);
  const std::size_t down_b = at(r.out, "/sbin/umount -t nullfs /j/db/b\n");
  const std::size_t down_a = at(r.out, "/sbin/umount -t nullfs /j/db/a\n");
  const std::size_t up_a = at(r.out, "/sbin/mount -t nullfs -o ro /srv/a /j/db/a\n");
  const std::size_t up_c = at(r.out, "/sbin/mount -t nullfs -o rw /srv/c /j/db/c\n");
  CHECK(down_b < down_a);
  CHECK(down_a < up_a);
  CHECK(up_a < up_c);
  // the human plan says what changed, and where each step comes from
  r = run({"plan", "site.conf", "--state", "running.json", "--backend", "freebsd", "--explain"}, l);
  CHECK(r.rc == 0);
  at(r.out, "mount.fstab.lines");
  at(r.out, "(/etc/fstab.db:2:1)");
}

TEST_CASE("fstab: a missing or unusable file is a located error at plan time, as jail(8) says it") {
  MemoryLoader l({{"site.conf", "db {\n  path = /j/db;\n  persist;\n  mount.fstab = /etc/fstab.gone;\n}\n"},
                  {"bad.conf", "db { path = /j/db; persist; mount.fstab = /etc/fstab.db; }\n"},
                  {"/etc/fstab.db", "/srv/a /j/db/a nullfs ro\n/srv/b /j/db/b\n"},
                  {"empty.json", k_empty_state}});
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--backend", "freebsd"}, l);
  CHECK(r.rc == 1);
  CHECK(r.out.empty());
  at(r.err, "site.conf:4:17: error: jail: db: mount.fstab: /etc/fstab.gone: No such file or directory\n");
  r = run({"apply", "site.conf", "--state", "empty.json", "--backend", "freebsd", "--dry-run"}, l);
  CHECK(r.rc == 1);
  at(r.err, "error: jail: db: mount.fstab: /etc/fstab.gone: No such file or directory\n");
  r = run({"plan", "bad.conf", "--state", "empty.json", "--backend", "freebsd"}, l);
  CHECK(r.rc == 1);
  at(r.err, "/etc/fstab.db:2:1: error: jail: db: mount: /srv/b /j/db/b: missing information\n");
  // graph needs no mounts
  r = run({"graph", "site.conf"}, l);
  CHECK(r.rc == 0);
}

TEST_CASE("fstab: only a regular file of bounded size is read") {
  FileSystemLoader fs;
  std::string error;
  CHECK_FALSE(fs.read_regular("/dev/null", 100, error));
  CHECK(error == "not a regular file");
  CHECK_FALSE(fs.read_regular("/nonexistent/fstab", 100, error));
  CHECK(error == "No such file or directory");
  char tmpl[] = "/tmp/jailplan-fstab-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::ofstream(dir + "/fstab") << "/srv/a /j/a nullfs rw\n";
  CHECK(fs.read_regular(dir + "/fstab", 100, error) == "/srv/a /j/a nullfs rw\n");
  CHECK_FALSE(fs.read_regular(dir + "/fstab", 10, error));
  CHECK(error == "larger than 10 bytes");
  std::filesystem::remove_all(dir);
}

TEST_CASE("fstab: a saved plan is refused once a file it read has changed") {
  MemoryLoader l({{"site.conf", k_conf}, {"/etc/fstab.db", k_fstab}, {"empty.json", k_empty_state}});
  char tmpl[] = "/tmp/jailplan-fstab-plan-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string saved = dir + "/plan.json";
  auto r = run({"plan", "site.conf", "--state", "empty.json", "--backend", "freebsd", "-o", saved}, l);
  REQUIRE(r.rc == 0);
  std::ifstream in(saved);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  at(text, "\"origin\": \"/etc/fstab.db:2:1\"");
  l.add(saved, text);
  r = run({"apply", saved, "--state", "empty.json", "--backend", "freebsd", "--dry-run"}, l);
  CHECK(r.rc == 0);
  at(r.out, "  db: /sbin/mount -t nullfs -o rw /srv/b /j/db/b\n");
  // a file the plan read is part of what was reviewed: any change refuses it
  l.add("/etc/fstab.db", std::string(k_fstab) + "# a comment\n");
  r = run({"apply", saved, "--state", "empty.json", "--backend", "freebsd", "--dry-run"}, l);
  CHECK(r.rc == 1);
  at(r.err,
     "is not applied; make the plan again:\n"
     "  - /etc/fstab.db changed since the plan was made\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "fstab: a plan step of the old kind reads its file as the planner does: lines, comments, regular files "
    "only") {
  TempDir dir("fstab-old");
  const std::string file = dir.path + "/fstab.db";
  std::ofstream(file) << "# data\n/data /j/db/data nullfs ro 0 0 # the data\n\n  tmpfs\t/j/db/tmp tmpfs rw\n";
  RecordingRunner runner;
  FreeBsdBackend backend(runner, false);
  JailChange j;
  j.name = "db";
  const Step mount{StepKind::mount_fstab, Phase::start, {file}, {}, {}, {}};
  REQUIRE(backend.run(j, mount).ok());
  std::vector<std::string> argv;
  for (const auto& c : runner.commands()) argv.push_back(format_argv(c.argv));
  CHECK(argv == std::vector<std::string>{"/sbin/mount -t nullfs -o ro /data /j/db/data",
                                         "/sbin/mount -t tmpfs -o rw tmpfs /j/db/tmp"});
  // a directory (or a FIFO, a device) is no fstab file
  const Step odd{StepKind::mount_fstab, Phase::start, {dir.path}, {}, {}, {}};
  const Status s = backend.run(j, odd);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("mount.fstab") != std::string::npos);
}
