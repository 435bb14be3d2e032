#include "planner/snapshot.hpp"

#include <fmt/format.h>

#include "base/json_bytes.hpp"
#include "planner/json_util.hpp"
#include "planner/libxo_json.hpp"

namespace jailplan {

namespace {

using json_util::json;

Diagnostics one_error(const SourceFile& file, std::uint32_t offset, std::string msg,
                      std::string code = "state") {
  Diagnostics d;
  d.error(Location{&file, offset}, std::move(msg), std::move(code));
  return d;
}

Diagnostics shape_error(const SourceFile& file, std::string msg) {
  return one_error(file, 0, std::move(msg));
}

// jls's keys that are not parameter names (default and -v views).
bool jls_view_key(const std::string& key, const json& value, ObservedJail& j) {
  if (key == "hostname") {
    j.params.push_back({"host.hostname", {value.is_string() ? value.get<std::string>() : value.dump()}});
  } else if (key == "ipv4" || key == "ipv4_addrs" || key == "ipv6_addrs") {
    std::vector<std::string> v;
    json_util::flatten(value, v);
    std::erase(v, std::string());
    j.params.push_back({key == "ipv6_addrs" ? "ip6.addr" : "ip4.addr", std::move(v)});
  } else if (key == "state") {
    j.dying = value == "DYING";  // jls -v
  } else if (key == "cpusetid") {
    j.params.push_back({"cpuset.id", {value.dump()}});
  } else {
    return false;
  }
  return true;
}

// One jail object of `jls --libxo json`.
std::string jls_jail(const json& o, std::size_t index, ObservedJail& j) {
  const std::string where = fmt::format("jail-information.jail[{}]", index);
  if (!o.is_object()) return where + ": expected an object";
  // jls's default view (print_jail, PRINT_DEFAULT) names no parameter
  // "ipv4": it has the first IPv4 address, the host name and the path, and
  // with -N a name instead of the jid; read as a host, every running jail
  // would look stripped of its parameters
  if (o.contains("ipv4"))
    return where +
           ": this is jls's default view (jid or name, first IPv4 address, hostname, path), which leaves out "
           "most parameters: save 'jls --libxo json -n' instead";
  json params = json::object();
  for (const auto& [key, value] : o.items()) {
    if (key == "jid") {
      if (value.is_number_integer()) {
        j.jid = value.get<std::int64_t>();
      } else if (const auto n = value.is_string() ? std::optional<std::string>(value.get<std::string>())
                                                  : std::nullopt) {
        j.jid = std::strtoll(n->c_str(), nullptr, 10);
      }
    } else if (key == "name") {
      j.name = value.is_string() ? value.get<std::string>() : value.dump();
    } else if (key == "dying") {
      // -n writes booleans as JSON booleans, a parameter list without -n
      // as the words jailparam_export makes ("true")
      j.dying = value == true || value == "true";
    } else if (value.is_object() && value.empty()) {
      continue;  // a requested meta.KEY that does not exist
    } else if (!jls_view_key(key, value, j)) {
      params[key] = value;
    }
  }
  CanonSpec spec;
  if (auto err = json_util::spec_from_json(params, where, spec); !err.empty()) return err;
  for (auto& p : spec) j.params.push_back(std::move(p));
  // the kernel names a jail created without a name by its jid, and jls
  // prints that name: without 'name' these are not the jails' names
  if (!o.contains("name"))
    return where + ": no 'name' (jls was asked for other parameters): save 'jls --libxo json -n' instead";
  return {};
}

Result<ObservedState> jls_document(const SourceFile& file, const json& doc,
                                   const json_util::LibxoOffsets& offsets) {
  ObservedState s;
  s.source = fmt::format("jls output {}", file.name());
  if (!doc.is_object()) return shape_error(file, "expected a JSON object with 'jail-information'");
  const auto info = doc.find("jail-information");
  if (info == doc.end() || !info->is_object())
    return shape_error(file, "expected a 'jail-information' object");
  const auto list = info->find("jail");
  if (list == info->end()) return s;  // no jails running
  if (!list->is_array()) return shape_error(file, "jail-information.jail: expected an array");
  // the offsets are of the arrays two levels down; they are the jails'
  // when the document has jls's shape
  const bool located = offsets.rows.size() == list->size() && doc.size() <= 2 && info->size() == 1;
  for (std::size_t i = 0; i < list->size(); ++i) {
    ObservedJail j;
    if (auto err = jls_jail((*list)[i], i, j); !err.empty())
      return one_error(file, located ? offsets.rows[i] : 0, std::move(err));
    s.jails.push_back(std::move(j));
  }
  s.normalize();
  return s;
}

Result<ObservedState> parse_own(const SourceFile& file, const json& doc) {
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer())
    return shape_error(file, "state snapshot has no 'version' number");
  if (version->get<int>() > k_state_format_version)
    return shape_error(file,
                       fmt::format("state snapshot format version {} is newer than this jailplan reads ({})",
                                   version->get<int>(), k_state_format_version));
  ObservedState s;
  s.source = fmt::format("snapshot {}", file.name());
  const auto jails = doc.find("jails");
  if (jails == doc.end() || !jails->is_array())
    return shape_error(file, "state snapshot: 'jails' must be an array");
  for (std::size_t i = 0; i < jails->size(); ++i) {
    const auto& o = (*jails)[i];
    const std::string where = fmt::format("jails[{}]", i);
    if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
      return shape_error(file, where + ": expected an object with a 'name' string");
    ObservedJail j;
    j.name = o["name"].get<std::string>();
    if (o.contains("jid")) {
      if (!o["jid"].is_number_integer()) return shape_error(file, where + ".jid: expected a number");
      j.jid = o["jid"].get<std::int64_t>();
    }
    j.dying = o.value("dying", false);
    if (const auto faults = o.find("faults"); faults != o.end() && faults->is_array())
      for (const auto& f : *faults)
        if (f.is_string()) j.faults.push_back(f.get<std::string>());
    const auto strings = [&o](const char* key) -> std::optional<std::vector<std::string>> {
      const auto it = o.find(key);
      if (it == o.end() || !it->is_array()) return std::nullopt;
      std::vector<std::string> out;
      for (const auto& x : *it)
        if (x.is_string()) out.push_back(x.get<std::string>());
      return out;
    };
    j.limits = strings("limits");
    j.link_addresses = strings("link_addresses");
    if (o.contains("params")) {
      if (auto err = json_util::spec_from_json(o["params"], where + ".params", j.params); !err.empty())
        return shape_error(file, err);
    }
    if (o.contains("applied") && !o["applied"].is_null()) {
      AppliedRecord r;
      if (auto err = json_util::record_from_json(o["applied"], where + ".applied", r); !err.empty())
        return shape_error(file, err);
      j.applied = std::move(r);
    }
    s.jails.push_back(std::move(j));
  }
  if (const auto stopped = doc.find("stopped"); stopped != doc.end()) {
    if (!stopped->is_object()) return shape_error(file, "state snapshot: 'stopped' must be an object");
    for (const auto& [name, rec] : stopped->items()) {
      AppliedRecord r;
      if (auto err = json_util::record_from_json(rec, "stopped." + name, r); !err.empty())
        return shape_error(file, err);
      s.stopped.emplace_back(name, std::move(r));
    }
  }
  for (const auto& m : doc.value("mounts", json::array()))
    s.mounts.push_back({m.value("type", ""), m.value("source", ""), m.value("target", "")});
  for (const auto& a : doc.value("addresses", json::array()))
    s.addresses.push_back({a.value("interface", ""), a.value("family", ""), a.value("address", "")});
  if (const auto host = doc.find("host"); host != doc.end() && host->is_object()) {
    s.hostname = host->value("hostname", "");
    s.host_id = host->value("host_id", "");
  }
  s.lists_mounts = doc.value("lists_mounts", false);
  s.lists_aliases = doc.value("lists_aliases", false);
  s.normalize();
  return s;
}

std::uint32_t to_offset(std::size_t n) {
  return static_cast<std::uint32_t>(n);
}

}  // namespace

