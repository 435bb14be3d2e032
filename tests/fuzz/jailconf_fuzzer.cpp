// libFuzzer entry: parse and compile arbitrary bytes as jail.conf. It must
// never crash, hang or trip a sanitizer. Includes resolve to nothing, so
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
