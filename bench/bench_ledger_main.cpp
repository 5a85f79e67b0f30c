// bench_ledger: a thin driver for qz::bench::run_ledger_bench (the same code as `qazna bench ledger`), so the
// benchmarks can be run without the full CLI. Usage and results: docs/benchmarks.md.
//
//   bench_ledger                       every part at full size
//   bench_ledger --only in_memory      one part (in_memory, durable, replay, memory; comma-separated)
//   bench_ledger --tiny                every part at a size that runs in about a second (for CI)
// Plain argv parsing (no CLI11 here: g++ 12 -O2 reports a false -Wnull-dereference inside CLI11's headers).
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <string>

#include "ledger_bench.h"

namespace {

constexpr char kUsage[] =
    "usage: bench_ledger [options]\n"
    "  --accounts N            customer accounts (default 100000)\n"
    "  --transfers N           transfers in the in-memory part (default 20000000)\n"
    "  --block-commands N      commands per block (default 8192)\n"
    "  --durable-commands N    commands acknowledged in the durable part (default 10000000); alias --durable\n"
    "  --submitters N          submitting threads in the durable part (default 64)\n"
    "  --batch N               commands per submit call, 1 = single-command submits (default 64)\n"
    "  --state-hash-every N    durable run: blocks between recorded state hashes, 0 = never (default 1024)\n"
    "  --seed N                workload seed (default 1)\n"
    "  --work-dir DIR          data directory for the durable/replay parts (kept); default a temp dir (removed);\n"
    "                          alias --dir\n"
    "  --runs N                timed in-memory runs, median reported (default 3)\n"
    "  --request-id-percent N  share of transfers with a distinct request id (default 0)\n"
    "  --memory-accounts N     accounts in the memory part (default 1000000)\n"
    "  --memory-holds N        holds of each kind in the memory part (default 1000000)\n"
    "  --memory-requests N     request ids in the memory part (default 1000000)\n"
    "  --keep                  keep the temporary data directory\n"
    "  --only LIST             comma-separated parts: in_memory,durable,replay,memory (default all)\n"
    "  --tiny                  tiny sizes for a smoke run (explicit sizes still win)\n";

bool parse_u64(const char* text, uint64_t* out) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  *out = value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  qz::bench::LedgerBenchOptions options;
  std::string only;
  bool tiny = false;
  std::set<std::string> given;
  for (int i = 1; i < argc; i++) {
    const std::string raw_arg = argv[i];
    if (raw_arg == "--help" || raw_arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (raw_arg == "--keep") {
      options.keep_work_dir = true;
      continue;
    }
    if (raw_arg == "--tiny") {
      tiny = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "bench_ledger: %s needs a value\n%s", raw_arg.c_str(), kUsage);
      return 2;
    }
    const char* value = argv[++i];
    // The names `qazna bench ledger` uses, so that one command line works with both.
    const std::string arg = raw_arg == "--durable" ? "--durable-commands" : raw_arg == "--dir" ? "--work-dir" : raw_arg;
    given.insert(arg);
    if (arg == "--work-dir") {
      options.work_dir = value;
      continue;
    }
    if (arg == "--only") {
      only = value;
      continue;
    }
    uint64_t number = 0;
    if (!parse_u64(value, &number)) {
      std::fprintf(stderr, "bench_ledger: %s wants a non-negative integer, got '%s'\n", arg.c_str(), value);
      return 2;
    }
    const auto u32 = [&](uint32_t* field) {
      if (number > UINT32_MAX) return false;
      *field = static_cast<uint32_t>(number);
      return true;
    };
    bool fits = true;
    if (arg == "--accounts") {
      options.accounts = number;
    } else if (arg == "--transfers") {
      options.transfers = number;
    } else if (arg == "--block-commands") {
      fits = u32(&options.block_commands);
    } else if (arg == "--durable-commands") {
      options.durable_commands = number;
    } else if (arg == "--submitters") {
      fits = u32(&options.durable_submitters);
    } else if (arg == "--batch") {
      fits = u32(&options.durable_batch_commands);
    } else if (arg == "--state-hash-every") {
      options.state_hash_every_blocks = number;
    } else if (arg == "--seed") {
      options.seed = number;
    } else if (arg == "--runs") {
      fits = u32(&options.runs);
    } else if (arg == "--request-id-percent") {
      fits = u32(&options.request_id_percent);
    } else if (arg == "--memory-accounts") {
      options.memory_accounts = number;
    } else if (arg == "--memory-holds") {
      options.memory_holds = number;
    } else if (arg == "--memory-requests") {
      options.memory_requests = number;
    } else {
      std::fprintf(stderr, "bench_ledger: unknown option %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
    if (!fits) {
      std::fprintf(stderr, "bench_ledger: %s value %s is too large\n", arg.c_str(), value);
      return 2;
    }
  }

  if (tiny) {
    const auto unset = [&given](const char* name) { return given.count(name) == 0; };
    if (unset("--accounts")) options.accounts = 1'000;
    if (unset("--transfers")) options.transfers = 50'000;
    if (unset("--block-commands")) options.block_commands = 1'024;
    if (unset("--durable-commands")) options.durable_commands = 20'000;
    if (unset("--submitters")) options.durable_submitters = 4;
    if (unset("--runs")) options.runs = 1;
    if (unset("--memory-accounts")) options.memory_accounts = 10'000;
    if (unset("--memory-holds")) options.memory_holds = 10'000;
    if (unset("--memory-requests")) options.memory_requests = 10'000;
  }
  if (!only.empty()) {
    options.in_memory = options.durable = options.replay = options.memory = false;
    std::stringstream parts(only);
    std::string part;
    while (std::getline(parts, part, ',')) {
      if (part == "in_memory") {
        options.in_memory = true;
      } else if (part == "durable") {
        options.durable = true;
      } else if (part == "replay") {
        options.replay = true;
      } else if (part == "memory") {
        options.memory = true;
      } else {
        std::fprintf(stderr, "bench_ledger: unknown part '%s' (in_memory, durable, replay, memory)\n", part.c_str());
        return 2;
      }
    }
  }
  return qz::bench::run_ledger_bench(options);
}
