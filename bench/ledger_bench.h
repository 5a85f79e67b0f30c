// `qazna bench ledger`: the ledger and journal benchmarks. Each prints the workload it measured next to the
// figures. Run at a tiny size in the test suite (so it never rots) and at full size by hand.
//
// Parts (docs/benchmarks.md describes each, with results):
//   in_memory  pre-generated random customer->customer transfers through Engine::apply in blocks of
//              block_commands; only apply is timed; median of `runs` runs, each on a fresh engine.
//   durable    init_data_dir + Node::open, then durable_submitters threads each submitting batches of
//              durable_batch_commands transfers until durable_commands are acknowledged (group commit).
//   replay     closes the durable node and reopens the directory; snapshots are disabled in the durable run,
//              so the open replays every block.
//   memory     heap and RSS growth per account, per live hold (with and without a timeout) and per remembered
//              request id, on a fresh engine.
// Every part checks what it did (invariants, state hashes equal across runs or across close/reopen, every
// event of an expected kind) and prints "check: ok" or "check: FAILED ..." beside its figures.
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

  // Extensions (defaults reproduce the figures in docs/benchmarks.md).
  uint32_t runs = 3;                     // in_memory: timed runs, each on a fresh engine; the median is reported
  uint32_t request_id_percent = 0;       // share of transfers (0-100) carrying a distinct non-zero request id
  uint32_t durable_batch_commands = 64;  // commands per Node::submit call in the durable run (1 = single)
  uint64_t state_hash_every_blocks = 1024; // NodeOptions::state_hash_every_blocks of the durable run (its default)
  uint64_t memory_accounts = 1'000'000;  // memory part: accounts opened
  uint64_t memory_holds = 1'000'000;     // memory part: live holds placed (and as many again with a timeout)
  uint64_t memory_requests = 1'000'000;  // memory part: transfers with a request id (idempotency table growth)
  bool keep_work_dir = false;            // keep the temp data directory (a given work_dir is always kept)
  bool smoke = false;                    // a smoke-size run (--tiny): figures are printed, targets not judged
};

// Runs the selected parts, prints figures to stdout; returns 0 on success, non-zero when a run failed
// (a check of state hashes or invariants after the run failed, or the journal failed).
//
// work_dir: when given, it IS the data directory. With `durable` it must not hold a journal yet (it is created
// and kept afterwards, so `qazna verify --data DIR` can check it). With `replay` but not `durable`, it must
// hold one: the replay part then measures opening that existing directory.
int run_ledger_bench(const LedgerBenchOptions& options);

}  // namespace qz::bench
