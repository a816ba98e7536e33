// The control socket's command handler: the line protocol of tools/sipdns, answered from the
// runtime's state.
#include "daemon/commands.hpp"

#include <cstdio>
#include <sstream>

#include "rrl/limiter.hpp"

namespace sipdns::daemon {

std::vector<std::string> run_command(const std::string& line, control::runtime& runtime,
                                     control::pipeline& versions, const rrl::tally* rrl_totals) {
  std::istringstream in(line);
  std::string cmd, arg, flag, service;
  in >> cmd >> arg >> flag >> service;
  if (!flag.empty() && (flag != "--service" || service.empty()))
    return {"error: expected \"" + cmd + " HOST [--service SERVICE]\""};
  if (cmd == "status") {
    auto lines = runtime.status_lines();
    if (rrl_totals) lines.push_back(rrl::status_line(rrl_totals->read()));
    return lines;
  }
  if ((cmd == "drain" || cmd == "undrain") && !arg.empty()) {
    std::string reply = runtime.drain(arg, cmd == "drain", service);
    if (reply.starts_with("ok")) {
      std::fprintf(stderr, "sipdnsd: %s\n", reply.substr(4).c_str());
      versions.drains_changed();
    }
    return {reply};
  }
  if (cmd == "reload") {
    versions.reload();
    return {"ok: reload requested"};
  }
  return {"error: unknown command \"" + line +
          "\"; expected status, drain HOST [--service SERVICE], undrain HOST [--service "
          "SERVICE], reload"};
}

}  // namespace sipdns::daemon
