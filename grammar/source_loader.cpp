#include "grammar/source_loader.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "grammar/jailconf_parser.hpp"
#include "grammar/yaml_parser.hpp"

namespace jailplan {

namespace {

std::string too_large(std::size_t max_bytes) {
  return fmt::format("larger than {} bytes", max_bytes);
}

// Reads an open file to its end into a buffer of its size (a stream
// iterator grows the string by doubling, which left a 2.3 MB site holding
// 4 MB), at most `max_bytes`; closes it either way.
std::optional<std::string> read_all(int fd, std::size_t size_hint, std::size_t max_bytes,
                                    std::string& error) {
  const auto fail = [fd, &error](std::string why) -> std::optional<std::string> {
    ::close(fd);
    error = std::move(why);
    return std::nullopt;
  };
  std::string text;
  text.reserve(size_hint);
  char chunk[65536];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::strerror(errno));
    }
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) return fail(too_large(max_bytes));  // it grew while read
  }
  ::close(fd);
  return text;
}

}  // namespace

std::optional<std::string> FileSystemLoader::read(const std::string& path, std::string& error) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  return read_all(fd, regular ? static_cast<std::size_t>(st.st_size) : 0, SIZE_MAX, error);
}

std::optional<std::string> SourceLoader::read_regular(const std::string& path, std::size_t max_bytes,
                                                      std::string& error) {
  auto text = read(path, error);
  if (text && text->size() > max_bytes) {
    error = too_large(max_bytes);
    return std::nullopt;
  }
  return text;
}

std::string FileSystemLoader::canonical(const std::string& path) {
  std::error_code ec;
  auto resolved = std::filesystem::canonical(path, ec);
  if (ec) resolved = std::filesystem::absolute(path, ec).lexically_normal();
  return resolved.string();
}

std::optional<std::string> FileSystemLoader::read_regular(const std::string& path, std::size_t max_bytes,
                                                          std::string& error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is
  // checked on what was opened, so a file swapped in between does not count
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::string why;
  if (::fstat(fd, &st) != 0)
    why = std::strerror(errno);
  else if (!S_ISREG(st.st_mode))
    why = "not a regular file";
  else if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    why = too_large(max_bytes);
  if (!why.empty()) {
    ::close(fd);
    error = std::move(why);
    return std::nullopt;
  }
  return read_all(fd, static_cast<std::size_t>(st.st_size), max_bytes, error);
}

