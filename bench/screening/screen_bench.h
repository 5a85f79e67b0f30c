// `qazna bench screen` / `bench_screen`: how fast the screening engine loads its lists and screens names
// (docs/screening.md, "Speed").
//
// Loads every list of a directory (scaled: also the ofac_sdn_2025-12_partial alias rows as alias-only entries and
// a synthetic list whose names recombine listed individuals' given names and surnames, which takes the corpus
// past 20,000 entities and 40,000 names), times the load (parse + index), then
// screens a fixed, seeded workload on one thread: the queries of eval_public.tsv when the directory has it,
// variants of listed names (tokens reordered, a middle name dropped, a typo, a variant romanisation) and
// synthetic Kazakh and Russian names that should not match. Every screening is timed for the latency
// percentiles; the total gives screenings per second. It also reports how often the variants found their entry
// and how often the synthetic names raised a hit, as a check on accuracy beyond the public set.
#pragma once

#include <cstdint>
#include <string>

namespace qz::bench {

struct ScreenBenchOptions {
  std::string lists_dir;          // required
  bool scaled = false;            // also load OFAC folders without a primary file as alias-only lists, and add
                                  // `synthetic` entries
  size_t synthetic = 10'000;      // with scaled: entries whose names recombine listed individuals' names
  uint64_t screenings = 200'000;  // timed screenings (the workload is cycled)
  uint64_t seed = 1;
  uint32_t threshold = 0;   // 0 = the screener's default
  size_t variants = 1'500;  // variants of listed names in the workload
  size_t negatives = 500;   // synthetic names in the workload
};

// Prints the report to stdout. Returns 0 on success, 2 when the lists cannot be loaded.
int run_screen_bench(const ScreenBenchOptions& options);

}  // namespace qz::bench
