// `qazna monitor --data DIR [--config FILE] [--json]`: the journal replayed through the monitoring rules, and the
// command-line registration of `monitor` and `case` (case_cmd.cpp runs the latter).
//
// The replay (replay_journal_blocks, journal.h) reads DIR/journal.db read-only with its own SQLite connection, so
// it works beside a running node (WAL readers do not block the writer) and on a stopped directory alike. It
// applies every block to a fresh engine to get the block's events, checks that they are the events the block
// committed to, and hands both to the Monitor, exactly as the server's monitoring thread receives them.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "engine/engine.h"
#include "journal/block.h"
#include "monitor/cases.h"
#include "monitor/config.h"
#include "monitor/monitor.h"
#include "monitor/render.h"
#include "monitor/replay.h"

namespace qz::app {

namespace {

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

Status replay_monitor(const std::string& data_dir, monitor::Monitor* monitor, std::vector<monitor::Alert>* alerts,
                      uint64_t* height) {
  return monitor::replay_journal(
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
