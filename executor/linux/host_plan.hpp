#pragma once
/// The Linux backend's plan-time checks against the observed host: an
/// address two owners would have (two jails, a jail and a jail running
/// from another configuration, a jail and the host itself, a jail and the
/// gateway another jail's link holds). Each address is routed to one
/// jail's link, so nothing may be shared (docs/linux-backend.md).

#include "base/diagnostic.hpp"
#include "compiler/model.hpp"
#include "executor/host_env.hpp"
#include "planner/observed.hpp"

namespace jailplan {

/// Located errors; `live`: the runtime directory of `env` says which jail
/// owns a link the host's addresses sit on.
Diagnostics linux_plan_checks(const HostEnv& env, const DesiredState& desired, const ObservedState& observed,
                              bool live);

}  // namespace jailplan
