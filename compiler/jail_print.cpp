#include "compiler/jail_print.hpp"

namespace jailplan {

void append_jail_quoted(std::string& out, std::string_view v) {
  char qc = 0;
  if (v.empty() || v.find('\'') != std::string_view::npos)
    qc = '"';
  else if (v.find('"') != std::string_view::npos)
    qc = '\'';
  else if (v.find_first_of(" \t") != std::string_view::npos)
    qc = '"';
  if (qc != 0) out += qc;
  for (char c : v) {
    if (c == '\\' || c == qc) out += '\\';
    out += c;
  }
  if (qc != 0) out += qc;
}

std::string print_jail_e(const ResolvedJail& jail, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto* param : jail.params) {
    const ResolvedParam& p = *param;
    if (p.name() == "jid") continue;
    if (!first) out += sep;
    first = false;
    out += p.name();
    if (p.values().empty()) continue;
    out += '=';
    for (std::size_t i = 0; i < p.values().size(); ++i) {
      if (i > 0) out += ',';
      append_jail_quoted(out, p.values()[i]);
    }
  }
  out += '\n';
  return out;
}

}  // namespace jailplan
