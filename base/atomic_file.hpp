#pragma once
/// Writing a file so that a crash never leaves it half-written.

#include <string>

namespace jailplan {

/// How a write must survive.
enum class Durability : bool {
  crash,      ///< readers never see it half-written (rename(2))
  power_loss  ///< and it is on disk before the call returns (fsync(2) too)
};

/// Writes `text` to `path` through a temporary file in the same directory
/// and rename(2), keeping an existing file's mode. Returns "" or an error
/// sentence.
std::string write_file_atomically(const std::string& path, const std::string& text,
                                  Durability durability = Durability::power_loss);

}  // namespace jailplan
