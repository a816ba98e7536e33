// TOML -> zone model for one file. TOML itself accepts any key, so the schema (schema.hpp) is
// enforced here: unknown keys, types, ranges and names are all errors with the node's
// position. This file reads the file and its top level; each table has its own read_*.cpp.
#include "zone/reader.hpp"

#include <sys/stat.h>

#include <fstream>

#include "wire/prefetch.hpp"
#include "zone/fast_path.hpp"
#include "zone/index_table.hpp"
#include "zone/limits.hpp"
#include "zone/reader_impl.hpp"

namespace sipdns::zone::detail {

std::optional<zone> reader::read() {
  // Not a FIFO or a device: opening one could block a reload for ever, or never end.
  if (struct stat st{}; ::stat(file_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    report({file_, 0, 0}, severity::error, "not a regular file");
    return std::nullopt;
  }
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    report({file_, 0, 0}, severity::error, "cannot read file");
    return std::nullopt;
  }
  // One read into a string of the file's size (a stringstream would copy it twice).
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > std::streamoff(max_file_bytes)) {
    report({file_, 0, 0}, severity::error,
           "file is " + std::to_string(size) + " bytes, over the limit of " +
               std::to_string(max_file_bytes) + " bytes (" + std::to_string(max_file_bytes >> 20) +
               " MiB) for one zone file; split it");
    return std::nullopt;
  }
  std::string doc(size > 0 ? size_t(size) : 0, '\0');
  if (size < 0 || !in.read(doc.data(), std::streamsize(doc.size()))) {
    report({file_, 0, 0}, severity::error, "cannot read file");
    return std::nullopt;
  }
  auto parsed = parse_document(doc, at_file_, scan_from_, diags_);
  if (!parsed) return std::nullopt;
  if (parsed->scan) scan_ = &*parsed->scan;
  return read_root(parsed->root);
}

std::optional<zone> reader::read_root(const toml::table& root) {
  check_keys(root, top_schema);
  const toml::node* zt = root.get("zone");
  if (!zt) {
    report({file_, 1, 1}, severity::error, "missing [zone] table");
    return std::nullopt;
  }
  if (!zt->is_table()) {
    report(pos(*zt), severity::error, std::string("zone must be a table, not ") + type_text(*zt));
    return std::nullopt;
  }
  if (!read_zone(*zt->as_table())) return std::nullopt;
  if (const toml::node* cl = root.get("cluster")) {
    if (const toml::array* arr = cl->as_array(); arr && arr->is_array_of_tables()) {
      for (size_t i = 0; i < arr->size(); ++i) read_cluster(*(*arr)[i].as_table(), i + 1);
    } else {
      report(pos(*cl), severity::error,
             std::string("cluster must be an array of tables ([[cluster]]), not ") +
                 type_text(*cl));
    }
  }
  merge_duplicates();
  return std::move(zone_);
}

// Identical explicit records (same owner, type and rdata) count once.
void reader::merge_duplicates() {
  std::vector<record>& recs = zone_.records;
  index_table seen(recs.size());
  size_t kept = 0;
  auto hash_of = [&](size_t i) {
    const record& r = recs[i];
    uint64_t h = hash_bytes(r.rdata, hash_bytes(r.owner, r.type));
    seen.prefetch(h);
    return h;
  };
  wire::for_each_prefetched(recs.size(), hash_of, [&](size_t i, uint64_t h) {
    const record& r = recs[i];
    auto same = [&](uint32_t k) {
      return recs[k].type == r.type && recs[k].owner == r.owner && recs[k].rdata == r.rdata;
    };
    // Kept records are compacted to the front, so the index of the next one is `kept`.
    if (!seen.insert(h, uint32_t(kept), same).second) return;
    if (kept != i) recs[kept] = std::move(recs[i]);
    ++kept;
  });
  recs.resize(kept);
}

std::optional<zone> read_zone_file(const std::string& file, std::vector<diagnostic>& diags,
                                   size_t scan_from) {
  return reader(file, diags, scan_from).read();
}

}  // namespace sipdns::zone::detail
