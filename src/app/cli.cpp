// The `qazna` command line: CLI11 argument parsing and dispatch to the subcommands of app.h.
//
// CLI11 reports parse errors with exceptions; they are caught here and never leave run_cli. `--help` on the
// program or any subcommand prints usage and exits 0; any other argument error prints one message and the
// hint to use --help, and exits kExitUsage.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "app/app.h"
#include "base/sha256.h"
#include "bench/book/book_bench.h"
#include "bench/orders/orders_bench.h"
#include "bench/screening/screen_bench.h"
#include "bench/ledger_bench.h"
#include "engine/engine.h"

namespace qz::app {

namespace {

struct BenchArgs {
  bench::LedgerBenchOptions options;
  std::string only;
  bool tiny = false;
};

// Applies --tiny (explicit sizes still win) and --only to the bench options. False on an unknown part.
bool finish_bench_args(CLI::App* ledger, BenchArgs* args) {
  bench::LedgerBenchOptions& options = args->options;
  if (args->tiny) {
    options.smoke = true;
    const auto unset = [ledger](const char* name) { return ledger->get_option(name)->count() == 0; };
    if (unset("--accounts")) options.accounts = 1'000;
    if (unset("--transfers")) options.transfers = 50'000;
    if (unset("--block-commands")) options.block_commands = 1'024;
    if (unset("--durable")) options.durable_commands = 20'000;
    if (unset("--submitters")) options.durable_submitters = 4;
    if (unset("--runs")) options.runs = 1;
    if (unset("--memory-accounts")) options.memory_accounts = 10'000;
    if (unset("--memory-holds")) options.memory_holds = 10'000;
    if (unset("--memory-requests")) options.memory_requests = 10'000;
  }
  if (args->only.empty()) return true;
  options.in_memory = options.durable = options.replay = options.memory = false;
  std::stringstream parts(args->only);
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
      std::fprintf(stderr,
                   "qazna bench ledger: --only: unknown part '%s' (parts: in_memory, durable, replay, memory)\n",
                   part.c_str());
      return false;
    }
  }
  return true;
}

