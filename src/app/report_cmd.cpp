// `qazna report aml|quarterly`: the regulator's reports (docs/reports.md), generated from the journal.
//
// The journal is read read-only with its own SQLite connection, like `qazna monitor`: every block is checked
// (height sequence, hash, link, commands root, time order), applied to a fresh engine, its events checked against
// the block's events root, and both handed to the ReportBuilder. The reports filed (STRs) come from the case store
// DIR/monitor.db when it exists; it is never created here.
#include <sqlite3.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "base/merkle.h"
#include "engine/engine.h"
#include "journal/block.h"
#include "monitor/cases.h"
#include "monitor/config.h"
#include "monitor/render.h"
#include "monitor/replay.h"
#include "monitor/reports.h"

namespace qz::app {

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

int fail(const ReportArgs& args, int code, const std::string& message) {
  std::fprintf(stderr, "qazna report %s: %s\n", args.kind.c_str(), message.c_str());
  return code;
}

// Replays DIR/journal.db from genesis into `builder` (replay_journal's checks).
Status replay_reports(const std::string& data_dir, monitor::ReportBuilder* builder) {
  uint64_t height = 0;
  return monitor::replay_journal(
      data_dir, [builder](const monitor::BlockView& block) { builder->on_block(block); }, &height);
}

// The STRs of the case store: cases closed with outcome str_filed. No store, no reports.
Status filed_reports(const std::string& data_dir, std::vector<monitor::FiledReport>* out) {
  const std::string path = data_dir + "/monitor.db";
  if (!file_exists(path)) return Status::ok();
  std::unique_ptr<monitor::CaseStore> store;
  QZ_TRY(monitor::CaseStore::open(path, &store));
  std::vector<monitor::Case> cases;
  const monitor::CaseResult listed = store->list(&cases);
  if (!listed.is_ok()) return Status::error(listed.message());
  *out = monitor::filed_reports(cases);
  return Status::ok();
}

}  // namespace

int run_report(const ReportArgs& args) {
  const bool aml = args.kind == "aml";
  if (!aml && args.kind != "quarterly") return fail(args, kExitUsage, "unknown report (aml, quarterly)");
  monitor::ReportPeriod period;
  if (aml && !monitor::parse_report_year(args.period, &period)) {
    return fail(args, kExitUsage,
                "--year: a year from " + std::to_string(monitor::kFirstReportYear) + " to " +
                    std::to_string(monitor::kLastReportYear) + " as four digits, got '" + args.period + "'");
  }
  if (!aml && !monitor::parse_report_quarter(args.period, &period)) {
    return fail(args, kExitUsage,
                "--quarter: YYYYQn with a year from " + std::to_string(monitor::kFirstReportYear) + " to " +
                    std::to_string(monitor::kLastReportYear) + " and a quarter 1-4 (2026Q3), got '" + args.period +
                    "'");
  }
  if (args.format != "json" && args.format != "csv") return fail(args, kExitUsage, "--format: json or csv");
  monitor::Config config;
  if (!args.config_path.empty()) {
    std::string text;
    Status status = read_input_file(args.config_path, &text);
    if (status.is_ok()) status = monitor::parse_config(text, &config);
    if (!status.is_ok()) return fail(args, kExitRefused, args.config_path + ": " + status.message());
  }
  monitor::ReportBuilder builder(config);
  if (const Status replayed = replay_reports(args.data_dir, &builder); !replayed.is_ok()) {
    return fail(args, kExitFailure, replayed.message());
  }
  std::vector<monitor::FiledReport> filed;
  if (const Status read = filed_reports(args.data_dir, &filed); !read.is_ok()) {
    return fail(args, kExitFailure, "the case store: " + read.message());
  }
  monitor::Report report;
  if (!builder.report(aml ? monitor::ReportKind::aml_annual : monitor::ReportKind::quarterly, period, filed, &report)) {
    return fail(args, kExitRefused,
                "the journal ends at block " + std::to_string(builder.height()) + " (" +
                    monitor::format_time_utc(builder.time_ns()) + "), before " + period.name() +
                    " begins; nothing to report");
  }
  const std::string out = args.format == "json" ? monitor::report_json(report) + "\n" : monitor::report_csv(report);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  std::fprintf(stderr, "report: %s %s from blocks 0 to %llu (%s), %s; config %s\n", args.kind.c_str(),
               period.name().c_str(), static_cast<unsigned long long>(report.journal_height),
               monitor::format_time_utc(report.journal_time_ns).c_str(),
               report.complete ? "complete" : "incomplete: the period has not ended in the journal",
               report.config_digest.substr(0, 16).c_str());
  return kExitOk;
}

void add_report_cli(CLI::App* app, ReportCli* cli) {
  CLI::App* report = app->add_subcommand("report", "The regulator's reports, generated from the journal");
  report->require_subcommand(1);
  const auto common = [](CLI::App* sub, ReportArgs* args) {
    sub->add_option("--data", args->data_dir, "Data directory")->required();
    sub->add_option("--config", args->config_path, "Monitoring config file (its high-risk countries and tenge asset)");
    sub->add_option("--format", args->format, "json (one object) or csv (section,item,figure,value rows)");
  };
  cli->aml.kind = "aml";
  cli->aml_command =
      report->add_subcommand("aml", "The AFSA annual AML statistics of a calendar year (docs/reports.md)");
  cli->aml_command->add_option("--year", cli->aml.period, "Calendar year, YYYY (UTC)")->required();
  common(cli->aml_command, &cli->aml);
  cli->quarterly.kind = "quarterly";
  cli->quarterly_command = report->add_subcommand(
      "quarterly", "The quarterly client and volume report of a calendar quarter (docs/reports.md)");
  cli->quarterly_command->add_option("--quarter", cli->quarterly.period, "Calendar quarter, YYYYQn (UTC)")->required();
  common(cli->quarterly_command, &cli->quarterly);
}

int run_report_cli(const ReportCli& cli) {
  if (cli.aml_command != nullptr && cli.aml_command->parsed()) return run_report(cli.aml);
  if (cli.quarterly_command != nullptr && cli.quarterly_command->parsed()) return run_report(cli.quarterly);
  return -1;
}

}  // namespace qz::app
