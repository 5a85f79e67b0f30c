// `qazna bench book FILE` / `bench_book FILE`: replays an LBOPS1 order-book stream (format and semantics in
// ../shared/bench/README.md) through qz::OrderBook, checks it, and prints how fast it went.
//
// Protocol (the README's): the warm-up records are applied untimed; the measured records are timed with one
// clock pair around the whole run; `runs` runs, each on a fresh book, and the median is reported. Trades (one
// per aggressor/resting pair), traded quantity (measured records only) and resting orders after the last
// record are checked against the README's table when the stream is one of the public ones (recognised by the
// SHA-256 of its decompressed bytes) or against expectations given in the options. Per-op latency
// (p50/p99/p99.9) comes from a SEPARATE pass on a fresh book, with rdtsc around every measured operation; it
// never slows the timed runs.
//
// The file may be the raw stream or its .zst (decompressed in memory when built with libzstd).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "market/book.h"

namespace qz::bench {

// One 32-byte LBOPS1 record, as stored (little endian).
struct LbopsRecord {
  uint8_t type;    // 0 new, 1 cancel, 2 replace
  uint8_t is_buy;  // new only
  uint8_t ioc;     // new only
  uint8_t pad;
  uint32_t id;
  uint64_t price;  // ticks; for replace the new price
  uint64_t qty;    // lots; new only
  uint8_t zero[8];
};
static_assert(sizeof(LbopsRecord) == 32);

struct LbopsStream {
  uint64_t n_ops = 0;
  uint64_t warmup = 0;
  uint64_t n_orders = 0;
  Hash256 file_sha256;           // of the decompressed bytes
  std::vector<LbopsRecord> records;
};

// Decodes and validates a whole stream (header, sizes, record fields, dense NEW ids, prices and quantities in
// the book's range). Fails with a message naming the first bad record.
Status parse_lbops(const std::vector<uint8_t>& bytes, LbopsStream* out);
// Reads FILE (decompressing a zstd frame when the bytes start with one) and parses it.
Status load_lbops(const std::string& path, LbopsStream* out);

// Counts fills (trades and lots); the only work the bench adds to the matching path.
class CountingSink final : public FillSink {
 public:
  void on_fill(const Fill& fill) override {
    trades++;
    traded_qty += static_cast<uint64_t>(fill.qty_lots);
  }
  uint64_t trades = 0;
  uint64_t traded_qty = 0;  // lots
};

struct ReplayCounts {
  uint64_t trades = 0;      // measured records only
  uint64_t traded_qty = 0;  // measured records only
  uint64_t resting = 0;     // after the last record
  uint64_t misses = 0;      // cancels / replaces of ids not resting (a correct engine on a valid stream: 0)
  friend bool operator==(const ReplayCounts&, const ReplayCounts&) = default;
};

// The book configuration the bench uses for a stream: ids and pool sized to the stream's order count.
BookConfig book_config_for(const LbopsStream& stream, uint32_t window_levels);
// Applies every record to `book` (fresh), untimed; returns the counts. For tests and checks.
ReplayCounts replay_lbops(const LbopsStream& stream, OrderBook* book);

// The public streams' checksums (README table), by SHA-256 of the decompressed file.
struct LbopsReference {
  const char* name;
  const char* sha256_hex;
  ReplayCounts counts;
};
const LbopsReference* find_lbops_reference(const Hash256& file_sha256);

struct BookBenchOptions {
  std::string path;
  uint32_t runs = 3;                 // timed runs, each on a fresh book; the median is reported
  bool latency = true;               // the separate per-op latency pass
  uint32_t window_levels = 1u << 16; // ladder window of the book
  int cpu = -1;                      // pin the process to this CPU (>= 0) before measuring
  bool has_expected = false;         // check against `expected` instead of (or for streams without) a reference
  ReplayCounts expected;
};

// Prints figures and checks to stdout. Returns 0 when every check passed, 1 when a check failed (counts
// differ from the reference, invariants broken, state hashes differ between runs), 2 when the file could not
// be read or parsed.
int run_book_bench(const BookBenchOptions& options);
inline int run_book_bench(const std::string& path, uint32_t runs) {
  BookBenchOptions options;
  options.path = path;
  options.runs = runs;
  return run_book_bench(options);
}

}  // namespace qz::bench
