// jail(8)'s resolution rules (jail-semantics §2) and FreeBSD's own test
// configurations (§8), checked through the `jail -e` printer.
#include <doctest/doctest.h>

#include "testutil.hpp"

using jailplan::test::compile;
using jailplan::test::show_e;
using jailplan::test::summaries;

TEST_CASE("resolve: order is identity, wildcards above, own, wildcards below") {
  // "a*" is not a wildcard (no component is exactly '*'): it is a jail
  CHECK(show_e("x = g; * { w = above; } a { own = 1; } \"a*\" { } * { w2 = below; }") ==
        "name=a|x=g|w=above|own=1|w2=below\nname=a*|x=g|w=above|w2=below\n");
  // all top-level parameters pool at the first one, even after blocks
  CHECK(show_e("a { own = 1; } x = late;") == "name=a|own=1|x=late\n");
  CHECK(show_e("x = early; a { own = 1; } y = late;") == "name=a|x=early|y=late|own=1\n");
}

TEST_CASE("resolve: wildcard matching by components") {
  const std::string w = "\"foo.*\" { f = 1; } \"*.web\" { w = 1; } \"a.*.c\" { m = 1; } ";
  CHECK(show_e(w + "foo { }") == "name=foo\n");
  CHECK(show_e(w + "foo.bar { }") == "name=foo.bar|f=1\n");
  CHECK(show_e(w + "foo.bar.baz { }") == "name=foo.bar.baz|f=1\n");
  CHECK(show_e(w + "x.web { }") == "name=x.web|w=1\n");
  CHECK(show_e(w + "web { }") == "name=web\n");
  CHECK(show_e(w + "a.b.web { }") == "name=a.b.web\n");
  CHECK(show_e(w + "a.b.c { }") == "name=a.b.c|m=1\n");
  CHECK(jailplan::wildcard_matches("a.b.c", "*"));
  CHECK_FALSE(jailplan::is_wildcard_name("web*"));
  CHECK(jailplan::is_wildcard_name("a.*.c"));
}

TEST_CASE("resolve: replace in place, later spelling, += and flag form") {
  CHECK(show_e("a { x = 1; y = 2; x = 3; }") == "name=a|x=3|y=2\n");
  CHECK(show_e("a { persist; nopersist; }") == "name=a|nopersist\n");
  CHECK(show_e("a { exec.start = a; exec.start += b, c; }") == "name=a|exec.start=a,b,c\n");
  CHECK(show_e("a { exec.start = a; exec.start; }") == "name=a|exec.start\n");
  CHECK(show_e("a { mount.devfs = false; mount.devfs; }") == "name=a|mount.devfs\n");
  CHECK(show_e("a { mount.devfs; nomount.devfs; }") == "name=a|nomount.devfs\n");
  CHECK(show_e("a { allow.mount; allow.nomount; }") == "name=a|allow.nomount\n");
  CHECK(show_e("a { exec.start += x; }") == "name=a|exec.start=x\n");
}

TEST_CASE("resolve: equalopts, exactly as jail(8)") {
  using jailplan::equal_options;
  CHECK(equal_options("persist", "nopersist"));
  CHECK(equal_options("mount.devfs", "mount.nodevfs"));
  CHECK(equal_options("mount.devfs", "nomount.devfs"));
  CHECK(equal_options("allow.mount", "allow.nomount"));
  CHECK_FALSE(equal_options("allow.mount.zfs", "allow.mount"));
  CHECK_FALSE(equal_options("mount.devfs", "mount.fdescfs"));
  CHECK(equal_options("no", ""));  // as strncmp/strcmp make it
  CHECK(equal_options("a.b.noc", "a.b.c"));
}

TEST_CASE("resolve: name and jid are immutable") {
  auto c = compile("foo { name = bar; }");
  CHECK(summaries(c) == "1:7: error: cannot redefine parameter 'name' of jail 'foo'\n");
  CHECK(show_e("foo { name = bar; }") == "name=foo\n");
  CHECK(show_e("42 { name = web; }") == "name=web\n");
  CHECK(show_e("web { jid = 42; }") == "name=web\n");
  c = compile("web { jid = 42; jid = 43; }");
  CHECK(summaries(c) == "1:17: error: cannot redefine parameter 'jid' of jail 'web'\n");
}

