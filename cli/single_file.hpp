#pragma once
/// Helpers for the commands that read one file (fmt, convert, and the
/// state, policy and rc.conf inputs): read it, parse it by its name's
/// syntax, and write a result out.

#include <optional>
#include <string>

#include "cli/world.hpp"
#include "grammar/ast.hpp"

namespace jailplan {

/// Reads `path` (through w.loader; "-" is standard input, named STDIN) into
/// `sources`. When it cannot be read, says `cannot read DESCRIPTION: why`
/// on w.err and returns nullptr.
const SourceFile* read_source(const std::string& path, const std::string& description, World& w,
                              SourceSet& sources);

/// Reads `path` and parses it as jail.conf or YAML (by its name), without
/// following includes. Errors are rendered to w.err; nothing on failure.
std::optional<ast::Document> parse_single_file(const std::string& path, World& w, SourceSet& sources);

/// Writes `text` to standard output when `path` is empty or "-", else to
/// `path` atomically. Returns the exit code.
int emit_text(const std::string& path, const std::string& text, World& w);

}  // namespace jailplan
