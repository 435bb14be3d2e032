// Output that is safe to show and to parse: any byte string through JSON
// text and back (base/json_bytes.hpp), and text from input made harmless
// for a terminal (base/visible.hpp).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/json_bytes.hpp"
#include "base/visible.hpp"

using namespace jailplan;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (const int c : b) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_CASE("json bytes: UTF-8 as Unicode defines it well-formed") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("é€😀"));
  CHECK(is_valid_utf8(bytes({0xEF, 0xBF, 0xBF})));        // U+FFFF
  CHECK(is_valid_utf8(bytes({0xF4, 0x8F, 0xBF, 0xBF})));  // U+10FFFF
  CHECK_FALSE(is_valid_utf8(bytes({0x80})));
  CHECK_FALSE(is_valid_utf8(bytes({0xC0, 0xAF})));              // overlong '/'
  CHECK_FALSE(is_valid_utf8(bytes({0xE0, 0x80, 0xAF})));        // overlong
  CHECK_FALSE(is_valid_utf8(bytes({0xED, 0xA0, 0x80})));        // a surrogate
  CHECK_FALSE(is_valid_utf8(bytes({0xF4, 0x90, 0x80, 0x80})));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8(bytes({0xF5, 0x80, 0x80, 0x80})));
  CHECK_FALSE(is_valid_utf8(bytes({0xC3})));  // cut short
}

TEST_CASE("json bytes: every byte string round-trips and always dumps") {
  std::vector<std::string> cases = {"", "web", "é€😀", std::string("a\0b", 3)};
  for (int b = 0; b < 256; ++b) cases.push_back(std::string("x") + static_cast<char>(b) + "y");
  for (int b = 0x80; b < 0x100; ++b) cases.push_back(bytes({0xEE, 0xBE | (b >> 6 & 1), 0x80 | (b & 0x3F)}));
  cases.push_back(bytes({0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xE2, 0x82}));
  cases.push_back(bytes({0x1B, ']', '0', ';', 't', 0x07, 0x7F, 0xC2, 0x9B, 0xFF}));
  for (const auto& s : cases) {
    CAPTURE(s);
    const std::string text = bytes_to_json_text(s);
    CHECK(is_valid_utf8(text));
    CHECK(json_text_to_bytes(text) == s);
    nlohmann::json doc = {{"v", s}, {s, nlohmann::json::array({s})}};
    std::string dumped;
    REQUIRE_NOTHROW(dumped = dump_json(doc));
    auto back = nlohmann::json::parse(dumped);
    restore_json_bytes(back);
    CHECK(back == doc);
  }
  // ordinary text is written as it is
  CHECK(bytes_to_json_text("web.example.org é") == "web.example.org é");
  CHECK(bytes_to_json_text(bytes({0xFF})) == bytes({0xEE, 0xBF, 0xBF}));  // U+EFFF
  CHECK(bytes_to_json_text(bytes({0x80})) == bytes({0xEE, 0xBE, 0x80}));  // U+EF80
  // the escape characters themselves are escaped, byte by byte
  CHECK(bytes_to_json_text(bytes({0xEE, 0xBE, 0x80})) ==
        bytes({0xEE, 0xBF, 0xAE, 0xEE, 0xBE, 0xBE, 0xEE, 0xBE, 0x80}));
}

TEST_CASE("visible: control characters and stray bytes are written as escapes") {
  CHECK(visible("web.example.org é \\ \"") == "web.example.org é \\ \"");
  CHECK(visible("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
  CHECK(visible("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H");
  CHECK(visible("a\tb\nc\rd\x7f") == "a\\tb\\nc\\rd\\x7f");
  CHECK(visible(bytes({'a', 0xC2, 0x9B, '2', 'J'})) == "a\\u009b2J");  // C1 CSI
  CHECK(visible(bytes({0x9B, 0xFF, 0xC3})) == "\\x9b\\xff\\xc3");      // not UTF-8
  CHECK(visible("abc\u202Egnp.exe") == "abc\\u202egnp.exe");           // a bidi override
  CHECK(visible("a\u2028b") == "a\\u2028b");
  CHECK(visible_keeping_tabs("\ta\x1b") == "\ta\\x1b");
  CHECK(visible(std::string("a\0b", 3)) == "a\\x00b");
  CHECK_FALSE(needs_escape("plain é"));
  CHECK(needs_escape("\x1b"));
}