TEST_CASE("resolve: numeric names imply jid and get a name backfilled") {
  CHECK(show_e("7 { persist; }") == "persist|name=7\n");
  CHECK(show_e("7 { host.hostname = \"${name}\"; }") == "host.hostname=7|name=7\n");
  auto c = compile("7 { persist; }");
  REQUIRE(c.desired.jails.size() == 1);
  CHECK(c.desired.jails[0].jid == 7);
  CHECK(c.desired.jails[0].name == "7");
  // -5 and +5 parse completely as integers, 0 does not count
  CHECK(show_e("0 { }") == "name=0\n");
}

TEST_CASE("resolve: variables and parameters may not share a name") {
  auto c = compile("a { $path = /x; path = /y; }");
  CHECK(summaries(c) ==
        "1:5: error: variable '$path' cannot have the same name as a parameter\n"
        "1:17: error: variable '$path' cannot have the same name as a parameter\n");
  CHECK(show_e("a { $path = /x; path = /y; }") == "name=a\n");
  c = compile("a { x = 1; $x = 2; }");
  CHECK(summaries(c, "resolve") == "1:12: error: variable '$x' cannot have the same name as a parameter\n");
  // `$nofoo` and `$foo` are one variable
  CHECK(show_e("a { $foo = 1; $nofoo = 2; v = \"${foo}\"; }") == "name=a|v=\"\"\n");
  CHECK(show_e("a { $foo = 1; $nofoo = 2; v = \"${nofoo}\"; }") == "name=a|v=2\n");
}

TEST_CASE("resolve: late binding over the merged list, with the reorder rule") {
  // a wildcard uses a variable each jail defines
  CHECK(show_e("path = \"/j/$n\"; a { $n = A; } b { $n = B; }") == "name=a|path=/j/A\nname=b|path=/j/B\n");
  // a later definition wins; parameters can be referenced
  CHECK(show_e("$x = 1; a { $x = 2; v = $x; h = \"${name}-${v}\"; }") == "name=a|v=2|h=a-2\n");
  // the referenced parameter moves before the referencing one (visible in -e)
  CHECK(show_e("a { p = \"${q}\"; q = \"${r}x\"; r = 1; }") == "name=a|q=1x|p=1x|r=1\n");
  // substitution is not re-scanned
  CHECK(show_e("a { $d = '$x'; v = \"$d\"; }") == "name=a|v=$x\n");
}

TEST_CASE("resolve: failures mark only that jail") {
  auto c = compile("a { path = \"/x/$nope/y\"; } b { persist; }");
  CHECK(summaries(c) == "1:16: error: variable 'nope' is not defined for jail 'a' (used in 'path')\n");
  CHECK(show_e("a { path = \"/x/$nope/y\"; } b { persist; }") == "name=a|path=/x//y\nname=b|persist\n");
  REQUIRE(c.desired.jails.size() == 2);
  CHECK(c.desired.jails[0].failed);
  CHECK_FALSE(c.desired.jails[1].failed);

  c = compile("a { persist; x = \"$persist\"; }");
  CHECK(summaries(c, "resolve") ==
        "1:19: error: 'persist' has no value to substitute (in 'x' of jail 'a')\n");

  c = compile("a { x = \"$y\"; y = \"$x\"; }");
  CHECK(summaries(c, "resolve") == "1:20: error: variable loop through 'x' in jail 'a'\n");
  CHECK(show_e("a { x = \"$y\"; y = \"$x\"; }") == "name=a|y=\"\"|x=\"\"\n");

  c = compile("a { $l = 1, 2; x = \"pre$l\"; }");
  CHECK(summaries(c, "resolve") ==
        "1:24: error: 'l' has 2 values and cannot be substituted inside a longer string (in 'x' of "
        "jail 'a')\n");
}

