// `qazna monitor --data DIR [--config FILE] [--json]`: the journal replayed through the monitoring rules, and the
// command-line registration of `monitor` and `case` (case_cmd.cpp runs the latter).
//
// The replay reads DIR/journal.db read-only with its own SQLite connection, so it works beside a running node
// (WAL readers do not block the writer) and on a stopped directory alike. It applies every block to a fresh engine
// to get the block's events, checks that they are the events the block committed to, and hands both to the
// Monitor, exactly as the server's monitoring thread receives them.
#include <sqlite3.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "base/merkle.h"
#include "engine/engine.h"
#include "journal/block.h"
#include "monitor/cases.h"
#include "monitor/config.h"
#include "monitor/monitor.h"
#include "monitor/render.h"

namespace qz::app {

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// The journal's blocks in height order, one at a time.
class BlockReader {
 public:
  ~BlockReader() {
    sqlite3_finalize(scan_);
    sqlite3_close(db_);
  }
  Status open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      return Status::error("cannot open " + path + ": " + (db_ == nullptr ? "out of memory" : sqlite3_errmsg(db_)));
    }
    sqlite3_busy_timeout(db_, 5'000);
    sqlite3_stmt* meta = nullptr;
    std::string version;
    if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'format_version'", -1, &meta, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(meta) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(meta, 0);
      if (text != nullptr) version = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(meta);
    if (version != "1") return Status::error(path + " is not a version 1 journal");
    if (sqlite3_prepare_v2(db_, "SELECT height, hash, body FROM blocks ORDER BY height", -1, &scan_, nullptr) !=
        SQLITE_OK) {
      return Status::error("cannot read the blocks of " + path + ": " + sqlite3_errmsg(db_));
    }
    return Status::ok();
  }
  // *have is false after the last block.
  Status next(bool* have, uint64_t* height, std::vector<uint8_t>* hash, std::vector<uint8_t>* body) {
    const int step = sqlite3_step(scan_);
    if (step == SQLITE_DONE) {
      *have = false;
      return Status::ok();
    }
    if (step != SQLITE_ROW) return Status::error(std::string("reading blocks: ") + sqlite3_errmsg(db_));
    *have = true;
    *height = static_cast<uint64_t>(sqlite3_column_int64(scan_, 0));
    const auto* hash_bytes = static_cast<const uint8_t*>(sqlite3_column_blob(scan_, 1));
    hash->assign(hash_bytes, hash_bytes + sqlite3_column_bytes(scan_, 1));
    const auto* body_bytes = static_cast<const uint8_t*>(sqlite3_column_blob(scan_, 2));
    body->assign(body_bytes, body_bytes + sqlite3_column_bytes(scan_, 2));
    return Status::ok();
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
};

std::span<const uint8_t> bytes_of(std::span<const Command> commands) {
  return {reinterpret_cast<const uint8_t*>(commands.data()), commands.size() * kCommandSize};
}
std::span<const uint8_t> bytes_of(std::span<const Event> events) {
  return {reinterpret_cast<const uint8_t*>(events.data()), events.size() * kEventSize};
}

// A whole number written with digits only (CLI11 alone would wrap "-5" into a huge unsigned).
CLI::Validator positive_id() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos ||
            text.find_first_not_of('0') == std::string::npos) {
          return "must be a whole number above 0, got '" + text + "'";
        }
        return "";
      },
      "", "positive_id");
}

CLI::Validator officer_name() {
  return CLI::Validator([](std::string& text) { return monitor::officer_problem(text); }, "", "officer_name");
}

}  // namespace

