// bench_screen: a thin driver for qz::bench::run_screen_bench (the same code `qazna bench screen` calls).
//
//   bench_screen                          the lists of ../shared/data/sanctions, 200,000 screenings
//   bench_screen --scaled                 also the alias-only folder: 29,000 entries, 60,000 names
//   bench_screen --lists DIR --screenings N --seed S --threshold T --variants N --negatives N
// Exit status: 0 ran, 2 usage or the lists could not be loaded.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "screen_bench.h"
#include "bench/bench_util.h"

namespace {

using qz::bench::parse_u64;

constexpr char kUsage[] =
    "usage: bench_screen [--lists DIR] [--scaled] [--screenings N] [--seed S] [--threshold T] [--variants N]\n"
    "                    [--negatives N] [--tiny]\n";

}  // namespace

int main(int argc, char** argv) {
  qz::bench::ScreenBenchOptions options;
  options.lists_dir = QZ_DEFAULT_LISTS_DIR;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--scaled") {
      options.scaled = true;
      continue;
    }
    if (arg == "--tiny") {
      options.screenings = 2'000;
      options.variants = 200;
      options.negatives = 100;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_screen: %s needs a value\n%s", arg.c_str(), kUsage);
      return 2;
    }
    const char* value = argv[++i];
    uint64_t number = 0;
    if (arg == "--lists") {
      options.lists_dir = value;
    } else if (arg == "--screenings" && parse_u64(value, &number) && number > 0) {
      options.screenings = number;
    } else if (arg == "--seed" && parse_u64(value, &number)) {
      options.seed = number;
    } else if (arg == "--threshold" && parse_u64(value, &number) && number <= 100) {
      options.threshold = static_cast<uint32_t>(number);
    } else if (arg == "--variants" && parse_u64(value, &number) && number <= 10'000'000) {
      options.variants = static_cast<size_t>(number);
    } else if (arg == "--negatives" && parse_u64(value, &number) && number <= 10'000'000) {
      options.negatives = static_cast<size_t>(number);
    } else {
      std::fprintf(stderr, "bench_screen: bad option %s %s\n%s", arg.c_str(), value, kUsage);
      return 2;
    }
  }
  return qz::bench::run_screen_bench(options);
}
