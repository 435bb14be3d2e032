#include "planner/canon.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "base/visible.hpp"
#include "compiler/typecheck.hpp"
#include "planner/sha256.hpp"

namespace jailplan {

namespace {

// An address in the kernel's text form (inet_ntop of inet_pton), in place;
// `bytes` receives the binary form for ordering.
void normalize_address(std::string& text, bool v6, std::array<unsigned char, 16>& bytes) {
  if (text.find_first_of("|/ ") != std::string::npos) {  // a full entry: keep the address only
    IpEntry e;
    if (parse_ip_entry(text, v6, e).empty()) text = std::string(e.address);  // a view of `text`
  }
  std::array<char, INET6_ADDRSTRLEN> buf{};
  bytes.fill(0);
  if (inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), bytes.data()) == 1 &&
      inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf.data(), buf.size()) != nullptr)
    text.assign(buf.data());
}

void normalize_addresses(std::vector<std::string>& values, bool v6) {
  std::array<unsigned char, 16> bytes{};
  if (values.size() <= 2) {  // nothing to sort: the kernel keeps the first in place
    for (auto& v : values) normalize_address(v, v6, bytes);
    return;
  }
  std::vector<std::pair<std::array<unsigned char, 16>, std::string>> rest;
  normalize_address(values[0], v6, bytes);
  for (std::size_t i = 1; i < values.size(); ++i) {
    normalize_address(values[i], v6, bytes);
    rest.emplace_back(bytes, std::move(values[i]));
  }
  std::sort(rest.begin(), rest.end());
  for (std::size_t i = 1; i < values.size(); ++i) values[i] = std::move(rest[i - 1].second);
}

void assign(std::vector<std::string>& out, std::size_t n) {
  if (out.size() != n) out.resize(n);
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
      const auto word = parse_jailsys(v);
      if (!word) return std::nullopt;
      return std::string(*word);
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

void put_param(CanonSpec& spec, CanonParam param) {
  const auto it = std::lower_bound(spec.begin(), spec.end(), std::string_view(param.name),
                                   [](const CanonParam& p, std::string_view n) { return p.name < n; });
  if (it != spec.end() && it->name == param.name)
    it->values = std::move(param.values);
  else
    spec.insert(it, std::move(param));
}

namespace {
std::string_view jailsys_word(const TypedParam& p) {
  return std::get<std::string_view>(p.value);
}
}  // namespace

void typed_values_into(const TypedParam& p, std::vector<std::string>& out) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          assign(out, 1);
          out[0].assign(v ? "true" : "false");
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          assign(out, 1);
          out[0] = std::to_string(v);
        } else if constexpr (std::is_same_v<V, std::string>) {
          assign(out, 1);
          out[0].assign(v);
        } else if constexpr (std::is_same_v<V, StringList>) {
          assign(out, v.values.size());
          for (std::size_t i = 0; i < out.size(); ++i) out[i].assign(v.values[i]);
        } else if constexpr (std::is_same_v<V, IpList>) {
          const auto& l = *v.entries;
          assign(out, l.size());
          for (std::size_t i = 0; i < out.size(); ++i) out[i].assign(l[i].raw);
        } else if (std::is_same_v<V, std::string_view> && p.info->type == ParamType::jailsys) {
          // the canonical word: a bare `vnet;` or `vnet = 1;` is "new", as
          // libjail sends it and the kernel reports it
          assign(out, 1);
          out[0].assign(jailsys_word(p));
        } else {
          const auto raw = p.raw();
          assign(out, raw.size());
          for (std::size_t i = 0; i < out.size(); ++i) out[i].assign(raw[i]);
        }
      },
      p.value);
}

bool typed_equals(const TypedParam& p, const std::vector<std::string>& values) {
  return std::visit(
      [&](const auto& v) -> bool {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          return values.size() == 1 && values[0] == (v ? "true" : "false");
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          std::array<char, 24> buf{};
          const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
          return values.size() == 1 &&
                 values[0] == std::string_view(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
        } else if constexpr (std::is_same_v<V, std::string>) {
          return values.size() == 1 && values[0] == v;
        } else if constexpr (std::is_same_v<V, StringList>) {
          return std::ranges::equal(v.values, values);
        } else if constexpr (std::is_same_v<V, IpList>) {
          const auto& l = *v.entries;
          if (l.size() != values.size()) return false;
          for (std::size_t i = 0; i < l.size(); ++i)
            if (l[i].raw != values[i]) return false;
          return true;
        } else if (std::is_same_v<V, std::string_view> && p.info->type == ParamType::jailsys) {
          return values.size() == 1 && values[0] == jailsys_word(p);
        } else {
          return std::ranges::equal(p.raw(), values);
        }
      },
      p.value);
}

void kernel_values_into(const TypedParam& p, std::vector<std::string>& out) {
  if (const auto* ips = std::get_if<IpList>(&p.value)) {
    const auto* addrs = ips->entries;
    assign(out, addrs->size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i].assign((*addrs)[i].address);
    normalize_addresses(out, p.info->type == ParamType::ip6_list);
    return;
  }
  typed_values_into(p, out);
  to_kernel_form(*p.info, out);
}

CanonSpec canon_spec(const JailSpec& jail) {
  CanonSpec out;
  out.reserve(jail.params.size());
  for (const auto& p : jail.params) {
    if (std::holds_alternative<std::monostate>(p.value)) continue;
    out.push_back({std::string(p.name()), {}});
    typed_values_into(p, out.back().values);
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

void to_kernel_form(const ParamInfo& info, std::vector<std::string>& values) {
  if (info.type == ParamType::ip4_list || info.type == ParamType::ip6_list) {
    normalize_addresses(values, info.type == ParamType::ip6_list);
  } else if (info.type == ParamType::jailsys && (info.name == "ip4" || info.name == "ip6")) {
    // an address-restricted jail is always reported as disable (§3.2)
    for (auto& v : values)
      if (v == "new") v = "disable";
  } else if (info.type == ParamType::path) {
    for (auto& v : values)
      while (v.size() > 1 && v.back() == '/') v.pop_back();
  }
}

std::vector<std::string> kernel_view(const ParamInfo& info, std::vector<std::string> values) {
  to_kernel_form(info, values);
  return values;
}

bool compared_when_absent(const ParamInfo& info) {
  if (!in_kernel(info) || info.default_value.empty()) return false;
  if (info.mutability != Mutability::modifiable && info.mutability != Mutability::raise_only) return false;
  return info.type == ParamType::boolean || info.name == "enforce_statfs" || info.name == "children.max";
}

std::string double_quoted(std::string_view v) {
  std::string q;
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  // backslashes are doubled first, so `\x1b` below can only be an escape
  return "\"" + visible(q) + '"';
}

std::string display_value(const std::vector<std::string>& values, ParamType type) {
  const auto one = [type](const std::string& v) {
    if (type == ParamType::boolean || type == ParamType::integer || type == ParamType::uinteger ||
        type == ParamType::ulong || type == ParamType::jailsys)
      return v;
    return double_quoted(v);
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
