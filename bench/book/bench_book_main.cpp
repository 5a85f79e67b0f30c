// bench_book: a thin driver for qz::bench::run_book_bench (the same code a later `qazna bench book FILE` calls).
//
//   bench_book FILE                       FILE is an LBOPS1 stream or its .zst; median of 3 runs + latency pass
//   bench_book FILE --runs N --cpu C      N timed runs, pinned to CPU C
//   bench_book FILE --no-latency          skip the separate per-op latency pass
//   bench_book FILE --window N            ladder window of the book (power of two, 64 .. 262144)
//   bench_book FILE --expect T,Q,R        check trades T, traded qty Q, resting R (for non-public streams)
// Exit status: 0 all checks passed, 1 a check failed, 2 usage or file error.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "book_bench.h"
#include "bench/bench_util.h"

namespace {

using qz::bench::parse_u64;

constexpr char kUsage[] =
    "usage: bench_book FILE [--runs N] [--cpu C] [--no-latency] [--window N] [--expect TRADES,QTY,RESTING]\n";

}  // namespace

int main(int argc, char** argv) {
  qz::bench::BookBenchOptions options;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--no-latency") {
      options.latency = false;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!options.path.empty()) {
        std::fprintf(stderr, "bench_book: one FILE only\n%s", kUsage);
        return 2;
      }
      options.path = arg;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_book: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    const char* value = argv[++i];
    uint64_t number = 0;
    if (arg == "--expect") {
      uint64_t parts[3] = {0, 0, 0};
      const char* cursor = value;
      for (int p = 0; p < 3; p++) {
        char* end = nullptr;
        if (!parse_u64(cursor, &parts[p], &end) || (p < 2 ? *end != ',' : *end != '\0')) {
          std::fprintf(stderr, "bench_book: --expect wants TRADES,QTY,RESTING\n");
          return 2;
        }
        cursor = end + 1;
      }
      options.has_expected = true;
      options.expected = qz::bench::ReplayCounts{.trades = parts[0], .traded_qty = parts[1], .resting = parts[2],
                                                 .misses = 0};
      continue;
    }
    if (!parse_u64(value, &number) || number > UINT32_MAX) {
      std::fprintf(stderr, "bench_book: %s wants a non-negative integer, got '%s'\n", arg.c_str(), value);
      return 2;
    }
    if (arg == "--runs") {
      options.runs = static_cast<uint32_t>(number);
    } else if (arg == "--cpu") {
      options.cpu = static_cast<int>(number);
    } else if (arg == "--window") {
      if (number < 64 || number > (1u << 18) || (number & (number - 1)) != 0) {
        std::fprintf(stderr, "bench_book: --window must be a power of two in [64, 262144]\n");
        return 2;
      }
      options.window_levels = static_cast<uint32_t>(number);
    } else {
      std::fprintf(stderr, "bench_book: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (options.path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return qz::bench::run_book_bench(options);
}
