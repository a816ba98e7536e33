// The control socket's command handler: the line protocol of tools/sipdns, answered from the
// runtime's state.
#include "daemon/commands.hpp"

#include <cstdio>
#include <sstream>

#include "rrl/limiter.hpp"

namespace sipdns::daemon {

std::vector<std::string> run_command(const std::string& line, control::runtime& rt,
                                     net::reloader& rebuild) {
  std::istringstream in(line);
  std::string cmd, arg;
  in >> cmd >> arg;
  if (cmd == "status") {
    auto lines = rt.status_lines();
    if (std::string rrl = rrl::status_line(); !rrl.empty()) lines.push_back(rrl);
    return lines;
  }
  if ((cmd == "drain" || cmd == "undrain") && !arg.empty()) {
    std::string reply = rt.drain(arg, cmd == "drain");
    if (reply.starts_with("ok")) {
      std::fprintf(stderr, "sipdnsd: %s\n", reply.substr(4).c_str());
      rebuild.request();
    }
    return {reply};
  }
  if (cmd == "reload") {
    rt.request_reload();
    rebuild.request();
    return {"ok: reload requested"};
  }
  return {"error: unknown command \"" + line + "\"; expected status, drain HOST, undrain HOST, reload"};
}

}  // namespace sipdns::daemon
