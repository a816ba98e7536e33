// Typed access to TOML values, checked against the schema (schema.hpp), and the wording the
// reader's messages share.
#include <algorithm>
#include <cassert>

#include "zone/names.hpp"
#include "zone/reader_impl.hpp"

namespace sipdns::zone::detail {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  return out.append(1, '"').append(s).append(1, '"');
}

const char* type_text(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string valid_services() {
  std::string out;
  for (size_t i = 0; i < service_count; ++i) {
    if (i) out += ", ";
    out += info(service(i)).key;
  }
  return out;
}

size_t reader::error_count() const {
  return size_t(std::count_if(diags_.begin(), diags_.end(),
                              [](const diagnostic& d) { return d.level == severity::error; }));
}

void reader::check_keys(const toml::table& t, const table_schema& schema) {
  for (auto&& [k, v] : t) {
    std::string_view key = k.str();  // named: clang 14 cannot capture a structured binding
    auto known = [key](const field& f) { return f.key == key; };
    if (std::any_of(schema.fields.begin(), schema.fields.end(), known)) continue;
    std::string msg = "unknown key " + quoted(k.str()) + " " + std::string(schema.where);
    std::string_view best;
    size_t best_distance = 3;  // suggest only near misses: typos, not different words
    for (const field& f : schema.fields) {
      size_t d = edit_distance(k.str(), f.key);
      if (d < best_distance) best = f.key, best_distance = d;
    }
    if (!best.empty()) msg += "; did you mean " + quoted(best) + "?";
    report(pos(k.source()), severity::error, std::move(msg));
  }
}

void reader::type_error(const scope& s, std::string_view key, const toml::node& n,
                        const char* want) {
  error(n, s.prefix + std::string(key) + " must be " + want + ", not " + type_text(n));
}

void reader::missing(const scope& s, const toml::node& table, std::string_view key) {
  error(table, "missing required key " + quoted(key) + " in " + s.label);
}

const toml::node* reader::string_node(const toml::table& t, const field& f, const scope& s) {
  assert(f.type == value_type::string);
  const toml::node* n = t.get(f.key);
  if (n && !n->is_string()) return type_error(s, f.key, *n, "a string"), nullptr;
  return n;
}

std::optional<int64_t> reader::integer_at(const toml::node* n, const field& f, const scope& s,
                                          const toml::node** at) {
  assert(f.type == value_type::integer);
  if (!n) return std::nullopt;
  if (!n->is_integer()) return type_error(s, f.key, *n, "an integer"), std::nullopt;
  int64_t v = n->as_integer()->get();
  if (v < f.lo || v > f.hi) {
    error(*n, s.prefix + std::string(f.key) + " " + std::to_string(v) + " out of range " +
                  std::to_string(f.lo) + ".." + std::to_string(f.hi));
    return std::nullopt;
  }
  if (at) *at = n;
  return v;
}

std::optional<bool> reader::boolean(const toml::table& t, const field& f, const scope& s,
                                    const toml::node** at) {
  assert(f.type == value_type::boolean);
  const toml::node* n = t.get(f.key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) return type_error(s, f.key, *n, "a boolean"), std::nullopt;
  *at = n;
  return n->as_boolean()->get();
}

// The array under the key if every element is a string; reports otherwise.
const toml::array* reader::string_array(const toml::table& t, const field& f, const scope& s) {
  assert(f.type == value_type::string_array);
  const toml::node* n = t.get(f.key);
  if (!n) return nullptr;
  const toml::array* arr = n->as_array();
  if (!arr) return type_error(s, f.key, *n, "an array of strings"), nullptr;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    if ((*arr)[i].is_string()) continue;
    type_error(s, std::string(f.key) + "[" + std::to_string(i) + "]", (*arr)[i], "a string");
    ok = false;
  }
  return ok ? arr : nullptr;
}

// `lint_ignore = ["SD105"]`: rule ids have one shape, so a typo is an error here; whether the
// id names a rule is for `sipdns check` to say (the server does not know the rule list).
std::vector<lint_waiver> reader::lint_ignore(const toml::table& t, const table_schema& ts,
                                             const scope& s) {
  std::vector<lint_waiver> out;
  const toml::array* arr = string_array(t, ts["lint_ignore"], s);
  if (!arr) return out;
  for (const auto& e : *arr) {
    const std::string& id = e.as_string()->get();
    bool shape = id.size() == 5 && id.starts_with("SD") &&
                 std::all_of(id.begin() + 2, id.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!shape)
      error(e, s.prefix + "lint_ignore: " + quoted(id) + " is not a rule id (SD and three digits, "
                              "as `sipdns check` prints them)");
    else
      out.push_back({id, pos(e)});
  }
  return out;
}

// A name value relative to the origin; reports and returns empty on error.
wire::name reader::name_value(const toml::node& n, std::string_view what, const scope& s,
                              bool host_like) {
  const std::string& text = n.as_string()->get();
  name_result r = parse_name(text, zone_.origin, host_like);
  if (!r.error.empty()) error(n, s.prefix + std::string(what) + " " + quoted(text) + ": " + r.error);
  return r.name;
}

bool reader::inside_zone(const toml::node& n, const wire::name& name, std::string_view what,
                         const scope& s) {
  if (wire::name_is_below_or_at(name, zone_.origin)) return true;
  error(n, s.prefix + std::string(what) + " " + quoted(wire::name_to_text(name)) +
               " is outside zone " + quoted(wire::name_to_text(zone_.origin)));
  return false;
}

}  // namespace sipdns::zone::detail
