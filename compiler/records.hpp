#pragma once
/// jail(8)'s record list (jail-semantics §2.1): one record per jail block in
/// read order, includes expanded in place, and every top-level parameter in
/// one implicit `*` record placed at the first top-level parameter.

#include <string>
#include <vector>

#include "grammar/ast.hpp"

namespace jailplan {

struct Record {
  std::string name;  ///< full dotted name
  Location location;
  bool wildcard = false;
  bool implicit_global = false;       ///< the pool of top-level parameters
  const ast::Block* block = nullptr;  ///< the block that declared it; null for the implicit pool
  std::vector<const ast::Param*> params;
};

/// True if some dot-separated component of `name` is exactly `*`.
bool is_wildcard_name(std::string_view name);
/// jail(8)'s component matching: a non-final `*` matches one component,
/// a final `*` one or more.
bool wildcard_matches(std::string_view jail, std::string_view wildcard);

std::vector<Record> collect_records(const ast::Document& root);

}  // namespace jailplan
