// `plan --script`: the plan as the POSIX sh script a FreeBSD host without
// jailplan can run, made by the dry FreeBSD backend so its commands are
// exactly apply's.
#include "executor/freebsd/script.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "executor/command_runner.hpp"
#include "executor/freebsd/backend.hpp"
#include "executor/freebsd/commands.hpp"

namespace jailplan {

std::string render_script(const Plan& plan, const std::string& file, const std::string& source,
                          std::optional<std::string> term) {
  std::string out = fmt::format(
      "#!/bin/sh\n"
      "# The commands 'jailplan apply {}' would run on a FreeBSD host, in order,\n"
      "# planned against {}. Run it as root on that host.\n"
      "# It stops at the first failure; unlike apply it does not roll back a\n"
      "# half-made jail, and it keeps no applied records.\n"
      "set -eu\n",
      file, source);
  RecordingRunner recorder;
  FreeBsdBackend dry(recorder, true, std::move(term));
  const auto phase_steps = [&](Phase phase, bool reverse) {
    std::vector<const JailChange*> order;
    for (const auto& j : plan.jails) order.push_back(&j);
    if (reverse) std::reverse(order.begin(), order.end());
    for (const JailChange* j : order) {
      bool header = false;
      const std::size_t start = out.size();
      for (const auto& s : j->steps) {
        if (s.phase != phase) continue;
        if (!header) {
          out += fmt::format("\n# {} ({})\n", headline(*j), to_string(phase));
          header = true;
        }
        if (s.kind == StepKind::record || s.kind == StepKind::forget) continue;
        if (s.kind == StepKind::term) {
          const std::string jid = j->jid ? std::to_string(*j->jid) : j->name;
          out += fmt::format("/bin/pkill -TERM -j {} || true\n", jid);
          out += fmt::format(
              "n=0; while /bin/pgrep -j {} >/dev/null && [ $n -lt {} ]; do sleep 1; n=$((n+1)); done\n", jid,
              s.args.at(0));
          continue;
        }
        const std::size_t before = recorder.commands().size();
        dry.run(*j, s);
        for (std::size_t i = before; i < recorder.commands().size(); ++i) {
          const Command& c = recorder.commands()[i];
          std::string line = format_argv(c.argv);
          // the jid of a jail this script creates is the one jls gave
          for (auto e = c.extra_env.rbegin(); e != c.extra_env.rend(); ++e)
            line = (*e == k_script_jid_env ? std::string("JID=\"$jid\"") : format_argv({*e})) + " " + line;
          if (c.env) line = "env -i " + format_argv(*c.env) + " " + line;
          if (!c.cwd.empty()) line = fmt::format("(cd {} && {})", format_argv({c.cwd}), line);
          // as exec.system_user: su keeps the environment set above (-m)
          if (!c.user.empty())
            line = fmt::format("/usr/bin/su -m {} -c {}", format_argv({c.user}), format_argv({line}));
          // what apply itself does not count as failing
          if (s.kind == StepKind::limits && c.argv.size() > 1 && c.argv[1] == "-r") line += " || true";
          if (c.argv.at(0) == k_pkill) line += " || true";
          // as apply: a jail that ended with its last process is removed
          if (s.kind == StepKind::remove && c.argv.at(0) == k_jail && j->jid)
            line += fmt::format(" || ! /usr/sbin/jls -j {} jid >/dev/null 2>&1", *j->jid);
          out += line + "\n";
        }
        if (s.kind == StepKind::create)
          // exported: hooks run through su read it in a shell of their own
          out += fmt::format("jid=$(/usr/sbin/jls -j {} jid)\nexport jid\n", format_argv({j->name}));
      }
      if (header && out.back() == '\n' && out.rfind('\n', out.size() - 2) < start + 1)
        out += "# nothing to run here: only jailplan's record changes\n";
    }
  };
  phase_steps(Phase::stop, true);
  phase_steps(Phase::update, false);
  phase_steps(Phase::start, false);
  return out;
}

}  // namespace jailplan