std::string spec_from_kernel(const std::vector<std::pair<std::string, std::string>>& params,
                             const std::string& jail, CanonSpec& out) {
  json obj = json::object();
  for (const auto& [name, value] : params) {
    const ParamInfo* info = find_info(name);
    if (info != nullptr && info->type == ParamType::boolean)
      obj[name] = value == "true";
    else
      obj[name] = value;
  }
  return json_util::spec_from_json(obj, jail, out);
}

// jls -n text (print_jail with PRINT_NAMEVAL): `name=value` words, one jail
// a line; booleans as `name` or `noname`; with -q (quoted_print) a value
// with a space, a tab or a quote is wrapped in '"' (or in '\'' when it has a
// '"' and no '\''), with nothing escaped. So a value holding both quote
// characters, or an unquoted value with a line break, cannot be read back
// for sure: such text is refused with the JSON view to use instead.
namespace {

constexpr const char* k_use_json = "save 'jls --libxo json -n' instead, which keeps every value exact";

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// A parameter name as jls prints it: no quote, no '=', no blank.
bool key_char(char c) {
  return c != '"' && c != '\'' && c != '=' && c != '\n' && !blank(c);
}

}  // namespace

Result<ObservedState> parse_jls_n(const SourceFile& file) {
  ObservedState s;
  s.source = fmt::format("jls output {}", file.name());
  const std::string_view text = file.text();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t line_start = pos;
    json params = json::object();
    ObservedJail j;
    bool any = false;
    while (pos < text.size() && text[pos] != '\n') {
      while (pos < text.size() && blank(text[pos])) ++pos;
      if (pos >= text.size() || text[pos] == '\n') break;
      const std::size_t key_start = pos;
      while (pos < text.size() && key_char(text[pos])) ++pos;
      const std::string key(text.substr(key_start, pos - key_start));
      if (key.empty() && text[pos] == '=')
        return one_error(file, to_offset(pos), "expected a parameter name before '=' in jls output");
      if (key.empty())
        return one_error(file, to_offset(pos),
                         fmt::format("expected a parameter name in jls output, got '{}': a value with both "
                                     "quote characters is printed ambiguously; {}",
                                     text[pos], k_use_json));
      any = true;
      if (pos >= text.size() || text[pos] != '=') {
        // a boolean printed by name (true) or with its "no" form (false)
        const auto m = lookup_param(key);
        if (m && m->info->type == ParamType::boolean)
          params[m->canonical] = !m->negated;
        else
          params[key] = json::array();
        continue;
      }
      ++pos;  // '='
      std::string value;
      if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
        // quoted: the value may span lines (meta and env may hold line breaks)
        const char q = text[pos];
        const std::size_t close = text.find(q, pos + 1);
        if (close == std::string_view::npos)
          return one_error(file, to_offset(pos),
                           fmt::format("unterminated quoted value of '{}' in jls output", key));
        if (close + 1 < text.size() && !blank(text[close + 1]) && text[close + 1] != '\n')
          return one_error(file, to_offset(pos),
                           fmt::format("the quoted value of '{}' in jls output has both quote characters, "
                                       "which jls -n prints ambiguously; {}",
                                       key, k_use_json));
        value = std::string(text.substr(pos + 1, close - pos - 1));
        pos = close + 1;
      } else {
        std::size_t end = pos;
        while (end < text.size() && !blank(text[end]) && text[end] != '\n') ++end;
        value = std::string(text.substr(pos, end - pos));
        pos = end;
      }
      if (key == "jid") {
        j.jid = std::strtoll(value.c_str(), nullptr, 10);
      } else if (key == "name") {
        j.name = value;
      } else if (key == "dying") {
        j.dying = value == "true";
      } else {
        params[key] = value;
      }
    }
    ++pos;  // '\n'
    if (!any) continue;
    // jls -n prints `dying` as a boolean: `dying` or `nodying`
    if (const auto d = params.find("dying"); d != params.end()) {
      j.dying = *d == true;
      params.erase(d);
    }
    if (j.name.empty())
      return one_error(
          file, to_offset(line_start),
          fmt::format("jls line without 'name=': expected the output of 'jls -n' (or 'jls -nq'); "
                      "if a value has a line break (meta, env), {}",
                      k_use_json));
    if (auto err = json_util::spec_from_json(params, j.name, j.params); !err.empty())
      return one_error(file, to_offset(line_start), err);
    s.jails.push_back(std::move(j));
  }
  s.normalize();
  return s;
}