Status replay_journal(const std::string& data_dir, const std::function<void(const monitor::BlockView&)>& on_block,
                      uint64_t* height) {
  const std::string path = data_dir + "/journal.db";
  if (!file_exists(path)) return Status::error(data_dir + " holds no journal (" + path + " is missing)");
  BlockReader reader;
  QZ_TRY(reader.open(path));
  auto engine = std::make_unique<Engine>();
  Hash256 previous;
  uint64_t expected = 0;
  std::vector<uint8_t> stored_hash;
  std::vector<uint8_t> body;
  std::vector<Event> events;
  for (;;) {
    bool have = false;
    uint64_t row_height = 0;
    QZ_TRY(reader.next(&have, &row_height, &stored_hash, &body));
    if (!have) break;
    const std::string where = "block " + std::to_string(expected) + ": ";
    if (row_height != expected)
      return Status::error(where + "missing (the next block stored is " + std::to_string(row_height) + ")");
    Block block;
    const Status decoded = decode_block(body, &block);
    if (!decoded.is_ok()) return Status::error(where + decoded.message());
    const Hash256 hash = block_hash(block.header);
    if (block.header.height != expected || stored_hash.size() != hash.bytes.size() ||
        !std::equal(stored_hash.begin(), stored_hash.end(), hash.bytes.begin()) || block.header.prev_hash != previous) {
      return Status::error(where + "its hash, height or link to the block before does not check; run qazna verify");
    }
    if (merkle_root(bytes_of(block.commands), kCommandSize) != block.header.commands_root) {
      return Status::error(where + "commands root mismatch; run qazna verify");
    }
    if (expected > 0 && block.header.time_ns <= engine->last_time_ns()) {
      return Status::error(where + "its time does not follow the block before; run qazna verify");
    }
    events.clear();
    engine->apply(BlockInput{.height = expected, .time_ns = block.header.time_ns, .commands = block.commands}, &events);
    if (events.size() != block.header.event_count ||
        merkle_root(bytes_of(events), kEventSize) != block.header.events_root) {
      return Status::error(where + "the replayed events differ from those the block committed to; run qazna verify");
    }
    on_block(monitor::BlockView{
        .height = expected, .time_ns = block.header.time_ns, .commands = block.commands, .events = events});
    previous = hash;
    expected++;
  }
  if (expected == 0) return Status::error(path + " holds no blocks, not even genesis");
  *height = expected - 1;
  return Status::ok();
}

Status replay_monitor(const std::string& data_dir, monitor::Monitor* monitor, std::vector<monitor::Alert>* alerts,
                      uint64_t* height) {
  return replay_journal(
      data_dir, [&](const monitor::BlockView& block) { monitor->on_block(block, alerts); }, height);
}

int run_monitor(const MonitorArgs& args) {
  monitor::Config config;
  if (!args.config_path.empty()) {
    std::string text;
    Status status = read_input_file(args.config_path, &text);
    if (status.is_ok()) status = monitor::parse_config(text, &config);
    if (!status.is_ok()) {
      std::fprintf(stderr, "qazna monitor: %s: %s\n", args.config_path.c_str(), status.message().c_str());
      return kExitRefused;
    }
  }
  monitor::Monitor monitor(config);
  std::vector<monitor::Alert> alerts;
  uint64_t height = 0;
  const Status status = replay_monitor(args.data_dir, &monitor, &alerts, &height);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna monitor: %s\n", status.message().c_str());
    return kExitFailure;
  }
  std::string out;
  for (const monitor::Alert& alert : alerts) {
    if (args.json) {
      out += monitor::alert_json(alert, config.tenge_asset) + "\n";
    } else {
      out += monitor::alert_text(alert, config.tenge_asset) + "\n";
    }
  }
  if (!args.json && alerts.empty()) out = "no alerts\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  const monitor::MonitorStats& stats = monitor.stats();
  std::string by_rule;
  for (uint8_t rule = 1; rule <= monitor::kRuleCount; rule++) {
    by_rule += std::string(rule == 1 ? "" : ", ") + monitor::rule_name(static_cast<monitor::Rule>(rule)) + " " +
               std::to_string(stats.alerts_by_rule[rule]);
  }
  std::fprintf(stderr,
               "monitor: %llu blocks (heights 0 to %llu), %llu events: %llu deposits, %llu withdrawals (%llu of "
               "assets without a conversion rate), %llu trades; %llu alerts (%s); config %s\n",
               static_cast<unsigned long long>(stats.blocks), static_cast<unsigned long long>(height),
               static_cast<unsigned long long>(stats.events), static_cast<unsigned long long>(stats.deposits),
               static_cast<unsigned long long>(stats.withdrawals),
               static_cast<unsigned long long>(stats.unvalued_movements), static_cast<unsigned long long>(stats.trades),
               static_cast<unsigned long long>(stats.alerts), by_rule.c_str(),
               monitor::config_digest(config).substr(0, 16).c_str());
  return kExitOk;
}

