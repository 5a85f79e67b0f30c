// `qazna program report|trail --data DIR --program ID`: a digital tenge program's money by state, and the trail of
// its money from the issuer to its terminal recipients (docs/money.md, "Reports"), from the journal: every block
// is checked and replayed by monitor::replay_journal and its events handed to ProgramJournal. JSON on stdout.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "app/app.h"
#include "app/money_report.h"
#include "monitor/monitor.h"
#include "monitor/replay.h"

namespace qz::app {

int run_program(const ProgramArgs& args) {
  ProgramJournal journal(args.program);
  uint64_t height = 0;
  const Status status = monitor::replay_journal(
      args.data_dir,
      [&](const monitor::BlockView& block) { journal.on_block(block.height, block.time_ns, block.events); }, &height);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna program %s: %s\n", args.action.c_str(), status.message().c_str());
    return kExitFailure;
  }
  if (!journal.found()) {
    std::fprintf(stderr, "qazna program %s: no program %u in the journal (blocks 0 to %llu)\n", args.action.c_str(),
                 args.program, static_cast<unsigned long long>(height));
    return kExitRefused;
  }
  const std::string out = (args.action == "report" ? journal.report_json() : journal.trail_json()) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

void add_program_cli(CLI::App* app, ProgramCli* cli) {
  CLI::App* program = app->add_subcommand("program", "A digital tenge program's money, from the journal");
  program->require_subcommand(1);
  const auto common = [](CLI::App* sub, ProgramArgs* args) {
    sub->add_option("--data", args->data_dir, "Data directory")->required();
    sub->add_option("--program", args->program, "Program id (as program_published printed it)")->required();
  };
  cli->report.action = "report";
  cli->report_command = program->add_subcommand(
      "report", "Money by state: granted, pending, released, outstanding, spent by category and region, returned");
  common(cli->report_command, &cli->report);
  cli->trail.action = "trail";
  cli->trail_command =
      program->add_subcommand("trail", "Every hop of the program's money from the issuer to its terminal recipients");
  common(cli->trail_command, &cli->trail);
}

int run_program_cli(const ProgramCli& cli) {
  if (cli.report_command != nullptr && cli.report_command->parsed()) return run_program(cli.report);
  if (cli.trail_command != nullptr && cli.trail_command->parsed()) return run_program(cli.trail);
  return -1;
}

}  // namespace qz::app
