#pragma once
/// The small init that is PID 1 of every Linux jail: jailplan re-executed
/// by the launcher (launch.hpp) in the jail's new namespaces.

#include <string>

namespace jailplan::linux_jail {

/// `jailplan __jail-init NAME SETUP_FD REPORT_FD`: PID 1 of a jail. It
/// reads its set-up (JSON) from SETUP_FD, makes the mounts, host name and
/// network, pivots into the path, drops the capabilities, and closes
/// REPORT_FD (or writes why it failed there). Then it reaps, forwards
/// SIGTERM, and ends when the jail has no process left and is not
/// persistent (SIGUSR1 drops persist, SIGUSR2 sets it). Never returns.
[[noreturn]] void init_main(const std::string& name, int setup, int report);

/// The name the init takes once the jail is made ("jail-init", its
/// /proc/PID/comm): until then nothing may enter the jail.
inline constexpr const char* k_ready_init_name = "jail-init";

struct Runtime;
/// Whether the recorded init has made its jail (its name says so).
bool init_ready(const Runtime& r);

}  // namespace jailplan::linux_jail
