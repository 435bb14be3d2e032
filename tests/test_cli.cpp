// Commands run in-process on argument vectors, with an in-memory loader.
#include <doctest/doctest.h>

#include <sstream>

#include "cli/commands.hpp"
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
