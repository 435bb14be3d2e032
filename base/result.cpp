#include "base/result.hpp"

namespace jailplan {

std::string first_error(const Diagnostics& d) {
  for (const auto& item : d.items())
    if (item.severity == Severity::error) return item.summary;
  return {};
}

std::string Result<void>::message() const {
  return first_error(m_diags);
}

void Result<void>::locate(Location where) {
  m_diags.locate(where);
}

Diagnostics one_error(std::string summary, Location where, std::string code) {
  Diagnostics d;
  d.error(where, std::move(summary), std::move(code));
  return d;
}

Status failure(std::string summary, Location where, std::string code) {
  return one_error(std::move(summary), where, std::move(code));
}

}  // namespace jailplan
