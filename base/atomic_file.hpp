#pragma once
/// Writing a file so that a crash never leaves it half-written.

#include <string>
#include <string_view>

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

/// Whether `file` (a name, no directory) is a temporary file that
/// write_file_atomically made for a file whose name ends in `suffix`
/// (`web.json.jailplan-a1B2c3`): a killed writer leaves it behind. Only
/// the directory's single writer may remove such files.
bool is_temporary_of(std::string_view file, std::string_view suffix);

}  // namespace jailplan
