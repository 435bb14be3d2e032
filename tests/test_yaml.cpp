// The YAML twin: same AST as jail.conf, locations in the YAML file.
#include <doctest/doctest.h>

#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "testutil.hpp"

namespace {

jailplan::Compilation compile_yaml(const std::string& text, jailplan::test::MemoryLoader l = {}) {
  return jailplan::compile_text("t.yaml", text, l);
}

std::string show(const jailplan::Compilation& c) {
  std::string s;
  for (const auto& j : c.resolution.jails) s += jailplan::print_jail_e(j, "|");
  return s;
}

}  // namespace

TEST_CASE("yaml: statements, variables, appends, flags, blocks, includes") {
  jailplan::test::MemoryLoader l({{"extra.conf", "extra = 1;"}});
  const std::string y =
      "jailplan: 1\n"
      "config:\n"
      "  - path: /jails/$name\n"
      "  - $domain: example.org\n"
      "  - exec.start: [\"/bin/sh /etc/rc\"]\n"
      "  - jail: www\n"
      "    body:\n"
      "      - host.hostname: ${name}.${domain}\n"
      "      - exec.start+=: echo \\$HOME\n"
      "      - persist:\n"
      "      - ip4.addr: [\"em0|10.0.0.1/24\", \"10.0.0.2\"]\n"
      "      - .include: extra.conf\n"
      "      - jail: child\n"
      "        body: []\n";
  const auto c = compile_yaml(y, l);
  REQUIRE_MESSAGE(c.syntax_ok, render(c.diagnostics));
  CHECK(
      show(c) ==
      "name=www|path=/jails/www|exec.start=\"/bin/sh /etc/rc\",\"echo $HOME\"|host.hostname=www.example.org|"
      "persist|ip4.addr=em0|10.0.0.1/24,10.0.0.2|extra=1\n"
      "name=www.child|path=/jails/www.child|exec.start=\"/bin/sh /etc/rc\"\n");
}

TEST_CASE("yaml: the plain list form and the long form") {
  const auto c = compile_yaml(
      "- {param: \".include\", op: \"=\", values: [x]}\n"
      "- {param: odd+=, values: [1]}\n"
      "- jail: a\n"
      "  body:\n"
      "    - {param: v, variable: true, values: [\"1\"]}\n"
      "    - w: $v\n");
  REQUIRE_MESSAGE(c.syntax_ok, render(c.diagnostics));
  CHECK(show(c) == "name=a|.include=x|odd+==1|w=1\n");
}

TEST_CASE("yaml: errors point into the YAML file") {
  auto c = compile_yaml("- jail: a\n  body:\n    - x: {nested: map}\n");
  REQUIRE(c.diagnostics.has_errors());
  CHECK(c.diagnostics.items()[0].location.to_string() == "t.yaml:3:10");
  CHECK(c.diagnostics.items()[0].summary == "a value must be a string or a list of strings");
  c = compile_yaml("- a: [unclosed\n");
  REQUIRE(c.diagnostics.has_errors());
  CHECK(c.diagnostics.items()[0].summary.rfind("invalid YAML", 0) == 0);
  c = compile_yaml("jailplan: 2\nconfig: []\n");
  CHECK(c.diagnostics.items()[0].summary == "unsupported YAML twin version '2' (this jailplan reads 1)");
  // locations survive into type errors
  c = compile_yaml("- jail: a\n  body:\n    - persist: maybe\n");
  REQUIRE(c.diagnostics.has_errors());
  CHECK(c.diagnostics.items()[0].location.to_string() == "t.yaml:3:16");
}
