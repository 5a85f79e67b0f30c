// The `qazna` subcommands as library functions: cli.cpp parses arguments (CLI11) and calls these, tests may
// call them directly. Each prints its results to stdout and one-line errors to stderr, and returns the process
// exit code. Behaviour, output formats and exit codes are specified in docs/cli.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "journal/journal.h"

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

struct InspectArgs {
  std::string data_dir;
  bool json = false;
};
int run_inspect(const InspectArgs& args);

struct DemoArgs {
  std::string data_dir = "data/demo";
};
int run_demo(const DemoArgs& args);

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

// The full command line (argv[0] is the program name). The only function apps/qazna/main.cpp calls.
int run_cli(int argc, char** argv);

// --- helpers shared by the subcommands ---

// Node::open with the CLI's conventions: a truncated tail's one-line message goes to stderr.
[[nodiscard]] Status open_node(const std::string& data_dir, std::unique_ptr<Node>* node);

// The operator public key (hex) from DIR/keys/operator.pub; "" when unreadable.
std::string read_public_key_hex(const std::string& data_dir);

// Reads a whole file ("-" = stdin).
[[nodiscard]] Status read_input_file(const std::string& path, std::string* out);

}  // namespace qz::app
