// sipdnsd's --config file: a TOML file whose keys are the flags without their dashes, read
// into the same settings the command line gives (internal header of options.cpp).
#pragma once
#include <string>
#include <vector>

#include "daemon/option_table.hpp"

namespace sipdns::daemon::detail {

// Appends one setting per value, in the file's order: a repeatable flag's array gives one per
// element, a switch set to false gives none. False with "FILE:LINE:COLUMN: ..." in `err` on a
// syntax error, an unknown or command-line-only key, or a value of the wrong TOML type; the
// flag's own handler judges the value later (options.cpp), so the file adds no second parser.
bool read_config_file(const std::string& path, std::vector<setting>& out, std::string& err);

}  // namespace sipdns::daemon::detail
