// `qazna case open|assign|comment|close|list|show|report`: compliance cases in DIR/monitor.db (docs/monitor.md).
//
// `open` replays the journal under the given configuration to find the alerts by id (ids are stable as the journal
// grows, for one configuration) and copies them, with the client's facts, into the case. Every check that can
// refuse runs before anything is written; the store then refuses, in one transaction, what depends on its state
// (a closed case, an alert already in a case). Read-only actions never create the case file.
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "app/app.h"
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

int fail(const CaseArgs& args, int code, const std::string& message) {
  std::fprintf(stderr, "qazna case %s: %s\n", args.action.c_str(), message.c_str());
  return code;
}

int exit_code(const monitor::CaseResult& result) {
  if (result.is_ok()) return kExitOk;
  return result.code() == monitor::CaseCode::storage ? kExitFailure : kExitRefused;
}

int open_case(const CaseArgs& args, const std::string& path, uint64_t now_ns) {
  monitor::Config config;
  if (!args.config_path.empty()) {
    std::string text;
    Status status = read_input_file(args.config_path, &text);
    if (status.is_ok()) status = monitor::parse_config(text, &config);
    if (!status.is_ok()) return fail(args, kExitRefused, args.config_path + ": " + status.message());
  }
  monitor::Monitor monitor(config);
  std::vector<monitor::Alert> alerts;
  uint64_t height = 0;
  const Status replayed = replay_monitor(args.data_dir, &monitor, &alerts, &height);
  if (!replayed.is_ok()) return fail(args, kExitFailure, replayed.message());

  if (args.alerts.empty()) return fail(args, kExitUsage, "name at least one alert with --alert");
  monitor::CaseOpening opening;
  if (const monitor::CaseResult made = monitor::make_case_opening(monitor, alerts, args.alerts, height, &opening);
      !made.is_ok()) {
    return fail(args, exit_code(made), made.message() + "; nothing changed");
  }
  const uint64_t client = opening.subject.client;
  opening.officer = args.officer;
  opening.note = args.text;
  opening.now_ns = now_ns;
  if (const monitor::CaseResult checked = monitor::check_opening(opening); !checked.is_ok()) {
    return fail(args, exit_code(checked), checked.message() + "; nothing changed");
  }
  // Only now, with the opening checked, is the case file opened (created the first time).
  std::unique_ptr<monitor::CaseStore> store;
  const Status opened = monitor::CaseStore::open(path, &store);
  if (!opened.is_ok()) return fail(args, kExitFailure, opened.message());
  uint64_t case_id = 0;
  const monitor::CaseResult result = store->open_case(opening, &case_id);
  if (!result.is_ok()) return fail(args, exit_code(result), result.message() + "; nothing changed");
  std::string ids;
  for (const monitor::Alert& alert : opening.alerts) {
    if (!ids.empty()) ids += ", ";
    ids += std::to_string(alert.id);
  }
  std::printf("opened case %llu for client %llu with alert%s %s\n", static_cast<unsigned long long>(case_id),
              static_cast<unsigned long long>(client), opening.alerts.size() == 1 ? "" : "s", ids.c_str());
  return kExitOk;
}

std::string list_line(const monitor::Case& c) {
  std::string ids;
  for (const monitor::Alert& alert : c.alerts) {
    if (!ids.empty()) ids += ',';
    ids += std::to_string(alert.id);
  }
  std::string line = "case " + std::to_string(c.id) + "  client " + std::to_string(c.client) + "  ";
  line += c.open ? "open" : std::string("closed (") + monitor::outcome_name(c.outcome) + ")";
  line += "  assignee " + (c.assignee.empty() ? std::string("none") : c.assignee) + "  alerts " + ids + "  opened " +
          monitor::format_time_utc(c.opened_at_ns) + " by " + c.opened_by + "\n";
  return line;
}

}  // namespace

