// Every corpus file behaves as SOURCES.md says: VALID files parse and their
// `show -e` output (and diagnostics) match checked-in goldens; INVALID files
// fail with a located syntax error; TEMPLATE files fail cleanly (or, like
// #19, parse because their template syntax sits inside quotes).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "corpus.hpp"
#include "grammar/jailconf_parser.hpp"

namespace {

using namespace jailplan;

std::string golden_path(const std::string& name) {
  return std::string(JAILPLAN_SOURCE_DIR) + "/tests/golden/corpus/" + name + ".show-e";
}

// Parses one corpus file alone (no includes): the grammar-level verdict.
Diagnostics parse_corpus_file(const std::string& name) {
  SourceSet set;
  Diagnostics d;
  parse_jailconf(set.add(name, test::read_text(test::corpus_dir() + "/" + name)), d);
  return d;
}

std::string run_show_e(const std::string& name) {
  test::RootedLoader loader(test::corpus_dir());
  const Compilation c = compile_file(name, loader);
  std::string out = "$ jailplan show -e '|' " + name + "\n";
  std::string stdout_text;
  if (c.syntax_ok)
    for (const auto& j : c.resolution.jails) stdout_text += print_jail_e(j, "|");
  out += "exit: " + std::string(c.syntax_ok ? "0" : "1") + "\n--- stdout\n" + stdout_text;
  out += "--- diagnostics\n" + render(c.diagnostics);
  return out;
}

}  // namespace

TEST_CASE("corpus: SOURCES.md lists every file") {
  const auto files = test::corpus_files();
  CHECK(files.size() == 64);
}

TEST_CASE("corpus: VALID files parse and match their show -e goldens") {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& f : test::corpus_files()) {
    if (f.klass != "VALID") continue;
    CAPTURE(f.name);
    const Diagnostics d = parse_corpus_file(f.name);
    CHECK_MESSAGE(!d.has_errors(), render(d));
    const std::string actual = run_show_e(f.name);
    if (update) {
      std::ofstream(golden_path(f.name), std::ios::binary) << actual;
      continue;
    }
    const std::string expected = test::read_text(golden_path(f.name));
    CHECK_MESSAGE(!expected.empty(), "missing golden; run with UPDATE_GOLDEN=1");
    CHECK(actual == expected);
  }
}

TEST_CASE("corpus: INVALID files fail with a located syntax error") {
  for (const auto& f : test::corpus_files()) {
    if (f.klass != "INVALID") continue;
    CAPTURE(f.name);
    const Diagnostics d = parse_corpus_file(f.name);
    REQUIRE(d.has_errors());
    for (const auto& diag : d.items()) {
      CHECK(diag.location.valid());
      CHECK(diag.code == "syntax");
    }
  }
}

TEST_CASE("corpus: TEMPLATE files fail cleanly, except #19 which parses") {
  for (const auto& f : test::corpus_files()) {
    if (f.klass != "TEMPLATE") continue;
    CAPTURE(f.name);
    const Diagnostics d = parse_corpus_file(f.name);
    if (f.name.rfind("19-", 0) == 0) {
      CHECK_FALSE(d.has_errors());
    } else {
      REQUIRE(d.has_errors());
      CHECK(d.items().front().location.valid());
    }
  }
}
