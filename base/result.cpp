#include "base/result.hpp"

namespace jailplan {

std::string Result<void>::message() const {
  for (const auto& d : m_diags.items())
    if (d.severity == Severity::error) return d.summary;
  return {};
}

void Result<void>::locate(Location where) {
  m_diags.locate(where);
}

Status failure(std::string summary, Location where, std::string code) {
  Diagnostics d;
  d.error(where, std::move(summary), std::move(code));
  return d;
}

}  // namespace jailplan
