// Compliance cases over monitoring alerts, kept in a SQLite file (DIR/monitor.db), and the suspicious transaction
// report (STR) of a case. Lifecycle, schema and report formats in docs/monitor.md.
//
// A case is opened from one or more alerts of one client by an officer, may be assigned (and reassigned),
// commented on, and is closed once with an outcome; a closed case takes no further action. Every step is a row
// of the case's action log (who, when, what), written in the same transaction as the change it records; the log
// and the alerts a case holds are append-only (SQLite triggers refuse updates and deletes). An alert belongs to
// at most one case. The case keeps a copy of its alerts and of the client's facts at opening, so its report reads
// the same whatever happens to the journal or the monitoring configuration later.
//
// Refusals (an unknown case, a closed case, bad text) change nothing and say why. Times are whatever the caller
// passes (the CLI: wall-clock time). Several processes may use one file; each change is one IMMEDIATE transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "monitor/monitor.h"
#include "monitor/reports.h"

namespace qz::sqlite {
class Database;
}  // namespace qz::sqlite

namespace qz::monitor {

enum class CaseOutcome : uint8_t { none = 0, no_action = 1, str_filed = 2, client_frozen = 3, client_offboarded = 4 };
const char* outcome_name(CaseOutcome outcome);                                  // "str_filed"; "" for none
[[nodiscard]] bool outcome_from_name(std::string_view name, CaseOutcome* out);  // not "none"

enum class CaseCode : uint8_t {
  ok = 0,
  not_found = 1,  // no such case or alert
  closed = 2,     // the case is closed
  invalid = 3,    // bad officer name, text, outcome, or an empty or mixed set of alerts
  conflict = 4,   // an alert already in a case; assigning to the current assignee
  storage = 5,    // the SQLite file failed
};

class [[nodiscard]] CaseResult {
 public:
  static CaseResult ok() { return CaseResult(CaseCode::ok, ""); }
  static CaseResult fail(CaseCode code, std::string message) { return CaseResult(code, std::move(message)); }
  bool is_ok() const { return code_ == CaseCode::ok; }
  CaseCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  CaseResult(CaseCode code, std::string message) : code_(code), message_(std::move(message)) {}
  CaseCode code_;
  std::string message_;
};

// What the journal said about the client when the case was opened.
struct CaseSubject {
  uint64_t client = 0;
  bool registered = false;  // false: the registry never knew the client; the facts below are empty
  ClientFacts facts;
  ClientStatus status = ClientStatus::pending;
  uint64_t as_of_height = 0;  // the journal's height at opening
};

struct CaseAction {
  uint64_t seq = 0;  // across all cases, increasing
  uint64_t at_ns = 0;
  std::string officer;
  std::string action;  // "opened", "assigned", "commented", "closed"
  std::string value;   // opened: the alert ids ("1,4"); assigned: the assignee; closed: the outcome
  std::string text;    // the note or comment ("" when none)
};

struct Case {
  uint64_t id = 0;
  uint64_t client = 0;
  bool open = true;
  std::string assignee;  // "" until assigned
  CaseOutcome outcome = CaseOutcome::none;
  uint64_t opened_at_ns = 0;
  std::string opened_by;
  uint64_t closed_at_ns = 0;
  std::string config_digest;  // config_digest() of the configuration the alerts were raised under
  std::string tenge;          // the tenge asset's code in that configuration
  CaseSubject subject;
  std::vector<Alert> alerts;
  std::vector<CaseAction> actions;  // in order
};

struct CaseOpening {
  std::vector<Alert> alerts;  // one or more, all of subject.client
  CaseSubject subject;
  std::string officer;
  std::string note;  // may be empty
  uint64_t now_ns = 0;
  std::string config_digest;
  std::string tenge = "KZT";
};

class CaseStore {
 public:
  // Opens (creating when missing) the case file at `path`.
  [[nodiscard]] static Status open(const std::string& path, std::unique_ptr<CaseStore>* out);
  ~CaseStore();
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;

  // invalid (no alerts, an alert of another client, an alert twice, officer or note malformed), conflict (an
  // alert already in a case). *case_id: the new case's id (dense from 1).
  CaseResult open_case(const CaseOpening& opening, uint64_t* case_id);
  // invalid (names), not_found, closed, conflict (already assigned to that officer).
  CaseResult assign(uint64_t case_id, std::string_view assignee, std::string_view officer, uint64_t now_ns);
  // invalid (officer, text empty or malformed), not_found, closed.
  CaseResult comment(uint64_t case_id, std::string_view text, std::string_view officer, uint64_t now_ns);
  // invalid (officer, outcome none, text malformed), not_found, closed. The text may be empty.
  CaseResult close(uint64_t case_id, CaseOutcome outcome, std::string_view text, std::string_view officer,
                   uint64_t now_ns);

  // Every case in id order, without alerts and actions (alerts holds only the ids: Alert::id).
  CaseResult list(std::vector<Case>* out);
  // The whole case. not_found.
  CaseResult load(uint64_t case_id, Case* out);
  // The case holding `alert_id`, or 0.
  CaseResult case_of_alert(uint64_t alert_id, uint64_t* case_id);

 private:
  explicit CaseStore(std::unique_ptr<sqlite::Database> db);
  std::unique_ptr<sqlite::Database> db_;
};

// The opening of a case from the alerts `alert_ids` (ids as the Monitor numbered them: alerts[id - 1]) after the
// journal was replayed through `monitor` up to `height`: the alerts copied, the client's facts as the stream gave
// them, the configuration's digest. not_found (an id that does not exist, naming the range), invalid (no ids).
CaseResult make_case_opening(const Monitor& monitor, std::span<const Alert> alerts, std::span<const uint64_t> alert_ids,
                             uint64_t height, CaseOpening* out);

// The suspicious transaction reports filed: the cases closed with outcome str_filed (for ReportBuilder::report).
std::vector<FiledReport> filed_reports(std::span<const Case> cases);

// The checks of open_case that need no store (officer, note, the alerts): ok, or invalid.
CaseResult check_opening(const CaseOpening& opening);

// Checks of what officers type, for the CLI as well: an officer name is 1-64 of A-Z a-z 0-9 . _ @ -; a text is
// valid UTF-8 of at most 4,000 bytes without control characters other than newline and tab. "" when fine.
std::string officer_problem(std::string_view name);
std::string text_problem(std::string_view text);

// The suspicious transaction report of a case: the client's facts, the alerts with their evidence, the officers'
// comments and the outcome. JSON: one object on one line. Text: for a person, ending in a newline.
std::string str_json(const Case& c);
std::string str_text(const Case& c);

// A case's state and history (qazna case show): one JSON line, or lines of text.
std::string case_json(const Case& c);
std::string case_text(const Case& c);

}  // namespace qz::monitor
