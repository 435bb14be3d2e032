// libFuzzer entry: parse and compile arbitrary bytes as jail.conf. It must
// never crash, hang or trip a sanitizer, and reading with and without a
// syntax tree must agree. Includes resolve to nothing, so
// the fuzzer never touches the file system.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/compile.hpp"
#include "compiler/jail_print.hpp"
#include "grammar/printer.hpp"

namespace {

class NoFiles final : public jailplan::SourceLoader {
 public:
  std::optional<std::string> read(const std::string&, std::string& error) override {
    error = "No such file or directory";
    return std::nullopt;
  }
  std::vector<std::string> glob(const std::string&) override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  NoFiles loader;
  std::string text(reinterpret_cast<const char*>(data), size);
  const jailplan::Compilation c = jailplan::compile_text("fuzz.conf", text, loader);
  std::string sink;
  for (const auto& j : c.resolution.jails) sink += jailplan::print_jail_e(j, "|");
  sink += jailplan::render(c.diagnostics);
  // reading without a syntax tree (validate, plan, apply) must see exactly
  // what the tree-building read sees
  const jailplan::Compilation lean =
      jailplan::compile_text("fuzz.conf", text, loader, jailplan::KeepSyntax::no);
  std::string lean_out;
  for (const auto& j : lean.resolution.jails) lean_out += jailplan::print_jail_e(j, "|");
  lean_out += jailplan::render(lean.diagnostics);
  if (lean_out != sink || lean.syntax_ok != c.syntax_ok) __builtin_trap();
  if (c.syntax_ok && c.loaded->root != nullptr) {
    // printing must round-trip whatever parsed
    sink += jailplan::print_conf(*c.loaded->root);
    sink += jailplan::print_yaml(*c.loaded->root);
  }
  // keep the work observable so the optimiser cannot drop it
  volatile std::size_t produced = sink.size();
  (void)produced;
  return 0;
}
