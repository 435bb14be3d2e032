#include "planner/canon.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "compiler/typecheck.hpp"
#include "planner/sha256.hpp"

namespace jailplan {

namespace {

std::vector<std::string> typed_values(const TypedParam& p) {
  return std::visit(
      [&p](const auto& v) -> std::vector<std::string> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          return {v ? "true" : "false"};
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          return {std::to_string(v)};
        } else if constexpr (std::is_same_v<V, std::string>) {
          return {v};
        } else if constexpr (std::is_same_v<V, StringList>) {
          return *v.values;
        } else if constexpr (std::is_same_v<V, std::vector<IpEntry>>) {
          std::vector<std::string> out;
          out.reserve(v.size());
          for (const auto& e : v) out.push_back(e.raw);
          return out;
        } else {
          return p.raw();
        }
      },
      p.value);
}

// An address in the kernel's text form, and its bytes for ordering.
struct Addr {
  std::string text;
  std::array<unsigned char, 16> bytes{};
};

Addr normalize_address(std::string_view raw, bool v6) {
  IpEntry e;
  Addr a;
  if (!parse_ip_entry(raw, v6, e).empty()) {
    a.text = std::string(raw);
    return a;
  }
  const std::string bare = e.address;
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, bare.c_str(), a.bytes.data()) == 1 &&
      inet_ntop(v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf.data(), buf.size()) != nullptr)
    a.text = buf.data();
  else
    a.text = bare;
  return a;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> canon_scalar(const ParamInfo& info, const std::string& v) {
  switch (info.type) {
    case ParamType::boolean: {
      const auto b = parse_bool(v);
      if (!b) return std::nullopt;
      return std::string(*b ? "true" : "false");
    }
    case ParamType::integer:
    case ParamType::uinteger:
    case ParamType::ulong: {
      const auto n = parse_int(v);
      if (!n) return std::nullopt;
      return std::to_string(*n);
    }
    case ParamType::jailsys: {
      const std::string l = lower(v);
      if (l.empty() || l == "new" || l == "1") return std::string("new");
      if (l == "disable" || l == "0") return std::string("disable");
      if (l == "inherit" || l == "2") return std::string("inherit");
      return std::nullopt;
    }
    default: return v;
  }
}

}  // namespace

bool is_list_type(ParamType t) {
  return t == ParamType::list || t == ParamType::ip4_list || t == ParamType::ip6_list;
}

const CanonParam* find_param(const CanonSpec& spec, std::string_view name) {
  const auto it = std::lower_bound(spec.begin(), spec.end(), name,
                                   [](const CanonParam& p, std::string_view n) { return p.name < n; });
  return it != spec.end() && it->name == name ? &*it : nullptr;
}

CanonSpec canon_spec(const JailSpec& jail) {
  CanonSpec out;
  out.reserve(jail.params.size());
  for (const auto& p : jail.params) {
    if (std::holds_alternative<std::monostate>(p.value)) continue;
    out.push_back({p.name, typed_values(p)});
  }
  // jail(8) keeps one entry per name; sorting makes the digest independent
  // of the order in which wildcard and jail blocks were written
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::string spec_digest(const CanonSpec& spec) {
  Sha256 h;
  for (const auto& p : spec) {
    h.field(p.name);
    h.field(std::to_string(p.values.size()));
    for (const auto& v : p.values) h.field(v);
  }
  return h.hex_digest();
}

std::optional<std::vector<std::string>> canon_reported(const ParamInfo& info,
                                                       std::vector<std::string> values) {
  if (info.type == ParamType::ip4_list || info.type == ParamType::ip6_list) {
    std::vector<std::string> out;
    for (const auto& v : values) {
      std::string_view rest = v;
      if (rest.empty() || rest == "-") continue;
      while (true) {
        const auto comma = rest.find(',');
        if (!rest.substr(0, comma).empty()) out.emplace_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    return out;
  }
  if (info.type == ParamType::list) return values;
  if (values.empty()) {
    if (info.type == ParamType::boolean) return std::vector<std::string>{"true"};
    if (info.type == ParamType::jailsys) return std::vector<std::string>{"new"};
    return std::vector<std::string>{""};
  }
  auto v = canon_scalar(info, values.back());
  if (!v) return std::nullopt;
  return std::vector<std::string>{std::move(*v)};
}

std::vector<std::string> kernel_view(const ParamInfo& info, std::vector<std::string> values) {
  if (info.type == ParamType::ip4_list || info.type == ParamType::ip6_list) {
    const bool v6 = info.type == ParamType::ip6_list;
    std::vector<Addr> addrs;
    addrs.reserve(values.size());
    for (const auto& v : values) addrs.push_back(normalize_address(v, v6));
    // the kernel keeps the first (primary) address and sorts the others
    if (addrs.size() > 2)
      std::sort(addrs.begin() + 1, addrs.end(), [](const Addr& a, const Addr& b) {
        const int c = std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size());
        return c != 0 ? c < 0 : a.text < b.text;
      });
    std::vector<std::string> out;
    out.reserve(addrs.size());
    for (auto& a : addrs) out.push_back(std::move(a.text));
    return out;
  }
  if (info.type == ParamType::jailsys && (info.name == "ip4" || info.name == "ip6")) {
    // an address-restricted jail is always reported as disable (§3.2)
    for (auto& v : values)
      if (v == "new") v = "disable";
    return values;
  }
  if (info.type == ParamType::path) {
    for (auto& v : values)
      while (v.size() > 1 && v.back() == '/') v.pop_back();
  }
  return values;
}

bool compared_when_absent(const ParamInfo& info) {
  if (!in_kernel(info) || info.default_value.empty()) return false;
  if (info.mutability != Mutability::modifiable && info.mutability != Mutability::raise_only) return false;
  return info.type == ParamType::boolean || info.name == "enforce_statfs" || info.name == "children.max";
}

std::string display_value(const std::vector<std::string>& values, ParamType type) {
  const auto one = [type](const std::string& v) {
    if (type == ParamType::boolean || type == ParamType::integer || type == ParamType::uinteger ||
        type == ParamType::ulong || type == ParamType::jailsys)
      return v;
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    q += '"';
    return q;
  };
  if (!is_list_type(type)) return values.empty() ? std::string("\"\"") : one(values.back());
  if (values.empty()) return "[]";
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += one(values[i]);
  }
  out += " ]";
  return out;
}

}  // namespace jailplan
