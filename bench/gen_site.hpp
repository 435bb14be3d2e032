#pragma once
// Generates a realistic N-jail site: global defaults, a wildcard block,
// variables, += lists, an included file and hierarchical names.

#include <string>

namespace jailplan::bench {

struct Site {
  std::string main;      ///< the main file's text
  std::string included;  ///< the text of "common.conf", which main includes
};

Site generate_site(std::size_t jails);

}  // namespace jailplan::bench