// A whole number in [min, max] written with digits only. CLI11 would otherwise wrap "-5" into a huge unsigned.
CLI::Validator whole_number(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
          return "must be a whole number, got '" + text + "'";
        }
        errno = 0;
        const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
        if (errno != 0 || value < min || value > max) {
          return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text;
        }
        return "";
      },
      "", "whole_number");
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{
      "qazna: a deterministic exchange ledger with a signed, verifiable block journal.\n"
      "Formats, output and exit codes: docs/cli.md."};
  app.name("qazna");
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();  // --help shows every default

  InitArgs init_args;
  CLI::App* init = app.add_subcommand("init", "Create a data directory: operator key pair and genesis block");
  init->add_option("--data", init_args.data_dir, "Data directory to create (must not hold a journal)")->required();

  ExecArgs exec_args;
  CLI::App* exec = app.add_subcommand(
      "exec", "Apply JSON-lines commands (one per line; '-' reads stdin); all lines are checked before any applies");
  exec->add_option("--data", exec_args.data_dir, "Data directory")->required();
  exec->add_option("FILE", exec_args.input, "JSON-lines file, or - for standard input (format: docs/cli.md)")
      ->required();

  VerifyArgs verify_args;
  CLI::App* verify = app.add_subcommand(
      "verify", "Re-hash the chain, check every signature and replay from genesis; names the first bad block");
  verify->add_option("--data", verify_args.data_dir, "Data directory")->required();
  verify
      ->add_option("--pubkey", verify_args.public_key_hex,
                   "Operator public key (64 hex digits) to check signatures against; default keys/operator.pub")
      ->check([](const std::string& text) -> std::string {
        Hash256 parsed;
        return text.size() == 64 && Hash256::from_hex(text, &parsed) ? "" : "must be 64 hex digits";
      });

  InspectArgs inspect_args;
  CLI::App* inspect = app.add_subcommand("inspect", "Print height, hashes, assets, account balances and live holds");
  inspect->add_option("--data", inspect_args.data_dir, "Data directory")->required();
  inspect->add_flag("--json", inspect_args.json, "One JSON object instead of text");

  DemoArgs demo_args;
  CLI::App* demo = app.add_subcommand(
      "run-demo",
      "Initialise a fresh data directory, run a demo venue through the journal, verify it, show the result");
  demo->add_option("--data", demo_args.data_dir, "Data directory (wiped first only if a previous run-demo made it)");

  ServeArgs serve_args;
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve the venue: the Binance-compatible trading API over HTTP and WebSocket (docs/server.md)");
  serve->add_option("--data", serve_args.data_dir, "Data directory")->required();
  serve->add_option("--address", serve_args.address, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--port", serve_args.port, "Port to listen on (default 8080; 0 = any free port)");
  serve->add_option("--threads", serve_args.threads, "I/O threads (default: one per core, at most 8)")->check(CLI::Range(1, 64));
  serve->add_option("--seconds", serve_args.seconds, "Stop after this many seconds (default: until a signal)");
  serve->add_flag("--log-requests", serve_args.log_requests, "One JSON line per request on stderr");
  serve->add_option("--sanctions", serve_args.sanctions_dir,
                    "Sanctions lists directory (e.g. ../shared/data/sanctions): screens withdrawal beneficiaries "
                    "and serves /v1/screening; default none");

  ApiArgs api_args;
  CLI::App* api = app.add_subcommand(
      "api", "One signed request to a running venue, with the operator's key by default (docs/server.md)");
  api->add_option("--url", api_args.url, "The venue (default http://127.0.0.1:8080)");
  api->add_option("--data", api_args.data_dir, "Data directory holding keys/operator-api.txt (default .)");
  api->add_option("--key", api_args.api_key, "API key (instead of the operator's)");
  api->add_option("--secret", api_args.secret, "HMAC secret of --key");
  api->add_option("METHOD", api_args.method, "GET, POST, PUT or DELETE")->required();
  api->add_option("PATH", api_args.path, "e.g. /v1/users")->required();
  api->add_option("PARAMS", api_args.params, "name=value ...");

  VenueDemoArgs venue_demo_args;
  CLI::App* venue_demo = app.add_subcommand(
      "demo", "A fresh demo venue served over HTTP: markets, traders with API keys, a market maker (docs/server.md)");
  venue_demo->add_option("--data", venue_demo_args.data_dir,
                         "Data directory (default data/demo-venue; wiped first only if a previous demo made it)");
  venue_demo->add_option("--address", venue_demo_args.address, "Address to listen on (default 127.0.0.1)");
  venue_demo->add_option("--port", venue_demo_args.port, "Port to listen on (default 8080; 0 = any free port)");
  venue_demo->add_option("--seconds", venue_demo_args.seconds, "Stop after this many seconds (default: until a signal)");

  BenchArgs bench_args;
  bench::LedgerBenchOptions& bo = bench_args.options;
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  CLI::App* ledger = bench->add_subcommand(
      "ledger", "Ledger benchmarks: in-memory apply, durable submit, replay, memory (docs/benchmarks.md)");
  ledger->add_option("--accounts", bo.accounts, "Customer accounts")->check(whole_number(2, UINT64_MAX));
  ledger->add_option("--transfers", bo.transfers, "Transfers in the in-memory part")
      ->check(whole_number(1, UINT64_MAX));
  ledger->add_option("--block-commands", bo.block_commands, "Commands per block")->check(whole_number(1, 65536));
  ledger->add_option("--durable", bo.durable_commands, "Commands acknowledged in the durable part")
      ->check(whole_number(1, UINT64_MAX));
  ledger->add_option("--submitters", bo.durable_submitters, "Submitting threads in the durable part")
      ->check(whole_number(1, 4096));
  ledger->add_option("--batch", bo.durable_batch_commands, "Commands per submit in the durable part")
      ->check(whole_number(1, 8192));
  ledger->add_option("--seed", bo.seed, "Workload seed")->check(whole_number(0, UINT64_MAX));
  ledger->add_option("--dir", bo.work_dir, "Data directory for the durable/replay parts (kept); default a temp dir");
  ledger->add_option("--runs", bo.runs, "Timed in-memory runs (median reported)")->check(whole_number(1, 1000));
  ledger->add_option("--request-id-percent", bo.request_id_percent, "Share of transfers with a request id")
      ->check(whole_number(0, 100));
  ledger->add_option("--memory-accounts", bo.memory_accounts, "Accounts in the memory part")
      ->check(whole_number(1, UINT64_MAX));
  ledger->add_option("--memory-holds", bo.memory_holds, "Holds of each kind in the memory part")
      ->check(whole_number(1, UINT64_MAX));
  ledger->add_option("--memory-requests", bo.memory_requests, "Request ids in the memory part")
      ->check(whole_number(1, UINT64_MAX));
  ledger->add_option("--state-hash-every", bo.state_hash_every_blocks,
                     "Durable part: record the state hash every N blocks (0 = never)")
      ->check(whole_number(0, UINT64_MAX));
  ledger->add_flag("--keep", bo.keep_work_dir, "Keep the temporary data directory");
  ledger->add_option("--only", bench_args.only, "Comma-separated parts: in_memory,durable,replay,memory");
  ledger->add_flag("--tiny", bench_args.tiny, "Tiny sizes for a smoke run (explicit sizes still win)");

  bench::BookBenchOptions book_options;
  CLI::App* book = bench->add_subcommand(
      "book", "Order-book replay of an LBOPS1 stream (.lbops or .lbops.zst), checked against its checksums");
  book->add_option("file", book_options.path, "LBOPS1 stream, e.g. ../shared/bench/pub_W1.lbops.zst")->required();
  book->add_option("--runs", book_options.runs, "Timed runs, each on a fresh book (median reported)")
      ->check(whole_number(1, 1000));
  book->add_option("--window", book_options.window_levels, "Price levels in the ladder window (a power of two)")
      ->check(whole_number(64, 1u << 24));
  book->add_option("--cpu", book_options.cpu, "Pin to this CPU before measuring (default: no pinning)");
  bool no_latency = false;
  book->add_flag("--no-latency", no_latency, "Skip the separate per-operation latency pass");

  bench::OrdersBenchOptions orders_options;
  CLI::App* orders = bench->add_subcommand(
      "orders", "Full-path order benchmark: an LBOPS1 stream as orders through Engine::apply (holds, fees, settlement)");
  orders->add_option("file", orders_options.path, "LBOPS1 stream, e.g. ../shared/bench/pub_W1.lbops.zst")->required();
  orders->add_option("--runs", orders_options.runs, "Timed runs, each on a fresh engine (median reported)")
      ->check(whole_number(1, 1000));
  orders->add_option("--block", orders_options.block_commands, "Commands per block")->check(whole_number(1, 10'000'000));
  orders->add_option("--traders", orders_options.traders, "Owners the stream's orders are spread over")
      ->check(whole_number(1, 10'000'000));
  orders->add_option("--records", orders_options.max_records, "Only the stream's first N records (0 = all)");
  orders->add_option("--window", orders_options.window_levels, "Price levels in the ladder window (a power of two)")
      ->check(whole_number(64, 1u << 18));
  orders->add_option("--cpu", orders_options.cpu, "Pin to this CPU before measuring (default: no pinning)");
  orders->add_flag("--request-ids", orders_options.request_ids, "Give every command a distinct request id");
  orders->add_option("--rules-version", orders_options.rules_version,
                     "The engine's rules version (2: place_order request ids are client order ids)")
      ->check(whole_number(1, kEngineRulesVersion));
  bool orders_tiny = false;
  orders->add_flag("--tiny", orders_tiny, "Only the first records of the stream: a smoke run");

  ScreenArgs screen_args;
  CLI::App* screen = app.add_subcommand(
      "screen", "Screen a name against the sanctions and PEP lists; ranked hits with scores and reasons");
  screen->add_option("NAME", screen_args.name, "The name to screen, in any script")->required();
  screen->add_option("--dob", screen_args.dob, "Date of birth YYYY-MM-DD (or YYYY-MM, YYYY): evidence for or against");
  screen->add_option("--country", screen_args.country, "Country, ISO 3166 alpha-2 (KZ) or name: evidence");
  screen->add_option("--lists", screen_args.lists_dir,
                     "Lists directory (default ../shared/data/sanctions beside the source tree)");
  screen->add_option("--threshold", screen_args.threshold, "Lowest score shown, 0-100 (default: the alert threshold)")
      ->check(whole_number(0, 100));
  screen->add_option("--limit", screen_args.limit, "Most hits shown")->check(whole_number(1, 1000));
  screen->add_flag("--json", screen_args.json, "One JSON object instead of text");

  bench::ScreenBenchOptions screen_bench_options;
  screen_bench_options.lists_dir = QZ_DEFAULT_LISTS_DIR;
  CLI::App* screen_bench = bench->add_subcommand(
      "screen", "Screening: list load time, screenings per second, p50/p99 latency (docs/screening.md)");
  screen_bench->add_option("--lists", screen_bench_options.lists_dir, "Lists directory");
  screen_bench->add_flag("--scaled", screen_bench_options.scaled,
                         "Also the alias-only folder and 10,000 synthetic entries (past 20k entities, 40k names)");
  screen_bench->add_option("--screenings", screen_bench_options.screenings, "Timed screenings")
      ->check(whole_number(1, UINT64_MAX));
  screen_bench->add_option("--seed", screen_bench_options.seed, "Workload seed")->check(whole_number(0, UINT64_MAX));
  screen_bench->add_option("--threshold", screen_bench_options.threshold, "Alert threshold (0 = default)")
      ->check(whole_number(0, 100));
  bool screen_bench_tiny = false;
  screen_bench->add_flag("--tiny", screen_bench_tiny, "A small workload: a smoke run");

  MonitorCli monitor_cli;  // `monitor` and `case` (monitor_cmd.cpp)
  add_monitor_cli(&app, &monitor_cli);
  ReportCli report_cli;  // `report aml|quarterly` (report_cmd.cpp)
  add_report_cli(&app, &report_cli);
  HistoryCli history_cli;  // `history rebuild|check` (history_cmd.cpp)
  add_history_cli(&app, &history_cli);
  ProgramCli program_cli;  // `program report|trail` (program_cmd.cpp)
  add_program_cli(&app, &program_cli);

  const std::shared_ptr<KycCli> kyc_cli = add_kyc_cli(&app);  // `client` (kyc_cmd.cpp)

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (*init) return run_init(init_args);
  if (*exec) return run_exec(exec_args);
  if (*verify) return run_verify(verify_args);
  if (*inspect) return run_inspect(inspect_args);
  if (*demo) return run_demo(demo_args);
  if (*serve) return run_serve(serve_args);
  if (*api) {
    if (api_args.data_dir.empty()) api_args.data_dir = ".";
    return run_api(api_args);
  }
  if (*venue_demo) return run_venue_demo(venue_demo_args);
  if (*screen) return run_screen(screen_args);
  if (const int code = run_monitor_cli(monitor_cli); code >= 0) return code;
  if (const int code = run_kyc_cli(*kyc_cli); code >= 0) return code;
  if (const int code = run_report_cli(report_cli); code >= 0) return code;
  if (const int code = run_history_cli(history_cli); code >= 0) return code;
  if (const int code = run_program_cli(program_cli); code >= 0) return code;
  if (*bench && *screen_bench) {
    if (screen_bench_tiny) {
      if (screen_bench->get_option("--screenings")->count() == 0) screen_bench_options.screenings = 2'000;
      screen_bench_options.variants = 200;
      screen_bench_options.negatives = 100;
    }
    return bench::run_screen_bench(screen_bench_options) == 0 ? kExitOk : kExitFailure;
  }
  if (*bench && *ledger) {
    if (!finish_bench_args(ledger, &bench_args)) return kExitUsage;
    return bench::run_ledger_bench(bench_args.options) == 0 ? kExitOk : kExitRefused;
  }
  if (*bench && *book) {
    book_options.latency = !no_latency;
    const int result = bench::run_book_bench(book_options);
    return result == 0 ? kExitOk : result == 2 ? kExitFailure : kExitRefused;
  }
  if (*bench && *orders) {
    if (orders_tiny && orders_options.max_records == 0) orders_options.max_records = bench::kTinyRecords;
    const int result = bench::run_orders_bench(orders_options);
    return result == 0 ? kExitOk : result == 2 ? kExitFailure : kExitRefused;
  }
  return kExitUsage;
}

}  // namespace qz::app
