#include "gen_site.hpp"

#include <fmt/format.h>

namespace jailplan::bench {

Site generate_site(std::size_t jails) {
  Site s;
  s.included =
      "# shared defaults\n"
      "exec.start = \"/bin/sh /etc/rc\";\n"
      "exec.stop = \"/bin/sh /etc/rc.shutdown jail\";\n"
      "exec.clean;\n"
      "mount.devfs;\n"
      "devfs_ruleset = 4;\n"
      "allow.set_hostname = 0;\n";
  std::string& m = s.main;
  m.reserve(jails * 340);
  m += "$root = \"/usr/local/jails\";\n$domain = \"example.net\";\n";
  m += ".include \"common.conf\";\n";
  m += "path = \"$root/${name}\";\nhost.hostname = \"${name}.$domain\";\n";
  m += "exec.consolelog = \"/var/log/jail_${name}_console.log\";\n";
  m += "\"*\" { exec.poststart += \"logger started ${name}\"; }\n";
  for (std::size_t i = 0; i < jails; ++i) {
    const unsigned a = static_cast<unsigned>(i / 250), b = static_cast<unsigned>(i % 250 + 1);
    m += fmt::format(
        "j{0} {{\n"
        "    $n = {0};\n"
        "    ip4.addr = \"lo1|10.{1}.{2}.{3}/32\";\n"
        "    exec.prestart += \"/sbin/zfs clone tank/base@v1 tank/jails/j$n\";\n"
        "    exec.start += \"/usr/local/bin/app --id $n &\";\n"
        "    persist;\n"
        "    securelevel = 2;\n"
        "    {4}\n"
        "}}\n",
        i, a / 250, a % 250, b, i == 0 ? "children.max = 10;" : fmt::format("depend = j{};", i / 2));
  }
  return s;
}

}  // namespace jailplan::bench
