#pragma once
/// jail(8)'s record list (jail-semantics §2.1): one record per jail block in
/// read order, includes expanded in place, and every top-level parameter in
/// one implicit `*` record placed at the first top-level parameter.

#include <memory>
#include <string>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/flat.hpp"

namespace jailplan {

struct Record {
  std::string name;  ///< full dotted name
  Location location;
  bool wildcard = false;
  bool implicit_global = false;  ///< the pool of top-level parameters
  /// The record's own statements, compiled. Their words live in `store`,
  /// or in the syntax tree the record was built from.
  std::vector<ast::FlatParam> params;
  std::unique_ptr<Arena> store;

  /// Frees the statements (once the jail is resolved).
  void release() {
    std::vector<ast::FlatParam>().swap(params);
    store.reset();
  }
};

/// True if some dot-separated component of `name` is exactly `*`.
bool is_wildcard_name(std::string_view name);
/// jail(8)'s component matching: a non-final `*` matches one component,
/// a final `*` one or more.
bool wildcard_matches(std::string_view jail, std::string_view wildcard);

/// Builds the record list from statements in read order: the receiver of
/// a configuration read without a syntax tree, or of a tree's statements
/// (`feed`). Records built from a tree point into it.
class RecordBuilder final : public ast::StatementSink {
 public:
  explicit RecordBuilder(std::vector<Record>& out) : m_out(out) {}

  Arena& store() override;
  void param(const ast::FlatParam& p) override;
  void open_block(std::string_view name, Location at) override;
  void close_block() override;
  /// Reads the files a tree attached to the `.include`.
  void include(const ast::Include& inc) override;

 private:
  std::vector<Record>& m_out;
  std::vector<std::size_t> m_open;  // records of the open blocks, innermost last
  long m_global = -1;
  std::unique_ptr<Arena> m_top;  // top-level text read before the `*` record exists
};

/// The records of a loaded syntax tree (includes attached).
std::vector<Record> collect_records(const ast::Document& root);

}  // namespace jailplan
