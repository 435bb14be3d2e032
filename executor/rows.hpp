#pragma once
/// The rows of the registry, one per backend folder (registry.cpp lists
/// them). Only the registry includes this.

#include "executor/registry.hpp"

namespace jailplan {

const BackendRow& freebsd_backend_row();
#ifdef JAILPLAN_HAVE_LINUX_BACKEND
const BackendRow& linux_backend_row();
#endif

}  // namespace jailplan
