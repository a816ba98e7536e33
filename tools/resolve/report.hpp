// What `sipdns resolve` prints: one resolution (the lookups, the ordered targets and the
// records behind each), or the distribution of first choices over --repeat runs; as text for
// people or as JSON for scripts.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "resolve/resolve.hpp"

namespace sipdns::resolve {

// How often one target came first over the runs, in how many runs it was listed at all, and
// where in the list on average (rotation and weights show as a mean position between ranks).
struct tally_row {
  std::string service;
  transport proto = transport::udp;
  std::string address;
  uint16_t port = 0;
  size_t first = 0, listed = 0;
  size_t position_sum = 0;  // 1-based position of its first listing, summed over the runs
  double mean_position() const { return listed ? double(position_sum) / double(listed) : 0; }
};

struct distribution {
  size_t runs = 0;
  size_t empty_runs = 0;  // runs that gave no target at all
  std::vector<tally_row> rows;  // after sort_rows: most often first, then by mean position
};

void add_run(distribution& d, const resolution& r);
void sort_rows(distribution& d);

struct report_context {
  std::string target_text;  // as the user wrote it
  uint64_t seed = 0;
};

void print_text(FILE* to, const report_context& ctx, const resolution& r);
void print_json(FILE* to, const report_context& ctx, const resolution& r);
void print_distribution_text(FILE* to, const report_context& ctx, const distribution& d);
void print_distribution_json(FILE* to, const report_context& ctx, const distribution& d);

}  // namespace sipdns::resolve
