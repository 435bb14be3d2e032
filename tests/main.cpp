#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "executor/linux_jail.hpp"

int main(int argc, char** argv) {
  // the Linux backend tests launch jails whose init is this very binary
  if (auto rc = jailplan::linux_jail::hidden_entry(argc, argv)) return *rc;
  return doctest::Context(argc, argv).run();
}
