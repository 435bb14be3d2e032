#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "base/arena.hpp"
#include "base/source.hpp"

using jailplan::Arena;

TEST_CASE("arena: saved strings and arrays stay put while it grows, and move with it") {
  Arena a;
  std::vector<std::string_view> saved;
  for (int i = 0; i < 20000; ++i) saved.push_back(a.save("value-" + std::to_string(i)));
  const auto big = a.save(std::string(200000, 'x'));  // larger than a block
  auto locs = a.array<jailplan::Location>(3);
  CHECK(locs.size() == 3);
  CHECK(!locs[2].valid());  // value-initialised
  CHECK(reinterpret_cast<std::uintptr_t>(locs.data()) % alignof(jailplan::Location) == 0);
  Arena moved = std::move(a);
  for (int i = 0; i < 20000; ++i) CHECK(saved[static_cast<std::size_t>(i)] == "value-" + std::to_string(i));
  CHECK(big.size() == 200000);
  CHECK(big.find_first_not_of('x') == std::string_view::npos);
  CHECK(moved.reserved() >= 200000);
  CHECK(a.reserved() == 0);  // NOLINT(bugprone-use-after-move): a moved-from arena is empty
  CHECK(a.save("").empty());
}

TEST_CASE("arena: reset keeps one block and hands out its memory again") {
  Arena a;
  for (int i = 0; i < 50000; ++i) a.save("some text to fill blocks");
  const auto before = a.reserved();
  a.reset();
  CHECK(a.reserved() < before);
  CHECK(a.reserved() > 0);
  const auto again = a.save("after reset");
  CHECK(again == "after reset");
  const int values[] = {1, 2, 3};
  const auto copy = a.copy(std::span<const int>(values));
  CHECK(copy.size() == 3);
  CHECK(copy[2] == 3);
}
