// `qazna client onboard|update|approve|clear|confirm|show|list|report|rescreen`: client records, sanctions screening
// and holds (docs/kyc.md), kept in DIR/clients.db beside the journal, whose client commands they submit.
//
// Every argument and the record file are checked before the data directory is touched; the flow (kyc/flow.h)
// then checks the store and the core before it writes, so a refusal leaves the store and the journal as they
// were. Read-only actions never create the store.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "app/app.h"
#include "kyc/flow.h"
#include "kyc/node_core.h"
#include "kyc/record.h"
#include "kyc/render.h"
#include "kyc/store.h"

namespace qz::app {

struct KycArgs {
  std::string action;
  std::string data_dir;
  std::string file;       // onboard, update: the record (JSON)
  std::string officer;    // --by
  std::string lists_dir;  // "" = ../shared/data/sanctions beside the source tree
  uint64_t client = 0;    // --id
  std::string text;       // clear, confirm
  std::string entry;      // confirm: LIST:UID ("" = the best hit)
  bool json = false;      // show, list, report
};

struct KycCli {
  KycArgs args;
  std::vector<std::pair<std::string, CLI::App*>> commands;  // action name, its subcommand
};

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

int fail(const KycArgs& args, int code, const std::string& message) {
  std::fprintf(stderr, "qazna client %s: %s\n", args.action.c_str(), message.c_str());
  return code;
}

int exit_code(const kyc::KycResult& result) {
  if (result.is_ok()) return kExitOk;
  return result.code() == kyc::KycCode::storage ? kExitFailure : kExitRefused;
}

std::string lists_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  std::error_code error;
  const std::string repo_relative = QZ_DEFAULT_LISTS_DIR;  // ../shared/data/sanctions beside the source tree
  if (std::filesystem::is_directory(repo_relative, error)) return repo_relative;
  return "../shared/data/sanctions";
}

void print_outcome(const kyc::Outcome& out) {
  if (!out.commands.empty()) {
    std::string commands;
    for (const std::string& command : out.commands) commands += (commands.empty() ? "" : "; ") + command;
    std::printf("journal: %s (block %llu)\n", commands.c_str(), static_cast<unsigned long long>(out.height));
  }
  for (const std::string& note : out.notes) std::printf("note: %s\n", note.c_str());
}

void print_hits(kyc::ClientStore* store, uint64_t client, uint64_t screening_id) {
  std::vector<kyc::Screening> screenings;
  if (!store->screenings(client, &screenings).is_ok()) return;
  for (const kyc::Screening& s : screenings) {
    if (s.id != screening_id) continue;
    for (const kyc::ScreeningHit& h : s.hits) {
      std::printf("  score %u  %s %s  %s  (%s \"%s\")\n", h.hit.score, h.hit.list_id.c_str(), h.hit.uid.c_str(),
                  (h.hit.primary_name.empty() ? h.hit.matched_name : h.hit.primary_name).c_str(), h.subject.c_str(),
                  h.query.name.c_str());
      for (const std::string& line : h.hit.evidence) std::printf("    %s\n", line.c_str());
    }
  }
}

