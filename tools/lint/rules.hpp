// The lint rules of `sipdns check`: one table of ids, severities, fix hints and sources, so
// that the text output, the JSON output, lint_ignore and the README all speak of one list.
#pragma once
#include <span>
#include <string_view>

namespace sipdns::lint {

enum class level { error, warning, info };
const char* to_text(level l);  // "error", "warning", "info"

struct rule {
  const char* id;         // "SD101": what lint_ignore and --format json name
  const char* name;       // "cluster-unequal-weight"
  level severity;
  const char* hint;       // one line: how to fix it
  const char* reference;  // where the advice comes from
};

// Every rule, ordered by id. SD000 stands for the loader's own diagnostics (syntax, types,
// ranges, names...), which have no rule of their own.
std::span<const rule> rules();
// nullptr when `id` names no rule.
const rule* find_rule(std::string_view id);

}  // namespace sipdns::lint
