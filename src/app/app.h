// The `qazna` subcommands as library functions: cli.cpp parses arguments (CLI11) and calls these, tests may
// call them directly. Each prints its results to stdout and one-line errors to stderr, and returns the process
// exit code. Behaviour, output formats and exit codes are specified in docs/cli.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "journal/journal.h"

namespace CLI {
class App;
}
namespace qz::monitor {
class Monitor;
struct Alert;
struct BlockView;
}  // namespace qz::monitor

namespace qz::app {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // input refused or check failed; nothing was applied
inline constexpr int kExitUsage = 2;    // bad arguments
inline constexpr int kExitFailure = 3;  // the data directory or journal failed (open, disk, lock)

struct InitArgs {
  std::string data_dir;
};
int run_init(const InitArgs& args);

struct ExecArgs {
  std::string data_dir;
  std::string input;  // a file path, or "-" for stdin
};
int run_exec(const ExecArgs& args);

struct VerifyArgs {
  std::string data_dir;
  std::string public_key_hex;  // "" = keys/operator.pub of the directory
};
int run_verify(const VerifyArgs& args);

// The travel-rule records beside the journal (DIR/travel_rule.db, docs/travel-rule.md): every record still has
// its digest, and the deposit's transfer or the withdrawal's hold in the block the record names carries the
// digest's first 8 bytes as its reference. Fails with the first record that does not agree; a directory without
// the file has no records (*records = 0).
[[nodiscard]] Status verify_travel_rule(const std::string& data_dir, uint64_t* records);

struct InspectArgs {
  std::string data_dir;
  bool json = false;
};
int run_inspect(const InspectArgs& args);

struct DemoArgs {
  std::string data_dir = "data/demo";
};
int run_demo(const DemoArgs& args);

struct ServeArgs {
  std::string data_dir;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  unsigned threads = 0;     // I/O threads; 0 = server::default_io_threads()
  unsigned seconds = 0;     // stop after this long (tests); 0 = until SIGINT or SIGTERM
  bool log_requests = false;
  std::string sanctions_dir;  // sanctions lists for withdrawal screening and /v1/screening; "" = none
};
// The venue as a server on DIR (docs/server.md). Exit: 0 stopped by a signal (or --seconds), 3 the data
// directory or the port failed.
int run_serve(const ServeArgs& args);

struct VenueDemoArgs {
  std::string data_dir = "data/demo-venue";
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  unsigned threads = 0;  // 0 = server::default_io_threads()
  unsigned seconds = 0;
};
// A fresh demo venue (assets, markets, traders with keys, a market maker) served until SIGINT or SIGTERM.
// Exit: 0 stopped, 1 the directory is not a previous demo's, 3 set-up failed.
int run_venue_demo(const VenueDemoArgs& args);

struct ApiArgs {
  std::string url = "http://127.0.0.1:8080";
  std::string data_dir;  // where keys/operator-api.txt is, when no key is given
  std::string api_key;
  std::string secret;
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;    // /v1/users, /api/v3/account, ...
  std::vector<std::string> params;  // name=value
};
// One signed request to a running venue; prints the answer. Exit: 0 answered 2xx, 1 refused (the answer says
// why), 2 bad arguments or no key, 3 the venue could not be reached.
int run_api(const ApiArgs& args);

struct ScreenArgs {
  std::string name;
  std::string dob;        // YYYY-MM-DD, YYYY-MM or YYYY; "" = unknown
  std::string country;    // ISO 3166-1 alpha-2 or an English name; "" = unknown
  std::string lists_dir;  // "" = ../shared/data/sanctions beside the source tree, else relative to the working dir
  int threshold = -1;     // 0-100; -1 = the screener's default
  size_t limit = 10;      // most hits printed
  bool json = false;
};
// Screens one name against every list of the directory (docs/screening.md). Exit: 0 screened (with or without
// hits), 2 bad query (dob, country, no letters), 3 the lists could not be loaded.
int run_screen(const ScreenArgs& args);

struct MonitorArgs {
  std::string data_dir;
  std::string config_path;  // "" = the documented defaults
  bool json = false;        // one JSON line per alert
};
// Replays the data directory's journal through the monitoring rules and prints the alerts (docs/monitor.md).
// Exit: 0 replayed (with or without alerts), 1 the config file was refused, 3 the journal could not be read.
int run_monitor(const MonitorArgs& args);

struct CaseArgs {
  std::string action;  // open, assign, comment, close, list, show, report
  std::string data_dir;
  std::string config_path;       // open: the configuration the alerts are raised under
  std::vector<uint64_t> alerts;  // open
  uint64_t case_id = 0;          // assign, comment, close, show, report
  std::string officer;           // --by: who acts (open, assign, comment, close)
  std::string assignee;          // assign --to
  std::string text;              // open --note, comment --text, close --text
  std::string outcome;           // close
  bool json = false;             // list, show, report
  uint64_t now_ns = 0;           // time of the action; 0 = the wall clock
};
// The case store DIR/monitor.db (docs/monitor.md). Exit: 0 done, 1 refused (unknown case or alert, a closed
// case, bad text; nothing changed), 2 bad arguments, 3 the journal or the case store failed.
int run_case(const CaseArgs& args);

// The `monitor` and `case` subcommands on the command line: registered before parsing, run after it.
struct MonitorCli {
  MonitorArgs monitor;
  CaseArgs cases;
  CLI::App* monitor_command = nullptr;
  std::vector<std::pair<std::string, CLI::App*>> case_commands;  // action name, its subcommand
};
void add_monitor_cli(CLI::App* app, MonitorCli* cli);
// The exit code of the `monitor` or `case` subcommand given, or -1 when neither was.
int run_monitor_cli(const MonitorCli& cli);

struct ReportArgs {
  std::string kind;  // aml, quarterly
  std::string data_dir;
  std::string period;           // aml: --year YYYY; quarterly: --quarter YYYYQn
  std::string config_path;      // "" = the documented defaults (the high-risk countries, the tenge asset)
  std::string format = "json";  // json or csv
};
// The regulator's reports from the journal and the case store (docs/reports.md). Exit: 0 printed, 1 the config
// file was refused or the journal does not reach the period, 2 bad arguments, 3 the journal or the case store
// could not be read.
int run_report(const ReportArgs& args);

// The `report aml` and `report quarterly` subcommands: registered before parsing, run after it.
struct ReportCli {
  ReportArgs aml;
  ReportArgs quarterly;
  CLI::App* aml_command = nullptr;
  CLI::App* quarterly_command = nullptr;
};
void add_report_cli(CLI::App* app, ReportCli* cli);
// The exit code of the `report` subcommand given, or -1 when it was not.
int run_report_cli(const ReportCli& cli);

// `history rebuild|check` (history_cmd.cpp, docs/history.md section 4): DIR/history.db recreated from the journal,
// or a rebuild in a temporary file compared with it by content hash. Both hold DIR/LOCK while they run. Exit: 0
// rebuilt or equal, 1 check found a difference (or no history.db), 2 bad arguments, 3 the directory is locked
// by a running server, or the journal or history failed.
struct HistoryArgs {
  std::string action;  // rebuild, check
  std::string data_dir;
};
int run_history(const HistoryArgs& args);
struct HistoryCli {
  HistoryArgs rebuild;
  HistoryArgs check;
  CLI::App* rebuild_command = nullptr;
  CLI::App* check_command = nullptr;
};
void add_history_cli(CLI::App* app, HistoryCli* cli);
// The exit code of the `history` subcommand given, or -1 when it was not.
int run_history_cli(const HistoryCli& cli);

// `program report|trail` (program_cmd.cpp, docs/money.md "Reports"): a digital tenge program's money by state or
// its trail, as JSON, from the journal. Exit: 0 printed, 1 no such program, 2 bad arguments, 3 the journal failed.
struct ProgramArgs {
  std::string action;  // report, trail
  std::string data_dir;
  uint32_t program = 0;
};
int run_program(const ProgramArgs& args);
struct ProgramCli {
  ProgramArgs report;
  ProgramArgs trail;
  CLI::App* report_command = nullptr;
  CLI::App* trail_command = nullptr;
};
void add_program_cli(CLI::App* app, ProgramCli* cli);
// The exit code of the `program` subcommand given, or -1 when it was not.
int run_program_cli(const ProgramCli& cli);

// The `client` subcommands (kyc_cmd.cpp, docs/kyc.md): registered before parsing, run after it; -1 when not given.
struct KycCli;
std::shared_ptr<KycCli> add_kyc_cli(CLI::App* app);
int run_kyc_cli(const KycCli& cli);

// The full command line (argv[0] is the program name). The only function apps/qazna/main.cpp calls.
int run_cli(int argc, char** argv);

// --- helpers shared by the subcommands ---

// Makes `dir` ready for a fresh demo of `command` ("run-demo", "demo"): absent, empty, or made by an earlier run
// (it holds the file `marker`; then it is wiped). Anything else is refused, untouched.
[[nodiscard]] Status prepare_demo_directory(const std::string& dir, const char* marker, const char* command);
// Writes `marker` into a demo's fresh directory, so that the next run of `command` may wipe it.
void mark_demo_directory(const std::string& dir, const char* marker, const char* command);

// Node::open with the CLI's conventions: a truncated tail's one-line message goes to stderr.
[[nodiscard]] Status open_node(const std::string& data_dir, std::unique_ptr<Node>* node);

// The operator public key (hex) from DIR/keys/operator.pub; "" when unreadable.
std::string read_public_key_hex(const std::string& data_dir);

// Reads a whole file ("-" = stdin).
[[nodiscard]] Status read_input_file(const std::string& path, std::string* out);

// monitor::replay_journal (monitor/replay.h) into `monitor`, appending its alerts to *alerts.
[[nodiscard]] Status replay_monitor(const std::string& data_dir, monitor::Monitor* monitor,
                                    std::vector<monitor::Alert>* alerts, uint64_t* height);

}  // namespace qz::app
