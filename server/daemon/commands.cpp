// The control socket's command handler: the line protocol of tools/sipdns, answered from the
// runtime's state.
#include "daemon/commands.hpp"

#include <cstdio>
#include <sstream>

#include "log/log.hpp"

namespace sipdns::daemon {

std::vector<std::string> run_command(const std::string& line, control::runtime& runtime,
                                     control::pipeline& versions, const status_extras& extras) {
  std::istringstream in(line);
  std::string cmd, arg, flag, service;
  in >> cmd >> arg >> flag >> service;
  if (!flag.empty() && (flag != "--service" || service.empty()))
    return {"error: expected \"" + cmd + " HOST [--service SERVICE]\""};
  if (cmd == "status" && (arg.empty() || arg == "json" || arg == "text") && flag.empty()) {
    control::status s = runtime.status_now();
    if (extras) extras(s);
    if (arg == "json") return {control::status_json(s)};
    return control::status_lines(s);
  }
  if ((cmd == "drain" || cmd == "undrain") && !arg.empty()) {
    std::string reply = runtime.drain(arg, cmd == "drain", service);
    if (reply.starts_with("ok")) {
      log::info("drain")
          .kv("action", cmd)
          .kv("peer", arg)
          .kv("service", service.empty() ? "all" : service)
          .kv("msg", std::string_view(reply).substr(4))
          .write();
      versions.drains_changed();
    }
    return {reply};
  }
  if (cmd == "reload") {
    versions.reload();
    return {"ok: reload requested"};
  }
  return {"error: unknown command \"" + line +
          "\"; expected status [json], drain HOST [--service SERVICE], undrain HOST [--service "
          "SERVICE], reload"};
}

}  // namespace sipdns::daemon
