// Jail names as file names: any name FreeBSD's jail(8) takes gets an
// applied record that stays inside the state directory and reads back as
// the same name.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/text.hpp"
#include "executor/records.hpp"
#include "grammar/source_loader.hpp"
#include "planner/snapshot.hpp"
#include "testutil.hpp"

using namespace jailplan;
namespace fs = std::filesystem;

namespace {

AppliedRecord record_named(const std::string& name) {
  AppliedRecord r;
  r.digest = "sha256:0";
  r.params = {{"name", {name}}, {"persist", {"true"}}};
  return r;
}

}  // namespace

TEST_CASE("path components: ordinary names are their own file names, odd ones are escaped, all round-trip") {
  CHECK(encode_path_component("web") == "web");
  CHECK(encode_path_component("web.db-1_a") == "web.db-1_a");
  CHECK(encode_path_component("..") == "%2E.");
  CHECK(encode_path_component(".") == "%2E");
  CHECK(encode_path_component("../x") == "%2E.%2Fx");
  CHECK(encode_path_component("a/b") == "a%2Fb");
  CHECK(encode_path_component("a b") == "a%20b");
  CHECK(encode_path_component("100%") == "100%25");
  CHECK(encode_path_component(std::string("a\0b", 3)) == "a%00b");
  CHECK(encode_path_component("") == "%");
  for (const std::string& name : std::vector<std::string>{"web", "..", ".", "../x", "a/b", "a b", "100%", "",
                                                          "%", ".hidden", "é", std::string("a\0b\n", 4)}) {
    CAPTURE(name);
    const std::string file = encode_path_component(name);
    CHECK(file.find('/') == std::string::npos);
    CHECK(file.find('\0') == std::string::npos);
    CHECK(file != ".");
    CHECK(file != "..");
    CHECK(file.front() != '.');
    CHECK(decode_path_component(file) == name);
  }
  // one spelling per name: nothing else decodes
  CHECK(!decode_path_component("%41"));  // 'A' is written as itself
  CHECK(!decode_path_component("a b"));
  CHECK(!decode_path_component("a%2"));
  CHECK(!decode_path_component(".x"));
}

TEST_CASE("records: any jail name stays inside the state directory and reads back as itself") {
  test::TempDir tmp("names");
  const std::string state = tmp.path + "/applied";
  const std::string long_name(255, 'x');  // FreeBSD's longest: NAME.json would not fit a file name
  const std::vector<std::string> names = {"web", "..", "../escape", "a/b", "a b", ".", long_name};
  for (const auto& name : names) REQUIRE(write_record(state, name, record_named(name), 1).ok());
  // nothing outside, nothing hidden, every file name short enough
  CHECK(!fs::exists(tmp.path + "/escape.json"));
  CHECK(!fs::exists(tmp.path + "/applied.json"));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(state)) {
    ++files;
    CHECK(e.path().filename().string().front() != '.');
    CHECK(e.path().filename().string().size() <= 255);
  }
  CHECK(files == names.size());
  FileSystemLoader loader;
  SourceSet sources;
  ObservedState s;
  REQUIRE(!attach_records(s, state, loader, sources).has_errors());
  std::vector<std::string> back;
  for (const auto& [name, record] : s.stopped) back.push_back(name);
  std::vector<std::string> want = names;
  std::sort(want.begin(), want.end());
  std::sort(back.begin(), back.end());
  CHECK(back == want);
  for (const auto& name : names) REQUIRE(forget_record(state, name).ok());
  CHECK(fs::is_empty(state));
}
