// The jail.conf language, token class by token class (jail-semantics §1).
#include <doctest/doctest.h>

#include "grammar/jailconf_parser.hpp"
#include "testutil.hpp"

using jailplan::test::compile;
using jailplan::test::show_e;
using jailplan::test::summaries;

TEST_CASE("grammar: analyze() finds no rule that can loop without input") {
  CHECK(jailplan::analyze_jailconf_grammar(false) == 0);
}

TEST_CASE("grammar: bare runs, single special characters and word assembly") {
  CHECK(show_e("a { path = /usr/local; }") == "name=a|path=/usr/local\n");
  CHECK(show_e("a { x = a+b*c$; }") == "name=a|x=a+b*c$\n");
  CHECK(show_e("a { x = pre\"-\"'-'post; }") == "name=a|x=pre--post\n");
  CHECK(show_e("a { x = \"em0\"|10.0.0.1/24; }") == "name=a|x=em0|10.0.0.1/24\n");
  // `+=` is one token even inside what looks like a word
  CHECK(show_e("a { x=1; x+=2; }") == "name=a|x=1,2\n");
}

TEST_CASE("grammar: escapes decode the same everywhere") {
  CHECK(show_e(R"(a { x = "t\tb"; })") == "name=a|x=\"t\tb\"\n");
  CHECK(show_e(R"(a { x = 'it\'s'; })") == "name=a|x=\"it's\"\n");
  CHECK(show_e(R"(a { x = "\101\x42\x4"; })") == "name=a|x=AB\x04\n");
  CHECK(show_e(R"(a { x = "\z\$\{"; })") == "name=a|x=z${\n");
  CHECK(show_e(R"(a { x = "\777"; })") == "name=a|x=\xff\n");
  CHECK(show_e("a { x = /usr/\\\nlocal; }") == "name=a|x=/usr/local\n");
}

TEST_CASE("grammar: a decoded NUL ends its scanner token") {
  CHECK(show_e(R"(a { x = "ab\xzz"; })") == "name=a|x=ab\n");
  CHECK(show_e(R"(a { x = "abc\0def"; })") == "name=a|x=abc\n");
  CHECK(show_e(R"(a { x = 'ab\000cd'; })") == "name=a|x=ab\n");
  // outside quotes every escape is its own token: only the NUL vanishes
  CHECK(show_e(R"(a { x = ab\0cd; })") == "name=a|x=abcd\n");
  // a token that decodes to nothing is still a (empty) word (found by fuzzing)
  CHECK(show_e(R"(a { \0; x = \0; })") == "name=a||x=\"\"\n");
  // inside double quotes a new token starts after a variable, and an
  // escape right after a variable is a token of its own
  CHECK(show_e(R"($v = "V"; a { x = "a\0b$v\0c"; })") == "name=a|x=aVc\n");
  CHECK(show_e(R"($v = "V"; a { x = "a\0b$v c\0d"; })") == "name=a|x=\"aV c\"\n");
}

TEST_CASE("grammar: comments anywhere outside quotes, even mid-word") {
  CHECK(show_e("a { x = foo#bar\n; }") == "name=a|x=foo\n");
  CHECK(show_e("a { x = \"/var//jails\"; /* c\n */ y = 1; }") == "name=a|x=/var//jails|y=1\n");
  CHECK(show_e("a { x = \"#not\"; } // end") == "name=a|x=#not\n");
  // `//` inside an unquoted path eats the rest of the line, ';' included
  CHECK(show_e("a { x = /var//jails;\n}") == "<syntax error>");
}

TEST_CASE("grammar: CR is whitespace, so CRLF files parse") {
  CHECK(show_e("a {\r\n  persist;\r\n  x = 1;\r\n}\r\n") == "name=a|persist|x=1\n");
}

TEST_CASE("grammar: variables in every form") {
  CHECK(show_e("$v = x; a { p = \"$v\"; q = ${v}; r = \"${v}.y\"; s = '$v'; }") ==
        "name=a|p=x|q=x|r=x.y|s=$v\n");
  // `$host.hostname` is variable `host` (undefined here, deleted) + text
  CHECK(show_e("a { host.hostname = h; p = \"${host.hostname}\"; q = \"$host.hostname\"; }") ==
        "name=a|host.hostname=h|p=h|q=.hostname\n");
  CHECK(show_e("$host = H; a { q = \"$host.hostname\"; }") == "name=a|q=H.hostname\n");
  CHECK(show_e("a { x = \"cost $5 and $ alone\"; }") == "name=a|x=\"cost $5 and $ alone\"\n");
}

TEST_CASE("grammar: statement forms") {
  CHECK(show_e(";;a{;persist;};;") == "name=a|persist\n");
  CHECK(show_e("a { exec.start \"/bin/sh /etc/rc\"; }") == "name=a|exec.start=\"/bin/sh /etc/rc\"\n");
  CHECK(show_e("a { }") == "name=a\n");
  CHECK(show_e("") == "");
  CHECK(show_e("a { b { persist; } x = 1; }") == "name=a|x=1\nname=a.b|persist\n");
  CHECK(show_e("\"foo.*\" { x = 1; } foo.bar { }") == "name=foo.bar|x=1\n");
  CHECK(show_e("* { x = 1; } \"web*\" { }") == "name=web*|x=1\n");
  CHECK(show_e("web* { }") == "<syntax error>");
}

TEST_CASE("grammar: syntax errors are located, worded and all reported") {
  auto c = compile("a {\n  persist\n}\nb { x = 1 }\n");
  CHECK_FALSE(c.syntax_ok);
  CHECK(summaries(c) ==
        "3:1: error: expected ';' after parameter, got '}'\n"
        "4:11: error: expected ';' after parameter, got '}'\n");

  c = compile("a { exec.start = /bin/sh /etc/rc; }");
  CHECK(summaries(c) == "1:26: error: expected ';' after parameter, got '/etc/rc'\n");

  c = compile("foo.* { }");
  CHECK(summaries(c) ==
        "1:5: error: a jail name must be a single word, but 'foo.*' is several touching pieces; "
        "quote it as one string: \"foo.*\"\n");

  c = compile("a { x = ; }");
  CHECK(summaries(c) == "1:9: error: expected a value after '=', got ';'\n");

  c = compile("a { x = 1, ; }");
  CHECK(summaries(c) == "1:12: error: expected a value after ',', got ';'\n");

  c = compile("}\nx = 1;");
  CHECK(summaries(c) == "1:1: error: unexpected '}': no jail block is open here\n");

  c = compile("a {\n  x = 1;\n");
  CHECK(summaries(c) == "3:1: error: expected '}' to close a jail block, got end of file\n");

  // an error an action raises has no grammar kind of its own: it is not
  // worded as the error before it (", got ..." belongs to "expected ...")
  c = compile("x = ;\n}\n");
  CHECK(summaries(c) ==
        "1:5: error: expected a value after '=', got ';'\n"
        "2:1: error: unexpected '}': no jail block is open here\n");

  c = compile("a { x = \xc3\xa9t\xc3\xa9; }");
  CHECK(summaries(c) ==
        "1:9: error: expected a value after '=', got a non-ASCII byte (non-ASCII text must be quoted)\n");
}

TEST_CASE("grammar: unterminated strings, comments and variables") {
  auto c = compile("a { x = \"abc;\n}\n");
  CHECK(summaries(c).find("unterminated string") != std::string::npos);
  c = compile("a { x = 1; } /* never closed");
  CHECK(summaries(c) == "1:14: error: unterminated comment: '/*' has no closing '*/'\n");
  c = compile("a { path = ${root;\n}\n");
  CHECK(summaries(c).find("1:12: error: unterminated variable") == 0);
  // the braced body may hold ';' and blanks, so this swallows the '}'
  c = compile("a { path = ${root; }\n");
  CHECK(summaries(c) ==
        "2:1: error: expected ';' after parameter, got end of file\n"
        "2:1: error: expected '}' to close a jail block, got end of file\n");
}

TEST_CASE("grammar: a missing quote that pairs with one far below gets a note") {
  const std::string text = "a {\n  x = \"abc;\n  y = 1;\n  z = \"q\";\n}\n";
  auto c = compile(text);
  REQUIRE(c.diagnostics.items().size() >= 1);
  const auto& d = c.diagnostics.items().front();
  REQUIRE_FALSE(d.notes.empty());
  CHECK(d.notes.front().message.find("closing quote") != std::string::npos);
  CHECK(d.notes.front().location.file->line_col(d.notes.front().location.offset).line == 2);
}

TEST_CASE("grammar: .include forms") {
  jailplan::test::MemoryLoader l({{"inc/x.conf", "x = 1;"}, {"inc/y.conf", "y = 2;"}});
  CHECK(show_e(".include \"inc/*.conf\"; a { }", "|", l) == "name=a|x=1|y=2\n");
  CHECK(show_e(".include \"none[.]conf\"; a { }", "|", l) == "name=a\n");
  CHECK(show_e("a { .include \"inc/x.conf\", \"inc/y.conf\"; }", "|", l) == "name=a|x=1|y=2\n");
  // with '=' it is a plain parameter named .include
  CHECK(show_e("a { .include = \"inc/x.conf\"; }", "|", l) == "name=a|.include=inc/x.conf\n");
  auto c = compile(".include \"missing.conf\";", l);
  CHECK(summaries(c) == "1:10: error: cannot read included file 'missing.conf': No such file or directory\n");
  c = compile("$d = inc; .include \"$d/x.conf\";", l);
  CHECK(summaries(c) == "1:20: error: variables are not permitted in an '.include' file name\n");
}

TEST_CASE("grammar: includes resolve against the including file's directory") {
  jailplan::test::MemoryLoader l({{"cfg/main.conf", ".include \"sub/a.conf\";"},
                                  {"cfg/sub/a.conf", ".include \"b.conf\"; a { }"},
                                  {"cfg/sub/b.conf", "x = 1;"},
                                  {"self.conf", ".include \"self.conf\";"}});
  auto c = jailplan::compile_file("cfg/main.conf", l);
  CHECK(c.syntax_ok);
  REQUIRE(c.resolution.jails.size() == 1);
  CHECK(jailplan::print_jail_e(c.resolution.jails[0], "|") == "name=a|x=1\n");
  c = jailplan::compile_file("self.conf", l);
  CHECK(summaries(c).find("maximum include depth exceeded") != std::string::npos);
  CHECK(jailplan::resolve_include_name("main.conf", "x.conf") == "x.conf");
  CHECK(jailplan::resolve_include_name("/etc/jail.conf", "/abs.conf") == "/abs.conf");
}