// jail-semantics §2.5: FreeBSD 15's load_config expands a whole-word
// reference into all the values; older jail(8) dies with SIGSEGV on it.
TEST_CASE("resolve: a multi-value variable used as a whole word expands into all its values") {
  const std::string conf = "a { $l = 192.0.2.1, 192.0.2.2; ip4.addr = $l; }";
  auto c = compile(conf);
  CHECK(summaries(c) ==
        "1:43: warning: 'l' has 2 values and is substituted as all of them (in 'ip4.addr' of jail 'a')\n");
  REQUIRE(c.desired.jails.size() == 1);
  CHECK_FALSE(c.desired.jails[0].failed);
  CHECK(show_e(conf) == "name=a|ip4.addr=192.0.2.1,192.0.2.2\n");
  const auto* addrs = c.desired.jails[0].find("ip4.addr");
  REQUIRE(addrs != nullptr);
  CHECK(addrs->raw().size() == 2);
  // in place among other values, and from '+=' or a parameter
  CHECK(show_e("a { $p = \"/x\"; $p += \"/y\"; mount = pre, \"$p\", post; }") ==
        "name=a|mount=pre,/x,/y,post\n");
  CHECK(show_e("a { ip4.addr = 1, 2; ip6.addr = \"${ip4.addr}\"; }") == "name=a|ip4.addr=1,2|ip6.addr=1,2\n");
  // a referenced list that has references itself is resolved first
  CHECK(show_e("a { x = $l; $l = \"${v}1\", \"${v}2\"; $v = z; }") == "name=a|x=z1,z2\n");
  // each value is inserted verbatim (not re-scanned), as one value is
  CHECK(show_e("a { $l = '$q', b; x = $l; }") == "name=a|x=$q,b\n");
  // a scalar then keeps jail(8)'s last value, with its own warning
  c = compile("$list = \"/a\", \"/b\"; j { path = $list; }");
  CHECK(summaries(c) ==
        "1:32: warning: 'list' has 2 values and is substituted as all of them (in 'path' of jail 'j')\n"
        "1:32: warning: 'path' takes one string; jail(8) uses only the last value '/b'\n");
  CHECK(show_e("$list = \"/a\", \"/b\"; j { path = $list; }") == "name=j|path=/a,/b\n");
  // still an error next to other text or another reference
  c = compile("a { $l = 1, 2; $e = \"\"; x = \"$l$e\"; }");
  CHECK(summaries(c, "resolve") ==
        "1:30: error: 'l' has 2 values and cannot be substituted inside a longer string (in 'x' of "
        "jail 'a')\n");
}

TEST_CASE("resolve: suggestions for misspelt variables") {
  auto c = compile("$root = /srv; a { path = \"$rot/a\"; }");
  REQUIRE(c.diagnostics.items().size() == 1);
  CHECK(c.diagnostics.items()[0].detail == "did you mean 'root'?");
}

// --- FreeBSD's own tests (usr.sbin/jail/tests, jail-semantics §8) -------------

TEST_CASE("freebsd tests: commands.jail.conf with path appended after the block") {
  const std::string conf =
      "exec.prestop = \"echo STOP\";\nexec.prestart = \"echo START\";\nexec.poststart = \"env\";\n"
      "persist;\nbasejail { }\npath = \"/tmp/w\";\n";
  CHECK(show_e(conf) ==
        "name=basejail|exec.prestop=\"echo STOP\"|exec.prestart=\"echo START\"|exec.poststart=env|persist|"
        "path=/tmp/w\n");
}

TEST_CASE("freebsd tests: jid_name_set") {
  CHECK(show_e("5 { name = basejail; persist; }") == "name=basejail|persist\n");
  CHECK(show_e("5 { host.hostname = \"${name}\"; persist; }") == "host.hostname=5|persist|name=5\n");
  CHECK(show_e("basejail { jid = 5; persist; }") == "name=basejail|persist\n");
  auto c = compile("basejail { jid = 5; persist; }");
  CHECK(c.desired.jails.at(0).jid == 5);
}

TEST_CASE("freebsd tests: param_consistency one-liner with a single-quoted escape") {
  CHECK(show_e("basejail { path = /; exec.poststop = 'echo JID=\\$JID'; persist; }") ==
        "name=basejail|path=/|exec.poststop=\"echo JID=$JID\"|persist\n");
}

