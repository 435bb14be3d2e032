#pragma once
/// Diagnostics are values: collected across a whole run and rendered at the
/// end, `file:line:col: error: summary`, the source line, a caret, notes.

#include <string>
#include <vector>

#include "base/source.hpp"

namespace jailplan {

enum class Severity : char { error = 'E', warning = 'W', note = 'N' };

struct DiagnosticNote {
  std::string message;
  Location location;
};

struct Diagnostic {
  Severity severity = Severity::error;
  std::string summary;  ///< lower-case, no trailing period
  std::string detail;   ///< optional longer explanation, printed after the caret
  Location location;
  std::vector<DiagnosticNote> notes;
  /// Short machine-readable category ("syntax", "unknown-parameter", ...).
  std::string code;
};

/// An ordered collection of diagnostics with error/warning counts.
class Diagnostics {
 public:
  Diagnostic& add(Diagnostic d);
  Diagnostic& error(Location loc, std::string summary, std::string code = {});
  Diagnostic& warning(Location loc, std::string summary, std::string code = {});
  void append(const Diagnostics& other);
  /// Points every diagnostic that has no location yet at `where`.
  void locate(Location where);

  bool has_errors() const { return m_errors > 0; }
  std::size_t error_count() const { return m_errors; }
  std::size_t warning_count() const { return m_warnings; }
  bool empty() const { return m_items.empty(); }
  const std::vector<Diagnostic>& items() const { return m_items; }

  /// Orders by file, then offset, keeping insertion order for ties, so
  /// output is deterministic however the checks were interleaved.
  void sort_by_location();

 private:
  std::vector<Diagnostic> m_items;
  std::size_t m_errors = 0;
  std::size_t m_warnings = 0;
};

struct RenderStyle {
  bool color = false;
};

/// Renders one diagnostic with its source line and caret.
std::string render(const Diagnostic& d, RenderStyle style = {});
/// Renders all diagnostics, then a count line when there were errors.
std::string render(const Diagnostics& ds, RenderStyle style = {});

}  // namespace jailplan
