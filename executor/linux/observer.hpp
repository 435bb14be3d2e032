#pragma once
/// What the Linux backend observes: the live jails of its runtime
/// directory, read as a `jls -n` listing so that both backends'
/// observations go through one parser, plus jailplan's applied records.

#include "executor/linux/backend.hpp"
#include "grammar/source_loader.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// Reads the live jails from the runtime directory (alive ones only: the
/// directory can outlive them) and the applied records.
class LinuxObserver final : public Observer {
 public:
  LinuxObserver(SourceLoader& files, LinuxPaths paths = {}) : m_files(files), m_paths(std::move(paths)) {}
  Result<ObservedState> observe() override;

 private:
  SourceLoader& m_files;
  LinuxPaths m_paths;
  SourceSet m_sources;
};

}  // namespace jailplan