TEST_CASE("freebsd tests: jail_config_test -e output") {
  const std::string conf =
      "$root=\"/srv\"; $empty=\"\";\n"
      "a { path=\"$root/${name}\"; host.hostname=\"pre${empty}post\"; exec.start=\"${empty}\"; }\n"
      "a.child { path=\"$root/${name}\"; host.hostname=\"${empty}child${empty}\"; }\n";
  CHECK(show_e(conf) ==
        "name=a|path=/srv/a|host.hostname=prepost|exec.start=\"\"\n"
        "name=a.child|path=/srv/a.child|host.hostname=child\n");
  std::string big(8192, 'x');
  const std::string conf2 = "$b = \"" + big + "\"; a { v = \"$b$b\"; }";
  CHECK(show_e(conf2) == "name=a|v=" + big + big + "\n");
}

TEST_CASE("show -e quoting follows quoted_print") {
  CHECK(show_e(R"(a { x = ""; y = "it's"; z = 'say "hi"'; w = "a b"; v = "back\\slash"; })") ==
        "name=a|x=\"\"|y=\"it's\"|z='say \"hi\"'|w=\"a b\"|v=back\\\\slash\n");
  CHECK(show_e("a { x = \"both ' and \\\" \"; }") == "name=a|x=\"both ' and \\\" \"\n");
  CHECK(show_e("a { jid = 3; x = 1; }", "\t") == "name=a\tx=1\n");
  CHECK(show_e("a { x = \"l1\nl2\"; }") == "name=a|x=l1\nl2\n");
}

TEST_CASE(
    "compile: releasing statements jail by jail keeps nested blocks, block includes and later wildcards") {
  // a.b is declared inside a; its statements must survive a's release.
  // The include inside c adds to c's own parameters. The wildcard after
  // every jail still reaches them all (wildcards below are added last).
  jailplan::test::MemoryLoader loader;
  loader.add("extra.conf", "x.extra = \"from include $name\";\ninner { depth = 2; }\n");
  const std::string text =
      "$v = one;\n"
      "a { x.a = \"$v\"; b { x.b = 'nested'; c { x.c = deep; } } x.after = 1; }\n"
      "c { .include \"extra.conf\"; x.c = \"${name}!\"; }\n"
      "plain { x.p = 1; x.q = 2; }\n"
      "* { x.all += \"last ${name}\"; }\n";
  const auto kept = jailplan::compile_text("n.conf", text, loader, jailplan::KeepSyntax::yes);
  const auto dropped = jailplan::compile_text("n.conf", text, loader, jailplan::KeepSyntax::no);
  std::string kept_e, dropped_e;
  for (const auto& j : kept.resolution.jails) kept_e += jailplan::print_jail_e(j, "|");
  for (const auto& j : dropped.resolution.jails) dropped_e += jailplan::print_jail_e(j, "|");
  CHECK(kept_e ==
        "name=a|x.a=one|x.after=1|x.all=\"last a\"\n"
        "name=a.b|x.b=nested|x.all=\"last a.b\"\n"
        "name=a.b.c|x.c=deep|x.all=\"last a.b.c\"\n"
        "name=c|x.extra=\"from include c\"|x.c=c!|x.all=\"last c\"\n"
        "name=c.inner|depth=2|x.all=\"last c.inner\"\n"
        "name=plain|x.p=1|x.q=2|x.all=\"last plain\"\n");
  CHECK(dropped_e == kept_e);
  CHECK(render(dropped.diagnostics) == render(kept.diagnostics));
}

TEST_CASE("compile: dropping the syntax trees after resolution changes nothing in the result") {
  jailplan::test::MemoryLoader loader;
  loader.add("common.conf", "exec.clean;\n$domain = example.net;\n");
  const std::string text =
      ".include \"common.conf\";\npath = \"/j/$name\";\nhost.hostname = \"$name.$domain\";\n"
      "* { exec.poststart += \"logger ${name}\"; }\nweb { ip4.addr = 198.51.100.10; persist; }\n"
      "db { ip4.addr = 198.51.100.11; persist; no_such_param = 1; }\n";
  const auto kept = jailplan::compile_text("t.conf", text, loader, jailplan::KeepSyntax::yes);
  const auto dropped = jailplan::compile_text("t.conf", text, loader, jailplan::KeepSyntax::no);
  CHECK(kept.loaded->root != nullptr);
  CHECK(dropped.loaded->root == nullptr);
  CHECK(dropped.loaded->documents.empty());
  CHECK(dropped.diagnostics.has_errors());
  CHECK(render(kept.diagnostics) == render(dropped.diagnostics));  // locations still point into the files
  REQUIRE(kept.resolution.jails.size() == dropped.resolution.jails.size());
  for (std::size_t i = 0; i < kept.resolution.jails.size(); ++i)
    CHECK(jailplan::print_jail_e(kept.resolution.jails[i], "|") ==
          jailplan::print_jail_e(dropped.resolution.jails[i], "|"));
  REQUIRE(kept.desired.jails.size() == dropped.desired.jails.size());
  for (std::size_t i = 0; i < kept.desired.jails.size(); ++i) {
    CHECK(kept.desired.jails[i].name == dropped.desired.jails[i].name);
    CHECK(kept.desired.jails[i].params.size() == dropped.desired.jails[i].params.size());
    CHECK(kept.desired.jails[i].location.file->line_col(kept.desired.jails[i].location.offset).line ==
          dropped.desired.jails[i].location.file->line_col(dropped.desired.jails[i].location.offset).line);
  }
}

TEST_CASE("compile: reading without a tree reports the same errors, in the same order") {
  // Syntax errors before and after an include, an included file with its
  // own errors and include, an unreadable file, a block left open in an
  // included file, an include loop, and a YAML file included from jail.conf.
  jailplan::test::MemoryLoader loader;
  loader.add("one.conf", "broken = ;\n.include \"two.conf\";\nopen { x = 1;\n");
  loader.add("two.conf", "y = \"unterminated;\nz = 2;\n.include \"missing.conf\";\n");
  loader.add("loop.conf", ".include \"loop.conf\";\n");
  loader.add("more.yaml", "jails:\n  y1:\n    path: /j/y1\n");
  const std::string text =
      "a { x = 1 2; }\n.include \"one.conf\";\n.include \"more.yaml\";\nb { }\n}\n"
      ".include \"loop.conf\";\nc { q = \"$v\"; .include \"$v\"; }\n";
  const auto kept = jailplan::compile_text("m.conf", text, loader, jailplan::KeepSyntax::yes);
  const auto read = jailplan::compile_text("m.conf", text, loader, jailplan::KeepSyntax::no);
  CHECK_FALSE(read.syntax_ok);
  CHECK(read.diagnostics.error_count() >= 6);
  CHECK(render(read.diagnostics) == render(kept.diagnostics));
}

TEST_CASE("compile: every value keeps the file and word it came from") {
  // exec.start's first value comes from the included file, its second
  // from the jail's block: one parameter, words in two files
  jailplan::test::MemoryLoader loader;
  loader.add("common.conf",
             "exec.start = \"/bin/sh /etc/rc\";\nip4.addr = 198.51.100.7, \"not-an-address\";\n");
  const std::string text =
      ".include \"common.conf\";\n"
      "web {\n"
      "  exec.start += \"/usr/local/bin/app\";\n"
      "  ip4.addr += \"also bad\";\n"
      "}\n";
  for (const auto keep : {jailplan::KeepSyntax::yes, jailplan::KeepSyntax::no}) {
    const auto c = jailplan::compile_text("main.conf", text, loader, keep);
    REQUIRE(c.desired.jails.size() == 1);
    const auto* start = c.desired.jails[0].find("exec.start");
    REQUIRE(start != nullptr);
    REQUIRE(start->raw().size() == 2);
    const auto first = start->value_location(0), second = start->value_location(1);
    REQUIRE(first.valid());
    REQUIRE(second.valid());
    CHECK(first.file->name() == "common.conf");
    CHECK(first.file->line_col(first.offset).line == 1);
    CHECK(first.file->line_col(first.offset).column == 14);
    CHECK(second.file->name() == "main.conf");
    CHECK(second.file->line_col(second.offset).line == 3);
    CHECK(second.file->line_col(second.offset).column == 17);
    CHECK(start->location().file->name() == "main.conf");  // the statement that last set it
    // each bad address is reported at its own word, in its own file
    const std::string out = render(c.diagnostics);
    CHECK(out.find("common.conf:2:26: error: 'not-an-address'") != std::string::npos);
    CHECK(out.find("main.conf:4:15: error: 'also'") != std::string::npos);
  }
}