Result<ObservedState> parse_jls_json(const SourceFile& file) {
  Diagnostics diags;
  json_util::LibxoOffsets offsets;
  const auto doc = json_util::parse_libxo_json(file, diags, "state", &offsets);
  if (!doc) return diags;
  try {
    return jls_document(file, *doc, offsets);
  } catch (const json::exception& e) {
    return shape_error(file, fmt::format("jls output of an unexpected shape: {}", e.what()));
  }
}

Result<ObservedState> parse_snapshot(const SourceFile& file) {
  const std::string_view text = file.text();
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return parse_jls_n(file);  // jls prints nothing when no jail runs
  if (text[first] != '{') {
    if (text.substr(first, 3) == "JID")
      return one_error(file, to_offset(first), "this is jls's table view, which leaves out most parameters",
                       "state-format");
    return parse_jls_n(file);
  }
  // jls's JSON is libxo's, which strict parsers refuse for a tab in a
  // value; jailplan's own is strict JSON, a subset
  Diagnostics diags;
  json_util::LibxoOffsets offsets;
  const auto parsed = json_util::parse_libxo_json(file, diags, "state", &offsets);
  if (!parsed) return diags;
  const json& doc = *parsed;
  if (!doc.is_object()) return shape_error(file, "not a state snapshot: expected a JSON object");
  try {
    if (doc.contains("jail-information")) return jls_document(file, doc, offsets);
    const auto format = doc.find("format");
    if (format != doc.end() && *format == "jailplan-state") {
      // jailplan's own snapshots carry bytes that are not UTF-8 escaped;
      // jls's JSON carries them raw
      json own = doc;
      restore_json_bytes(own);
      return parse_own(file, own);
    }
  } catch (const json::exception& e) {
    // a member of another type than the format has (nlohmann's value()
    // and get() throw rather than answer)
    return shape_error(file, fmt::format("state snapshot of an unexpected shape: {}", e.what()));
  }
  return shape_error(file,
                     "not a state snapshot: expected jailplan's ('\"format\": \"jailplan-state\"') or "
                     "the output of 'jls --libxo json'");
}