std::vector<std::string> FileSystemLoader::glob(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

bool is_yaml_name(const std::string& path) {
  auto ends = [&](std::string_view suf) {
    return path.size() >= suf.size() && path.compare(path.size() - suf.size(), suf.size(), suf) == 0;
  };
  return ends(".yaml") || ends(".yml");
}

bool has_glob_magic(const std::string& name) {
  return name.find_first_of("*?[") != std::string::npos;
}

std::string resolve_include_name(const std::string& including, const std::string& name) {
  if (name.empty() || name[0] == '/') return name;
  const auto slash = including.rfind('/');
  if (including == "-" || slash == std::string::npos) return name;
  return including.substr(0, slash + 1) + name;
}

namespace {

// The files one `.include` word names, read in jail(8)'s order; errors
// (depth, unreadable files) are reported at the word.
template <typename Read>
void for_each_included(Diagnostics& diags, SourceLoader& src, std::size_t depth, const ast::Word& w,
                       const std::string& including, Read&& read) {
  const std::string name = resolve_include_name(including, w.literal_text());
  if (depth >= static_cast<std::size_t>(k_max_include_depth)) {
    diags.error(w.location, "maximum include depth exceeded", "include").detail = fmt::format(
        "jail(8) allows {} nested levels of '.include'; is there an include loop?", k_max_include_depth);
    return;
  }
  std::vector<std::string> names;
  if (has_glob_magic(name)) {
    names = src.glob(name);  // zero matches is fine: "include if present"
  } else {
    names.push_back(name);
  }
  for (const auto& n : names) {
    std::string err;
    auto text = src.read(n, err);
    if (!text) {
      diags.error(w.location, fmt::format("cannot read included file '{}': {}", n, err), "include");
      continue;
    }
    read(n, std::move(*text));
  }
}

class Loader {
 public:
  Loader(LoadedConfig& cfg, SourceLoader& src) : m_cfg(cfg), m_src(src) {}

  const ast::Document* parse(const std::string& name, std::string text) {
    const SourceFile& file = m_cfg.sources.add(name == "-" ? "STDIN" : name, std::move(text));
    m_cfg.documents.push_back(is_yaml_name(name) ? parse_yaml_config(file, m_cfg.diagnostics)
                                                 : parse_jailconf(file, m_cfg.diagnostics));
    ast::Document& doc = m_cfg.documents.back();
    if (doc.may_include) {
      m_stack.push_back(name);
      resolve(doc.body, name);
      m_stack.pop_back();
    }
    return &doc;
  }

 private:
  void resolve(std::vector<ast::Statement>& body, const std::string& including) {
    for (auto& s : body) {
      if (auto* b = std::get_if<ast::Block>(&s.node)) {
        resolve(b->body, including);
      } else if (auto* inc = std::get_if<ast::Include>(&s.node)) {
        for (const auto& w : inc->directive.values) include(*inc, w, including);
      }
    }
  }

  void include(ast::Include& inc, const ast::Word& w, const std::string& including) {
    for_each_included(
        m_cfg.diagnostics, m_src, m_stack.size(), w, including,
        [&](const std::string& n, std::string text) { inc.targets.push_back(parse(n, std::move(text))); });
  }

  LoadedConfig& m_cfg;
  SourceLoader& m_src;
  std::vector<std::string> m_stack;
};

// Reads files into a sink, an included file's statements at the place of
// its `.include`, as jail(8) does.
class SinkLoader final : public ast::StatementSink {
 public:
  SinkLoader(LoadedConfig& cfg, SourceLoader& src, ast::StatementSink& out)
      : m_cfg(cfg), m_src(src), m_out(out) {}

  // The diagnostics come out in the tree loader's order, which reads a
  // whole file before its includes: a file's own syntax errors first,
  // then what its includes report, depth first.
  void read(const std::string& name, std::string text) {
    const SourceFile& file = m_cfg.sources.add(name == "-" ? "STDIN" : name, std::move(text));
    Diagnostics own, included;
    m_stack.push_back({name, &included});
    if (is_yaml_name(name)) {
      m_cfg.documents.push_back(parse_yaml_config(file, own));
      ast::feed(m_cfg.documents.back().body, *this);
    } else {
      parse_jailconf(file, own, *this);
    }
    m_stack.pop_back();
    Diagnostics& out = m_stack.empty() ? m_cfg.diagnostics : *m_stack.back().included;
    out.append(own);
    out.append(included);
  }

  Arena& store() override { return m_out.store(); }
  void param(const ast::FlatParam& p) override { m_out.param(p); }
  void open_block(std::string_view name, Location at) override { m_out.open_block(name, at); }
  void close_block() override { m_out.close_block(); }
  void include(const ast::Include& inc) override {
    // the stack holds the including file while its statements are read
    const Reading including = m_stack.back();
    for (const auto& w : inc.directive.values)
      for_each_included(*including.included, m_src, m_stack.size(), w, including.name,
                        [&](const std::string& n, std::string text) { read(n, std::move(text)); });
  }

 private:
  struct Reading {
    std::string name;
    Diagnostics* included;  // what its includes report
  };
  LoadedConfig& m_cfg;
  SourceLoader& m_src;
  ast::StatementSink& m_out;
  std::vector<Reading> m_stack;
};

// Reads the top file of a configuration and hands its text on, or
// reports why it cannot be read.
template <typename FromText>
std::unique_ptr<LoadedConfig> read_top(const std::string& path, SourceLoader& loader, FromText&& from_text) {
  std::string err;
  auto text = loader.read(path, err);
  if (!text) {
    auto cfg = std::make_unique<LoadedConfig>();
    cfg->diagnostics.error({}, fmt::format("cannot read '{}': {}", path, err), "io");
    return cfg;
  }
  return from_text(std::move(*text));
}

}  // namespace

std::unique_ptr<LoadedConfig> read_config_text(const std::string& name, std::string text,
                                               SourceLoader& loader, ast::StatementSink& sink) {
  auto cfg = std::make_unique<LoadedConfig>();
  SinkLoader(*cfg, loader, sink).read(name, std::move(text));
  return cfg;
}

std::unique_ptr<LoadedConfig> read_config(const std::string& path, SourceLoader& loader,
                                          ast::StatementSink& sink) {
  return read_top(path, loader,
                  [&](std::string text) { return read_config_text(path, std::move(text), loader, sink); });
}

std::unique_ptr<LoadedConfig> load_config_text(const std::string& name, std::string text,
                                               SourceLoader& loader) {
  auto cfg = std::make_unique<LoadedConfig>();
  Loader l(*cfg, loader);
  cfg->root = l.parse(name, std::move(text));
  return cfg;
}

std::unique_ptr<LoadedConfig> load_config(const std::string& path, SourceLoader& loader) {
  return read_top(path, loader,
                  [&](std::string text) { return load_config_text(path, std::move(text), loader); });
}

}  // namespace jailplan