int run_kyc(const KycArgs& args) {
  const std::string& action = args.action;
  const bool reads = action == "show" || action == "list" || action == "report";
  if (!reads) {
    if (const std::string problem = kyc::officer_problem(args.officer); !problem.empty()) {
      return fail(args, kExitUsage, "--by: " + problem);
    }
  }
  kyc::ClientRecord record;
  if (action == "onboard" || action == "update") {
    std::string text;
    Status status = read_input_file(args.file, &text);
    if (status.is_ok()) status = kyc::parse_client_record(text, &record);
    if (!status.is_ok()) return fail(args, kExitRefused, args.file + ": " + status.message() + "; nothing changed");
  }
  if (action == "clear" || action == "confirm") {
    if (const std::string problem = kyc::officer_text_problem(args.text); !problem.empty()) {
      return fail(args, kExitRefused, "--text: " + problem + "; nothing changed");
    }
  }
  if (!file_exists(args.data_dir + "/journal.db")) {
    return fail(args, kExitFailure, args.data_dir + " holds no journal (" + args.data_dir + "/journal.db is missing)");
  }
  const std::string path = args.data_dir + "/clients.db";
  if (reads && !file_exists(path)) {
    if (action == "list") {
      if (!args.json) std::printf("no clients\n");
      return kExitOk;
    }
    return fail(args, kExitRefused, "client " + std::to_string(args.client) + " has no record here");
  }
  std::unique_ptr<kyc::ClientStore> store;
  if (const Status opened = kyc::ClientStore::open(path, &store); !opened.is_ok()) {
    return fail(args, kExitFailure, opened.message());
  }

  if (action == "report") {
    std::vector<kyc::Hold> holds;
    Status status = store->holds(args.client, &holds);
    if (!status.is_ok()) return fail(args, kExitFailure, status.message());
    std::string out;
    for (const kyc::Hold& hold : holds) {
      if (hold.state != kyc::HoldState::confirmed) continue;
      kyc::Report report;
      bool found = false;
      status = store->report(hold.id, &found, &report);
      if (!status.is_ok()) return fail(args, kExitFailure, status.message());
      if (found) out += args.json ? report.json + "\n" : report.text;
    }
    if (out.empty()) return fail(args, kExitRefused, "client " + std::to_string(args.client) + " has no confirmed match");
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }

  std::unique_ptr<Node> node;
  if (const Status opened = open_node(args.data_dir, &node); !opened.is_ok()) {
    return fail(args, kExitFailure, opened.message());
  }
  kyc::NodeCore core(node.get());
  std::unique_ptr<kyc::ScreeningLists> loaded;
  const std::string dir = lists_dir(args.lists_dir);
  kyc::Kyc flow(store.get(), &core, [&loaded, &dir](const kyc::ScreeningLists** lists) -> Status {
    if (loaded == nullptr) {
      const Status status = kyc::load_screening_lists(dir, &loaded);
      if (!status.is_ok()) return Status::error(dir + ": " + status.message());
    }
    *lists = loaded.get();
    return Status::ok();
  });
  const uint64_t now_ns = system_clock()->now_ns();
  const std::string id = std::to_string(action == "onboard" || action == "update" ? record.id : args.client);
  kyc::Outcome out;
  kyc::KycResult result = kyc::KycResult::ok();

  if (action == "show" || action == "list") {
    std::vector<uint64_t> ids = {args.client};
    if (action == "list") {
      const Status status = store->client_ids(&ids);
      if (!status.is_ok()) return fail(args, kExitFailure, status.message());
    }
    std::string text;
    for (const uint64_t client : ids) {
      kyc::ClientView view;
      bool found = false;
      const Status status = kyc::load_client_view(store.get(), &core, client, &found, &view);
      if (!status.is_ok()) return fail(args, kExitFailure, status.message());
      if (!found) return fail(args, kExitRefused, "client " + id + " has no record here");
      if (action == "show") {
        text += args.json ? kyc::client_view_json(view) + "\n" : kyc::client_view_text(view);
      } else {
        text += args.json ? kyc::client_summary_json(view) + "\n" : kyc::client_summary_text(view);
      }
    }
    if (action == "list" && ids.empty() && !args.json) text = "no clients\n";
    node->stop();
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }

  if (action == "onboard") {
    result = flow.onboard(record, args.officer, now_ns, &out);
    if (result.is_ok()) {
      std::printf("onboarded client %s (version %llu): %s", id.c_str(), static_cast<unsigned long long>(out.version),
                  out.hits == 0 ? "no hits" : (std::to_string(out.hits) + " hit" + (out.hits == 1 ? "" : "s")).c_str());
      if (out.hold_opened) {
        std::printf("; HELD (hold %llu): approval waits until an officer clears or confirms it\n",
                    static_cast<unsigned long long>(out.hold));
      } else {
        std::printf("; pending the officer's approval (qazna client approve)\n");
      }
      print_hits(store.get(), record.id, out.screening);
    }
  } else if (action == "update") {
    result = flow.update(record, args.officer, now_ns, &out);
    if (result.is_ok()) {
      std::printf("updated client %s to version %llu", id.c_str(), static_cast<unsigned long long>(out.version));
      if (out.screening == 0) {
        std::printf(": no name changed, not screened\n");
      } else {
        std::printf(": new names screened, %zu hit%s", out.hits, out.hits == 1 ? "" : "s");
        if (out.hold != 0) {
          std::printf("; %s hold %llu", out.hold_opened ? "HELD by" : "added to", static_cast<unsigned long long>(out.hold));
        }
        std::printf("\n");
        print_hits(store.get(), record.id, out.screening);
      }
    }
  } else if (action == "approve") {
    result = flow.approve(args.client, args.officer, now_ns, &out);
    if (result.is_ok()) std::printf("approved client %s: active (kyc_approved)\n", id.c_str());
  } else if (action == "clear") {
    result = flow.clear(args.client, args.officer, args.text, now_ns, &out);
    if (result.is_ok()) {
      std::printf("cleared hold %llu of client %s (a false positive)\n", static_cast<unsigned long long>(out.hold),
                  id.c_str());
    }
  } else if (action == "confirm") {
    result = flow.confirm(args.client, args.officer, args.text, args.entry, now_ns, &out);
    if (result.is_ok()) {
      std::printf("confirmed hold %llu of client %s: frozen (sanctions_match); report: qazna client report --id %s\n",
                  static_cast<unsigned long long>(out.hold), id.c_str(), id.c_str());
    }
  } else if (action == "rescreen") {
    kyc::RescreenReport report;
    result = flow.sync_lists(args.officer, now_ns, &report);
    if (result.is_ok()) {
      if (!report.lists_changed) {
        std::printf("the lists are the ones of the last screening run: nothing to rescreen\n");
      } else {
        for (const screening::ListDiff& diff : report.diffs) {
          std::printf("list %s: %zu added, %zu modified, %zu removed\n", diff.list_id.c_str(), diff.added.size(),
                      diff.modified.size(), diff.removed.size());
        }
        std::printf("rescreened %zu clients against %zu changed entries (%zu skipped): %zu with hits\n",
                    report.clients, report.changed_entries, report.skipped, report.clients_with_hits);
        for (const uint64_t client : report.held) std::printf("held: client %llu\n", static_cast<unsigned long long>(client));
      }
      out.commands = report.commands;
    }
  } else {
    node->stop();
    return fail(args, kExitUsage, "unknown action");
  }
  node->stop();
  if (!result.is_ok()) {
    return fail(args, exit_code(result),
                result.message() + (result.code() == kyc::KycCode::storage ? "" : "; nothing changed"));
  }
  print_outcome(out);
  return kExitOk;
}