int run_case(const CaseArgs& args) {
  const bool writes =
      args.action == "open" || args.action == "assign" || args.action == "comment" || args.action == "close";
  const bool reads = args.action == "list" || args.action == "show" || args.action == "report";
  if (!writes && !reads)
    return fail(args, kExitUsage, "unknown action (open, assign, comment, close, list, show, report)");
  if (writes) {
    if (const std::string problem = monitor::officer_problem(args.officer); !problem.empty()) {
      return fail(args, kExitUsage, "--by: " + problem);
    }
  }
  monitor::CaseOutcome outcome = monitor::CaseOutcome::none;
  if (args.action == "close" && !monitor::outcome_from_name(args.outcome, &outcome)) {
    return fail(args, kExitUsage, "--outcome: one of no_action, str_filed, client_frozen, client_offboarded");
  }
  if (!file_exists(args.data_dir + "/journal.db")) {
    return fail(args, kExitFailure, args.data_dir + " holds no journal (" + args.data_dir + "/journal.db is missing)");
  }
  const std::string path = args.data_dir + "/monitor.db";
  if (args.action != "open" && !file_exists(path)) {
    // No case was ever opened here; do not create the file to say so.
    if (args.action == "list") {
      if (!args.json) std::printf("no cases\n");
      return kExitOk;
    }
    return fail(
        args, kExitRefused,
        "case " + std::to_string(args.case_id) + " does not exist (no case was opened in " + args.data_dir + ")");
  }
  const uint64_t now_ns = args.now_ns != 0 ? args.now_ns : system_clock()->now_ns();
  if (args.action == "open") return open_case(args, path, now_ns);
  std::unique_ptr<monitor::CaseStore> store;
  const Status opened = monitor::CaseStore::open(path, &store);
  if (!opened.is_ok()) return fail(args, kExitFailure, opened.message());
  monitor::CaseResult result = monitor::CaseResult::ok();
  if (args.action == "assign") {
    result = store->assign(args.case_id, args.assignee, args.officer, now_ns);
    if (result.is_ok())
      std::printf("case %llu assigned to %s\n", static_cast<unsigned long long>(args.case_id), args.assignee.c_str());
  } else if (args.action == "comment") {
    result = store->comment(args.case_id, args.text, args.officer, now_ns);
    if (result.is_ok()) std::printf("case %llu: comment added\n", static_cast<unsigned long long>(args.case_id));
  } else if (args.action == "close") {
    result = store->close(args.case_id, outcome, args.text, args.officer, now_ns);
    if (result.is_ok()) {
      monitor::Case c;
      result = store->load(args.case_id, &c);
      std::printf("case %llu closed: %s\n", static_cast<unsigned long long>(args.case_id), args.outcome.c_str());
      // The engine acts only on commands: the officer's freeze is a command to submit, printed ready for exec.
      if (result.is_ok() && outcome == monitor::CaseOutcome::client_frozen) {
        std::printf(
            "freeze the client in the engine with qazna exec:\n"
            "{\"cmd\":\"set_client_status\",\"client\":%llu,\"status\":\"frozen\",\"reason\":\"compliance_review\","
            "\"role\":\"compliance\"}\n",
            static_cast<unsigned long long>(c.client));
      }
      if (result.is_ok() && outcome == monitor::CaseOutcome::client_offboarded) {
        std::printf(
            "offboard client %llu in the engine with set_client_status and the reason that applies "
            "(docs/clients.md)\n",
            static_cast<unsigned long long>(c.client));
      }
    }
  } else if (args.action == "list") {
    std::vector<monitor::Case> cases;
    result = store->list(&cases);
    if (result.is_ok()) {
      std::string out;
      for (const monitor::Case& c : cases) out += args.json ? monitor::case_json(c) + "\n" : list_line(c);
      if (cases.empty() && !args.json) out = "no cases\n";
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  } else {
    monitor::Case c;
    result = store->load(args.case_id, &c);
    if (result.is_ok()) {
      std::string out;
      if (args.action == "show") {
        out = args.json ? monitor::case_json(c) + "\n" : monitor::case_text(c);
      } else {
        out = args.json ? monitor::str_json(c) + "\n" : monitor::str_text(c);
      }
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
  }
  if (!result.is_ok()) {
    return fail(args, exit_code(result), result.message() + (writes ? "; nothing changed" : ""));
  }
  return kExitOk;
}

}  // namespace qz::app
