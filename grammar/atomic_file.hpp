#pragma once
/// Writing a file so that a crash never leaves it half-written.

#include <string>

namespace jailplan {

/// Writes `text` to `path` through a temporary file in the same directory,
/// fsync(2) and rename(2), keeping an existing file's mode. Returns "" or an
/// error sentence.
std::string write_file_atomically(const std::string& path, const std::string& text);

}  // namespace jailplan
