// bench_orders: a thin driver for qz::bench::run_orders_bench (the same code a later `qazna bench orders FILE`
// calls).
//
//   bench_orders FILE                  FILE is an LBOPS1 stream or its .zst; median of 3 runs
//   bench_orders FILE --tiny           the first 20,000 records only (a smoke run for CI)
//   bench_orders FILE --records N      the first N records only (warm-up: at most half)
//   bench_orders FILE --runs N --cpu C N timed runs, pinned to CPU C
//   bench_orders FILE --block N        commands per block (default 10,000)
//   bench_orders FILE --traders K      owners of the orders (default 1,000)
//   bench_orders FILE --request-ids    every command carries a distinct request id (client order id)
//   bench_orders FILE --window N       ladder window of the market's book (power of two, 64 .. 262144)
//   bench_orders FILE --rules-version V  the engine's rules version (1 or 2; see kEngineRulesVersion)
// Exit status: 0 all checks passed, 1 a check failed, 2 usage or file error.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/engine.h"
#include "orders_bench.h"
#include "bench/bench_util.h"

namespace {

using qz::bench::parse_u64;

constexpr char kUsage[] =
    "usage: bench_orders FILE [--runs N] [--block N] [--traders K] [--records N | --tiny] [--request-ids]"
    " [--window N] [--rules-version V] [--cpu C]\n";

}  // namespace

int main(int argc, char** argv) {
  qz::bench::OrdersBenchOptions options;
  bool tiny = false;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--tiny") {
      tiny = true;
      continue;
    }
    if (arg == "--request-ids") {
      options.request_ids = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!options.path.empty()) {
        std::fprintf(stderr, "bench_orders: one FILE only\n%s", kUsage);
        return 2;
      }
      options.path = arg;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_orders: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    const char* value = argv[++i];
    uint64_t number = 0;
    if (!parse_u64(value, &number)) {
      std::fprintf(stderr, "bench_orders: %s wants a non-negative integer, got '%s'\n", arg.c_str(), value);
      return 2;
    }
    const bool fits_u32 = number >= 1 && number <= UINT32_MAX;
    if (arg == "--records") {
      options.max_records = number;
    } else if (arg == "--runs" && fits_u32 && number <= 1000) {
      options.runs = static_cast<uint32_t>(number);
    } else if (arg == "--block" && fits_u32 && number <= 10'000'000) {
      options.block_commands = static_cast<uint32_t>(number);
    } else if (arg == "--traders" && fits_u32 && number <= 10'000'000) {
      options.traders = static_cast<uint32_t>(number);
    } else if (arg == "--rules-version" && number >= 1 && number <= qz::kEngineRulesVersion) {
      options.rules_version = static_cast<uint32_t>(number);
    } else if (arg == "--cpu" && number <= 4096) {
      options.cpu = static_cast<int>(number);
    } else if (arg == "--window" && number >= 64 && number <= (1u << 18) && (number & (number - 1)) == 0) {
      options.window_levels = static_cast<uint32_t>(number);
    } else {
      std::fprintf(stderr, "bench_orders: bad option or value: %s %s\n%s", arg.c_str(), value, kUsage);
      return 2;
    }
  }
  if (options.path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (tiny && options.max_records == 0) options.max_records = qz::bench::kTinyRecords;
  return qz::bench::run_orders_bench(options);
}
