// `qazna bench ledger`: the ledger and journal benchmarks. Each prints the workload it measured next to the
// figures. Run at a tiny size in the test suite (so it never rots) and at full size by hand.
#pragma once

#include <cstdint>
#include <string>

namespace qz::bench {

struct LedgerBenchOptions {
  uint64_t accounts = 100'000;          // customer accounts, one asset
  uint64_t transfers = 20'000'000;      // commands in the in-memory run
  uint32_t block_commands = 8'192;      // commands per block
  uint64_t durable_commands = 10'000'000;  // commands through Node::submit with group commit
  uint32_t durable_submitters = 64;     // submitting threads in the durable run
  uint64_t seed = 1;
  std::string work_dir;                 // where the durable run makes its data directory ("" = a temp dir)
  bool in_memory = true;                // which parts to run
  bool durable = true;
  bool replay = true;
  bool memory = true;
};

// Runs the selected parts, prints figures to stdout; returns 0 on success, non-zero when a run failed
// (a check of state hashes or invariants after the run failed, or the journal failed).
int run_ledger_bench(const LedgerBenchOptions& options);

}  // namespace qz::bench