std::string render_snapshot(const ObservedState& state) {
  json doc = json::object();
  doc["format"] = "jailplan-state";
  doc["version"] = k_state_format_version;
  json jails = json::array();
  for (const auto& j : state.jails) {
    json o = json::object();
    o["name"] = j.name;
    o["jid"] = j.jid;
    o["dying"] = j.dying;
    if (!j.faults.empty()) o["faults"] = j.faults;
    if (j.limits) o["limits"] = *j.limits;
    if (j.link_addresses) o["link_addresses"] = *j.link_addresses;
    o["params"] = json_util::spec_to_json(j.params);
    o["applied"] = j.applied ? json_util::record_to_json(*j.applied) : json(nullptr);
    jails.push_back(std::move(o));
  }
  doc["jails"] = std::move(jails);
  json stopped = json::object();
  for (const auto& [name, r] : state.stopped) stopped[name] = json_util::record_to_json(r);
  doc["stopped"] = std::move(stopped);
  json mounts = json::array();
  for (const auto& m : state.mounts)
    mounts.push_back({{"type", m.type}, {"source", m.source}, {"target", m.target}});
  doc["mounts"] = std::move(mounts);
  json addrs = json::array();
  for (const auto& a : state.addresses)
    addrs.push_back({{"interface", a.interface}, {"family", a.family}, {"address", a.address}});
  doc["addresses"] = std::move(addrs);
  if (!state.hostname.empty() || !state.host_id.empty())
    doc["host"] = {{"hostname", state.hostname}, {"host_id", state.host_id}};
  // only when set: snapshots of hosts without them stay as they were
  if (state.lists_mounts) doc["lists_mounts"] = true;
  if (state.lists_aliases) doc["lists_aliases"] = true;
  return dump_json(std::move(doc), 2) + "\n";
}

std::string render_record(const AppliedRecord& record) {
  return dump_json(json_util::record_to_json(record), 2) + "\n";
}

Result<AppliedRecord> parse_record(const SourceFile& file) {
  Diagnostics diags;
  const auto doc = json_util::parse_json(file, diags, "state");
  if (!doc) return diags;
  AppliedRecord r;
  if (auto err = json_util::record_from_json(*doc, "record", r); !err.empty()) return shape_error(file, err);
  return r;
}

}  // namespace jailplan
