#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

#include "executor/linux/entry.hpp"

int main(int argc, char** argv) {
  // the Linux backend tests launch jails whose init is this very binary;
  // _Exit: no exit-time work (leak checks) inside a jail's namespaces
  if (auto rc = jailplan::linux_jail::hidden_entry(argc, argv)) std::_Exit(*rc);
  return doctest::Context(argc, argv).run();
}