CLI::Validator client_id() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos ||
            text.find_first_not_of('0') == std::string::npos) {
          return "must be a whole number above 0, got '" + text + "'";
        }
        return "";
      },
      "", "client_id");
}

}  // namespace

std::shared_ptr<KycCli> add_kyc_cli(CLI::App* app) {
  auto cli = std::make_shared<KycCli>();
  KycArgs& a = cli->args;
  CLI::App* client =
      app->add_subcommand("client", "Client records, sanctions screening and holds (DIR/clients.db; docs/kyc.md)");
  client->require_subcommand(1);
  const auto add = [&](const char* name, const char* help) {
    CLI::App* sub = client->add_subcommand(name, help);
    sub->add_option("--data", a.data_dir, "Data directory")->required();
    cli->commands.emplace_back(name, sub);
    return sub;
  };
  const auto by = [&](CLI::App* sub, bool required) {
    CLI::Option* option = sub->add_option("--by", a.officer, "The officer acting (1-64 of A-Z a-z 0-9 . _ @ -)");
    if (required) option->required();
    option->check([](const std::string& text) { return kyc::officer_problem(text); });
  };
  const auto id = [&](CLI::App* sub) { sub->add_option("--id", a.client, "Client id")->required()->check(client_id()); };
  const auto lists = [&](CLI::App* sub, bool required) {
    CLI::Option* option =
        sub->add_option("--lists", a.lists_dir, "Sanctions lists directory (default ../shared/data/sanctions)");
    if (required) option->required();
  };

  CLI::App* onboard = add("onboard", "Screen a new client's record and register it (pending; held on a hit)");
  onboard->add_option("--file", a.file, "The client record, JSON (docs/kyc.md); - reads stdin")->required();
  by(onboard, true);
  lists(onboard, false);
  CLI::App* update = add("update", "Store a new version of a client's record; new names are screened");
  update->add_option("--file", a.file, "The client record, JSON (docs/kyc.md); - reads stdin")->required();
  by(update, true);
  lists(update, false);
  CLI::App* approve = add("approve", "Approve a pending client (active, kyc_approved); refused while held");
  id(approve);
  by(approve, true);
  CLI::App* clear = add("clear", "Clear a client's open hold: the hits are false positives");
  id(clear);
  by(clear, true);
  clear->add_option("--text", a.text, "The reasoning")->required();
  CLI::App* confirm = add("confirm", "Confirm a client's open hold: frozen (sanctions_match), report prepared");
  id(confirm);
  by(confirm, true);
  confirm->add_option("--text", a.text, "The reasoning")->required();
  confirm->add_option("--entry", a.entry, "The list entry confirmed, LIST:UID (default: the best hit)");
  CLI::App* show = add("show", "A client's record, status, screenings with hits, holds and actions");
  id(show);
  show->add_flag("--json", a.json, "One JSON object");
  CLI::App* list = add("list", "Every client with its status and hold");
  list->add_flag("--json", a.json, "One JSON object per client per line");
  CLI::App* report = add("report", "The sanctions match report of a confirmed hold, for the regulator");
  id(report);
  report->add_flag("--json", a.json, "One JSON object instead of text");
  CLI::App* rescreen = add("rescreen", "Rescreen every client against the list entries changed since the last run");
  lists(rescreen, true);
  a.officer = "list-update";
  by(rescreen, false);
  return cli;
}

int run_kyc_cli(const KycCli& cli) {
  for (const auto& [name, command] : cli.commands) {
    if (!command->parsed()) continue;
    KycArgs args = cli.args;
    args.action = name;
    return run_kyc(args);
  }
  return -1;
}

}  // namespace qz::app
