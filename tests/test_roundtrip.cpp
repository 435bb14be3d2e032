// Printing keeps meaning: fmt is idempotent and re-parses to the same
// statements; conf → YAML → conf resolves to identical jails, for every
// example and every VALID corpus file.
#include <doctest/doctest.h>

#include <filesystem>

#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "corpus.hpp"
#include "grammar/jailconf_parser.hpp"
#include "grammar/printer.hpp"
#include "grammar/yaml_parser.hpp"
#include "testutil.hpp"

namespace {

using namespace jailplan;

struct Input {
  std::string dir;
  std::string name;
};

std::vector<Input> inputs() {
  std::vector<Input> out;
  for (const auto& f : test::corpus_files())
    if (f.klass == "VALID" || f.name.rfind("19-", 0) == 0) out.push_back({test::corpus_dir(), f.name});
  const std::string ex = std::string(JAILPLAN_SOURCE_DIR) + "/examples";
  for (const auto& e : std::filesystem::directory_iterator(ex))
    if (e.path().extension() == ".conf") out.push_back({ex, e.path().filename().string()});
  return out;
}

std::string show_all(const Compilation& c) {
  std::string s;
  for (const auto& j : c.resolution.jails) s += print_jail_e(j, "|");
  return s;
}

}  // namespace

TEST_CASE("roundtrip: fmt is idempotent and keeps meaning") {
  for (const auto& in : inputs()) {
    CAPTURE(in.name);
    SourceSet set;
    Diagnostics d;
    const auto doc = parse_jailconf(set.add(in.name, test::read_text(in.dir + "/" + in.name)), d);
    REQUIRE_FALSE(d.has_errors());
    const std::string once = print_conf(doc);
    const auto doc2 = parse_jailconf(set.add(in.name + ".fmt", once), d);
    REQUIRE_MESSAGE(!d.has_errors(), (render(d) + once));
    CHECK(same_meaning(doc, doc2));
    CHECK(print_conf(doc2) == once);
  }
}

TEST_CASE("roundtrip: conf -> yaml -> conf resolves to identical jails") {
  for (const auto& in : inputs()) {
    CAPTURE(in.name);
    test::RootedLoader loader(in.dir);
    const Compilation original = compile_file(in.name, loader);
    if (!original.syntax_ok) continue;  // an include it names is not here (see its golden)
    const std::string yaml = print_yaml(*original.loaded->root);
    const Compilation via_yaml = compile_text(in.name + ".yaml", yaml, loader);
    REQUIRE_MESSAGE(via_yaml.syntax_ok, (render(via_yaml.diagnostics) + yaml));
    CHECK(show_all(via_yaml) == show_all(original));
    const std::string conf = print_conf(*via_yaml.loaded->root);
    const Compilation back = compile_text(in.name, conf, loader);
    REQUIRE_MESSAGE(back.syntax_ok, (render(back.diagnostics) + conf));
    CHECK(show_all(back) == show_all(original));
  }
}

TEST_CASE("roundtrip: words that need quoting survive conf printing") {
  const std::string text =
      "a { x = \"tab\\there\"; y = \"dollar \\$x and \\\"q\\\"\"; z = \"${odd name}\"; $v = 1; "
      "w = \"${v}1\"; n = \"\\001ctl\"; }";
  SourceSet set;
  Diagnostics d;
  const auto doc = parse_jailconf(set.add("t.conf", text), d);
  REQUIRE_FALSE(d.has_errors());
  const std::string yaml = print_yaml(doc);
  const auto ydoc = parse_yaml_config(set.add("t.yaml", yaml), d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(same_meaning(doc, ydoc));
  const std::string conf = print_conf(ydoc);  // no raw spellings: canonical quoting
  const auto cdoc = parse_jailconf(set.add("t2.conf", conf), d);
  REQUIRE_MESSAGE(!d.has_errors(), conf);
  CHECK(same_meaning(doc, cdoc));
}

TEST_CASE("fmt: canonical layout keeps comments where they belong") {
  const std::string text =
      "# header\n\n\n"
      "x=1;   # trailing\n"
      "web{persist;ip4.addr=\"10.0.0.1\",\n"
      "  # dropped address\n"
      "  \"10.0.0.2\";\n"
      "   /* inner */\n"
      "}\n";
  SourceSet set;
  Diagnostics d;
  const auto doc = parse_jailconf(set.add("t.conf", text), d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(print_conf(doc) ==
        "# header\n"
        "\n"
        "x = 1; # trailing\n"
        "web {\n"
        "    persist;\n"
        "    ip4.addr =\n"
        "        \"10.0.0.1\",\n"
        "        # dropped address\n"
        "        \"10.0.0.2\";\n"
        "    /* inner */\n"
        "}\n");
}
