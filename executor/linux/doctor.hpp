#pragma once
/// What this Linux host offers the Linux backend (`jailplan doctor`): each
/// probe really tries the thing (in a throwaway child where it changes
/// anything), as the reference's design asks.

#include <string>
#include <vector>

#include "executor/registry.hpp"

namespace jailplan {

std::vector<HostCheck> linux_host_checks();

}  // namespace jailplan