void add_monitor_cli(CLI::App* app, MonitorCli* cli) {
  MonitorArgs& m = cli->monitor;
  cli->monitor_command = app->add_subcommand(
      "monitor", "Replay the journal through the AML and market-abuse rules and print the alerts (docs/monitor.md)");
  cli->monitor_command->add_option("--data", m.data_dir, "Data directory")->required();
  cli->monitor_command->add_option("--config", m.config_path, "Thresholds file (key = value; docs/monitor.md)");
  cli->monitor_command->add_flag("--json", m.json, "One JSON object per alert per line");

  CaseArgs& c = cli->cases;
  CLI::App* cases = app->add_subcommand("case", "Compliance cases over monitoring alerts (DIR/monitor.db)");
  cases->require_subcommand(1);
  const auto add = [&](const char* name, const char* help) {
    CLI::App* sub = cases->add_subcommand(name, help);
    sub->add_option("--data", c.data_dir, "Data directory")->required();
    cli->case_commands.emplace_back(name, sub);
    return sub;
  };
  const auto by = [&](CLI::App* sub) {
    sub->add_option("--by", c.officer, "The officer acting (1-64 of A-Z a-z 0-9 . _ @ -)")
        ->required()
        ->check(officer_name());
  };
  const auto case_id = [&](CLI::App* sub) {
    sub->add_option("--case", c.case_id, "Case id")->required()->check(positive_id());
  };

  CLI::App* open = add("open", "Open a case from alerts of one client (ids as `qazna monitor` prints them)");
  open->add_option("--alert", c.alerts, "Alert id; repeat or separate with commas")
      ->required()
      ->delimiter(',')
      ->check(positive_id());
  by(open);
  open->add_option("--note", c.text, "Why the case is opened");
  open->add_option("--config", c.config_path, "Thresholds file the alerts were raised under");

  CLI::App* assign = add("assign", "Assign (or reassign) an open case to an officer");
  case_id(assign);
  assign->add_option("--to", c.assignee, "The officer who takes the case")->required()->check(officer_name());
  by(assign);

  CLI::App* comment = add("comment", "Add a comment to an open case");
  case_id(comment);
  comment->add_option("--text", c.text, "The comment")->required();
  by(comment);

  CLI::App* close = add("close", "Close an open case with an outcome (final)");
  case_id(close);
  close->add_option("--outcome", c.outcome, "no_action, str_filed, client_frozen or client_offboarded")
      ->required()
      ->check(CLI::IsMember({"no_action", "str_filed", "client_frozen", "client_offboarded"}));
  close->add_option("--text", c.text, "The reasoning");
  by(close);

  CLI::App* list = add("list", "List the cases");
  list->add_flag("--json", c.json, "One JSON object per case per line");

  CLI::App* show = add("show", "A case's alerts and history");
  case_id(show);
  show->add_flag("--json", c.json, "One JSON object");

  CLI::App* report = add("report", "The suspicious transaction report of a case, for the regulator");
  case_id(report);
  report->add_flag("--json", c.json, "One JSON object instead of text");
}

int run_monitor_cli(const MonitorCli& cli) {
  if (cli.monitor_command != nullptr && cli.monitor_command->parsed()) return run_monitor(cli.monitor);
  for (const auto& [name, command] : cli.case_commands) {
    if (!command->parsed()) continue;
    CaseArgs args = cli.cases;
    args.action = name;
    return run_case(args);
  }
  return -1;
}

}  // namespace qz::app
