#pragma once
/// Reading configuration files and resolving `.include` (jail-semantics §1.7).

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "grammar/ast.hpp"
#include "grammar/flat.hpp"

namespace jailplan {

/// The file-system seam: tests use an in-memory implementation.
class SourceLoader {
 public:
  virtual ~SourceLoader() = default;
  /// The file's text, or nothing with `error` set to the strerror text.
  virtual std::optional<std::string> read(const std::string& path, std::string& error) = 0;
  /// glob(3) of `pattern`, sorted; empty when nothing matches.
  virtual std::vector<std::string> glob(const std::string& pattern) = 0;
  /// A regular file's text, if it has at most `max_bytes`; nothing with
  /// `error` set (the strerror text, `not a regular file`, `larger than N
  /// bytes`) otherwise. For files the host gives a configuration (fstab);
  /// this default knows no file types and checks only the size.
  virtual std::optional<std::string> read_regular(const std::string& path, std::size_t max_bytes,
                                                  std::string& error);
  /// One name for the file however it is reached (a configuration's
  /// default owner): this default returns `path` as it is.
  virtual std::string canonical(const std::string& path) { return path; }
};

/// The real file system; "-" reads standard input.
class FileSystemLoader final : public SourceLoader {
 public:
  /// The absolute path without symbolic links, `.` or `..` (realpath(3));
  /// the absolute, lexically normal path when it cannot be resolved.
  std::string canonical(const std::string& path) override;
  std::optional<std::string> read(const std::string& path, std::string& error) override;
  std::vector<std::string> glob(const std::string& pattern) override;
  std::optional<std::string> read_regular(const std::string& path, std::size_t max_bytes,
                                          std::string& error) override;
};

/// Every parsed file of one configuration, with includes attached to their
/// `.include` statements.
struct LoadedConfig {
  SourceSet sources;
  std::deque<ast::Document> documents;
  const ast::Document* root = nullptr;
  Diagnostics diagnostics;
};

/// jail(8) allows includes to nest this deep.
inline constexpr int k_max_include_depth = 32;

/// True for names the YAML twin front end reads (.yaml / .yml).
bool is_yaml_name(const std::string& path);

/// Loads `path` (jail.conf or YAML by its name) and, recursively, every
/// file it includes. Errors (syntax, missing files, depth) are collected.
std::unique_ptr<LoadedConfig> load_config(const std::string& path, SourceLoader& loader);

/// Loads from text already in memory (fuzzing, tests); includes still go
/// through `loader`.
std::unique_ptr<LoadedConfig> load_config_text(const std::string& name, std::string text,
                                               SourceLoader& loader);

/// Reads `path` and every file it includes into `sink`, statement by
/// statement in jail(8)'s order, without building syntax trees (YAML files
/// excepted: their trees stay in `documents`). The result has no root.
std::unique_ptr<LoadedConfig> read_config(const std::string& path, SourceLoader& loader,
                                          ast::StatementSink& sink);
/// The same from text already in memory.
std::unique_ptr<LoadedConfig> read_config_text(const std::string& name, std::string text,
                                               SourceLoader& loader, ast::StatementSink& sink);

/// How jail(8) names an included file: relative names are taken relative
/// to the directory of the including file as it was named.
std::string resolve_include_name(const std::string& including, const std::string& name);

/// True if the name has glob(3) metacharacters.
bool has_glob_magic(const std::string& name);

}  // namespace jailplan
