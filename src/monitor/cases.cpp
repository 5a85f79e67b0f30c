#include "monitor/cases.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/assert.h"
#include "base/decimal.h"
#include "json/writer.h"
#include "monitor/render.h"
#include "sqlite/sqlite.h"

namespace qz::monitor {

const char* outcome_name(CaseOutcome outcome) {
  switch (outcome) {
    case CaseOutcome::none: return "";
    case CaseOutcome::no_action: return "no_action";
    case CaseOutcome::str_filed: return "str_filed";
    case CaseOutcome::client_frozen: return "client_frozen";
    case CaseOutcome::client_offboarded: return "client_offboarded";
  }
  return "";
}

bool outcome_from_name(std::string_view name, CaseOutcome* out) {
  for (uint8_t value = 1; value <= 4; value++) {
    if (name == outcome_name(static_cast<CaseOutcome>(value))) {
      *out = static_cast<CaseOutcome>(value);
      return true;
    }
  }
  return false;
}

std::string officer_problem(std::string_view name) {
  if (name.empty() || name.size() > 64) return "an officer name is 1 to 64 characters";
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '@' || c == '-';
    if (!ok) return "an officer name may hold only letters A-Z a-z, digits and . _ @ -";
  }
  return "";
}

std::string text_problem(std::string_view text) {
  if (text.size() > 4'000) return "a text is at most 4000 bytes";
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if ((byte < 0x20 && byte != '\n' && byte != '\t') || byte == 0x7F) {
        return "a text may not hold control characters other than newline and tab";
      }
      i++;
      continue;
    }
    // A multi-byte UTF-8 sequence: its length from the lead byte, its value checked against overlongs,
    // surrogates and the Unicode range.
    size_t length = 0;
    uint32_t value = 0;
    if ((byte & 0xE0) == 0xC0) {
      length = 2;
      value = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      value = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      value = byte & 0x07;
    } else {
      return "a text must be valid UTF-8";
    }
    if (i + length > text.size()) return "a text must be valid UTF-8";
    for (size_t k = 1; k < length; k++) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return "a text must be valid UTF-8";
      value = (value << 6) | (next & 0x3F);
    }
    const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return "a text must be valid UTF-8";
    }
    i += length;
  }
  return "";
}

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases(
  id INTEGER PRIMARY KEY,
  client INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('open', 'closed')),
  assignee TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  opened_at_ns INTEGER NOT NULL,
  opened_by TEXT NOT NULL,
  closed_at_ns INTEGER NOT NULL DEFAULT 0,
  config_digest TEXT NOT NULL,
  tenge TEXT NOT NULL,
  subject_registered INTEGER NOT NULL,
  subject_class INTEGER NOT NULL,
  subject_tier INTEGER NOT NULL,
  subject_residence TEXT NOT NULL,
  subject_nationality TEXT NOT NULL,
  subject_knowledge_test INTEGER NOT NULL,
  subject_status INTEGER NOT NULL,
  subject_height INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS case_alerts(
  alert_id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  rule TEXT NOT NULL,
  client INTEGER NOT NULL,
  height INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_evidence(
  alert_id INTEGER NOT NULL REFERENCES case_alerts(alert_id),
  seq INTEGER NOT NULL,
  height INTEGER NOT NULL,
  event_index INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  client INTEGER NOT NULL,
  object_id INTEGER NOT NULL,
  label TEXT NOT NULL,
  asset TEXT NOT NULL,
  scale INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  value_tiyn INTEGER NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY(alert_id, seq));
CREATE TABLE IF NOT EXISTS case_actions(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  at_ns INTEGER NOT NULL,
  officer TEXT NOT NULL,
  action TEXT NOT NULL,
  value TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS case_actions_no_update BEFORE UPDATE ON case_actions
  BEGIN SELECT RAISE(ABORT, 'case actions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_actions_no_delete BEFORE DELETE ON case_actions
  BEGIN SELECT RAISE(ABORT, 'case actions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_alerts_no_update BEFORE UPDATE ON case_alerts
  BEGIN SELECT RAISE(ABORT, 'case alerts are append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_alerts_no_delete BEFORE DELETE ON case_alerts
  BEGIN SELECT RAISE(ABORT, 'case alerts are append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_evidence_no_update BEFORE UPDATE ON case_evidence
  BEGIN SELECT RAISE(ABORT, 'case evidence is append-only'); END;
CREATE TRIGGER IF NOT EXISTS case_evidence_no_delete BEFORE DELETE ON case_evidence
  BEGIN SELECT RAISE(ABORT, 'case evidence is append-only'); END;
CREATE TRIGGER IF NOT EXISTS cases_no_delete BEFORE DELETE ON cases
  BEGIN SELECT RAISE(ABORT, 'cases are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS cases_closed_final BEFORE UPDATE ON cases WHEN OLD.state = 'closed'
  BEGIN SELECT RAISE(ABORT, 'a closed case is final'); END;
INSERT OR IGNORE INTO meta(key, value) VALUES('format_version', '1');
)sql";

// A commit survives a power loss; a second process using the file waits up to 5 s for its lock.
constexpr sqlite::OpenOptions kOpenOptions{
    .synchronous = sqlite::Sync::full, .foreign_keys = true, .busy_timeout_ms = 5'000};

// A failure of the file: its message names the file, what was being done and SQLite's reason.
CaseResult storage(const Status& status) { return CaseResult::fail(CaseCode::storage, status.message()); }

// Returns storage(status) from the function (which returns a CaseResult) when `expr`, a Status, failed.
#define CASE_TRY(expr)                                       \
  do {                                                       \
    const ::qz::Status case_status_ = (expr);                \
    if (!case_status_.is_ok()) return storage(case_status_); \
  } while (0)

// Runs `body` in one IMMEDIATE transaction: committed when it returns ok, rolled back otherwise.
template <typename Body>
CaseResult in_transaction(sqlite::Database& db, Body&& body) {
  sqlite::Transaction transaction(&db);
  CASE_TRY(transaction.begin());
  CaseResult result = body();
  if (!result.is_ok()) return result;  // `transaction` rolls back as it goes out of scope
  CASE_TRY(transaction.commit());
  return CaseResult::ok();
}

CaseResult append_action(sqlite::Database& db, uint64_t case_id, uint64_t at_ns, std::string_view officer,
                         std::string_view action, std::string_view value, std::string_view text) {
  sqlite::Statement insert;
  CASE_TRY(db.prepare("INSERT INTO case_actions(case_id, at_ns, officer, action, value, text) VALUES(?, ?, ?, ?, ?, ?)",
                      &insert));
  CASE_TRY(insert.bind(1, case_id)
               .bind(2, at_ns)
               .bind(3, officer)
               .bind(4, action)
               .bind(5, value)
               .bind(6, text)
               .run("recording the action"));
  return CaseResult::ok();
}

// The case's state for a change: not_found or closed refuse it.
CaseResult open_case_state(sqlite::Database& db, uint64_t case_id, std::string* assignee) {
  sqlite::Statement select;
  CASE_TRY(db.prepare("SELECT state, assignee FROM cases WHERE id = ?", &select));
  select.bind(1, case_id);
  bool found = false;
  CASE_TRY(select.step(&found, "reading case " + std::to_string(case_id)));
  if (!found) return CaseResult::fail(CaseCode::not_found, "case " + std::to_string(case_id) + " does not exist");
  if (select.column_text(0) != "open") {
    return CaseResult::fail(CaseCode::closed, "case " + std::to_string(case_id) + " is closed; a closed case is final");
  }
  if (assignee != nullptr) *assignee = select.column_text(1);
  return CaseResult::ok();
}

CaseResult check_officer(std::string_view officer, const char* what) {
  const std::string problem = officer_problem(officer);
  if (!problem.empty()) return CaseResult::fail(CaseCode::invalid, std::string(what) + ": " + problem);
  return CaseResult::ok();
}

std::string alert_ids_text(const std::vector<Alert>& alerts) {
  std::string text;
  for (const Alert& alert : alerts) {
    if (!text.empty()) text += ',';
    text += std::to_string(alert.id);
  }
  return text;
}

const char* status_text(ClientStatus status) { return client_status_name(status); }

}  // namespace

Status CaseStore::open(const std::string& path, std::unique_ptr<CaseStore>* out) {
  std::unique_ptr<sqlite::Database> db;
  QZ_TRY(sqlite::Database::open(path, kOpenOptions, &db));
  QZ_TRY(db->apply_schema_script("case store", kSchema, "1"));
  out->reset(new CaseStore(std::move(db)));
  return Status::ok();
}

CaseStore::CaseStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}

CaseStore::~CaseStore() = default;

CaseResult check_opening(const CaseOpening& opening) {
  CaseResult checked = check_officer(opening.officer, "officer");
  if (!checked.is_ok()) return checked;
  if (const std::string problem = text_problem(opening.note); !problem.empty()) {
    return CaseResult::fail(CaseCode::invalid, "note: " + problem);
  }
  if (opening.alerts.empty()) return CaseResult::fail(CaseCode::invalid, "a case needs at least one alert");
  std::set<uint64_t> ids;
  for (const Alert& alert : opening.alerts) {
    if (!ids.insert(alert.id).second) {
      return CaseResult::fail(CaseCode::invalid, "alert " + std::to_string(alert.id) + " is named twice");
    }
    if (alert.client != opening.subject.client) {
      return CaseResult::fail(CaseCode::invalid, "alert " + std::to_string(alert.id) + " concerns client " +
                                                     std::to_string(alert.client) + ", not client " +
                                                     std::to_string(opening.subject.client) +
                                                     "; a case holds the alerts of one client");
    }
  }
  return CaseResult::ok();
}

CaseResult CaseStore::open_case(const CaseOpening& opening, uint64_t* case_id) {
  CaseResult checked = check_opening(opening);
  if (!checked.is_ok()) return checked;
  std::vector<Alert> alerts = opening.alerts;
  std::sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) { return a.id < b.id; });
  uint64_t id = 0;
  CaseResult result = in_transaction(*db_, [&]() -> CaseResult {
    for (const Alert& alert : alerts) {
      uint64_t holder = 0;
      CaseResult found = case_of_alert(alert.id, &holder);
      if (!found.is_ok()) return found;
      if (holder != 0) {
        return CaseResult::fail(CaseCode::conflict,
                                "alert " + std::to_string(alert.id) + " is already in case " + std::to_string(holder));
      }
    }
    const CaseSubject& s = opening.subject;
    sqlite::Statement insert;
    CASE_TRY(
        db_->prepare("INSERT INTO cases(client, state, opened_at_ns, opened_by, config_digest, tenge, "
                     "subject_registered, subject_class, subject_tier, subject_residence, subject_nationality, "
                     "subject_knowledge_test, subject_status, subject_height) "
                     "VALUES(?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     &insert));
    CASE_TRY(insert.bind(1, s.client)
                 .bind(2, opening.now_ns)
                 .bind(3, opening.officer)
                 .bind(4, opening.config_digest)
                 .bind(5, opening.tenge)
                 .bind(6, s.registered)
                 .bind(7, uint32_t{static_cast<uint8_t>(s.facts.classification)})
                 .bind(8, uint32_t{s.facts.kyc_tier})
                 .bind(9, s.registered ? std::string_view(s.facts.residence, 2) : std::string_view())
                 .bind(10, s.registered ? std::string_view(s.facts.nationality, 2) : std::string_view())
                 .bind(11, s.facts.knowledge_test_passed)
                 .bind(12, uint32_t{static_cast<uint8_t>(s.status)})
                 .bind(13, s.as_of_height)
                 .run("creating the case"));
    id = static_cast<uint64_t>(db_->last_insert_rowid());
    sqlite::Statement row;
    CASE_TRY(
        db_->prepare("INSERT INTO case_alerts(alert_id, case_id, rule, client, height, time_ns, summary) "
                     "VALUES(?, ?, ?, ?, ?, ?, ?)",
                     &row));
    sqlite::Statement evidence;
    CASE_TRY(
        db_->prepare("INSERT INTO case_evidence(alert_id, seq, height, event_index, kind, time_ns, client, "
                     "object_id, label, asset, scale, amount_minor, value_tiyn, detail) "
                     "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     &evidence));
    for (const Alert& alert : alerts) {
      CASE_TRY(row.bind(1, alert.id)
                   .bind(2, id)
                   .bind(3, rule_name(alert.rule))
                   .bind(4, alert.client)
                   .bind(5, alert.height)
                   .bind(6, alert.time_ns)
                   .bind(7, alert.summary)
                   .run("storing alert " + std::to_string(alert.id)));
      const std::string doing = "storing the evidence of alert " + std::to_string(alert.id);
      for (size_t seq = 0; seq < alert.evidence.size(); seq++) {
        const Evidence& e = alert.evidence[seq];
        CASE_TRY(evidence.bind(1, alert.id)
                     .bind(2, uint64_t{seq})
                     .bind(3, e.height)
                     .bind(4, e.event_index)
                     .bind(5, uint32_t{static_cast<uint16_t>(e.kind)})
                     .bind(6, e.time_ns)
                     .bind(7, e.client)
                     .bind(8, e.object_id)
                     .bind(9, e.label)
                     .bind(10, e.asset)
                     .bind(11, uint32_t{e.scale})
                     .bind(12, e.amount_minor)
                     .bind(13, e.value_tiyn)
                     .bind(14, e.detail)
                     .run(doing));
      }
    }
    return append_action(*db_, id, opening.now_ns, opening.officer, "opened", alert_ids_text(alerts), opening.note);
  });
  if (result.is_ok()) *case_id = id;
  return result;
}

CaseResult CaseStore::assign(uint64_t case_id, std::string_view assignee, std::string_view officer, uint64_t now_ns) {
  CaseResult checked = check_officer(officer, "officer");
  if (checked.is_ok()) checked = check_officer(assignee, "assignee");
  if (!checked.is_ok()) return checked;
  return in_transaction(*db_, [&]() -> CaseResult {
    std::string current;
    CaseResult state = open_case_state(*db_, case_id, &current);
    if (!state.is_ok()) return state;
    if (current == assignee) {
      return CaseResult::fail(CaseCode::conflict,
                              "case " + std::to_string(case_id) + " is already assigned to " + current);
    }
    sqlite::Statement update;
    CASE_TRY(db_->prepare("UPDATE cases SET assignee = ? WHERE id = ?", &update));
    CASE_TRY(update.bind(1, assignee).bind(2, case_id).run("assigning the case"));
    return append_action(*db_, case_id, now_ns, officer, "assigned", assignee, "");
  });
}

CaseResult CaseStore::comment(uint64_t case_id, std::string_view text, std::string_view officer, uint64_t now_ns) {
  CaseResult checked = check_officer(officer, "officer");
  if (!checked.is_ok()) return checked;
  if (text.empty()) return CaseResult::fail(CaseCode::invalid, "comment: the text is empty");
  if (const std::string problem = text_problem(text); !problem.empty()) {
    return CaseResult::fail(CaseCode::invalid, "comment: " + problem);
  }
  return in_transaction(*db_, [&]() -> CaseResult {
    CaseResult state = open_case_state(*db_, case_id, nullptr);
    if (!state.is_ok()) return state;
    return append_action(*db_, case_id, now_ns, officer, "commented", "", text);
  });
}

CaseResult CaseStore::close(uint64_t case_id, CaseOutcome outcome, std::string_view text, std::string_view officer,
                            uint64_t now_ns) {
  CaseResult checked = check_officer(officer, "officer");
  if (!checked.is_ok()) return checked;
  if (outcome == CaseOutcome::none || outcome_name(outcome)[0] == '\0') {
    return CaseResult::fail(CaseCode::invalid, "a case closes with an outcome");
  }
  if (const std::string problem = text_problem(text); !problem.empty()) {
    return CaseResult::fail(CaseCode::invalid, "text: " + problem);
  }
  return in_transaction(*db_, [&]() -> CaseResult {
    CaseResult state = open_case_state(*db_, case_id, nullptr);
    if (!state.is_ok()) return state;
    sqlite::Statement update;
    CASE_TRY(db_->prepare("UPDATE cases SET state = 'closed', outcome = ?, closed_at_ns = ? WHERE id = ?", &update));
    CASE_TRY(update.bind(1, outcome_name(outcome)).bind(2, now_ns).bind(3, case_id).run("closing the case"));
    return append_action(*db_, case_id, now_ns, officer, "closed", outcome_name(outcome), text);
  });
}

namespace {

constexpr char kCaseColumns[] =
    "SELECT id, client, state, assignee, outcome, opened_at_ns, opened_by, closed_at_ns, config_digest, tenge, "
    "subject_registered, subject_class, subject_tier, subject_residence, subject_nationality, "
    "subject_knowledge_test, subject_status, subject_height FROM cases";

void read_case_row(const sqlite::Statement& row, Case* c) {
  c->id = row.column_u64(0);
  c->client = row.column_u64(1);
  c->open = row.column_text(2) == "open";
  c->assignee = row.column_text(3);
  c->outcome = CaseOutcome::none;
  if (!outcome_from_name(row.column_text(4), &c->outcome)) c->outcome = CaseOutcome::none;
  c->opened_at_ns = row.column_u64(5);
  c->opened_by = row.column_text(6);
  c->closed_at_ns = row.column_u64(7);
  c->config_digest = row.column_text(8);
  c->tenge = row.column_text(9);
  CaseSubject& s = c->subject;
  s.client = c->client;
  s.registered = row.column_u64(10) != 0;
  s.facts.classification = static_cast<ClientClass>(row.column_u64(11));
  s.facts.kyc_tier = static_cast<uint8_t>(row.column_u64(12));
  const std::string residence = row.column_text(13);
  const std::string nationality = row.column_text(14);
  if (residence.size() == 2) std::copy(residence.begin(), residence.end(), s.facts.residence);
  if (nationality.size() == 2) std::copy(nationality.begin(), nationality.end(), s.facts.nationality);
  s.facts.knowledge_test_passed = row.column_u64(15) != 0;
  s.status = static_cast<ClientStatus>(row.column_u64(16));
  s.as_of_height = row.column_u64(17);
}

}  // namespace

CaseResult CaseStore::list(std::vector<Case>* out) {
  out->clear();
  sqlite::Statement cases;
  CASE_TRY(db_->prepare(std::string(kCaseColumns) + " ORDER BY id", &cases));
  bool ready = false;
  while (true) {
    CASE_TRY(cases.step(&ready, "listing cases"));
    if (!ready) break;
    Case c;
    read_case_row(cases, &c);
    out->push_back(std::move(c));
  }
  sqlite::Statement alerts;
  CASE_TRY(db_->prepare("SELECT case_id, alert_id FROM case_alerts ORDER BY case_id, alert_id", &alerts));
  while (true) {
    CASE_TRY(alerts.step(&ready, "listing alerts"));
    if (!ready) break;
    const uint64_t case_id = alerts.column_u64(0);
    if (case_id >= 1 && case_id <= out->size() && (*out)[case_id - 1].id == case_id) {
      Alert alert;
      alert.id = alerts.column_u64(1);
      (*out)[case_id - 1].alerts.push_back(std::move(alert));
    }
  }
  return CaseResult::ok();
}

CaseResult CaseStore::load(uint64_t case_id, Case* out) {
  *out = Case{};
  sqlite::Statement row;
  CASE_TRY(db_->prepare(std::string(kCaseColumns) + " WHERE id = ?", &row));
  row.bind(1, case_id);
  bool ready = false;
  CASE_TRY(row.step(&ready, "reading case " + std::to_string(case_id)));
  if (!ready) return CaseResult::fail(CaseCode::not_found, "case " + std::to_string(case_id) + " does not exist");
  read_case_row(row, out);

  sqlite::Statement alerts;
  CASE_TRY(
      db_->prepare("SELECT alert_id, rule, client, height, time_ns, summary FROM case_alerts WHERE case_id = ? "
                   "ORDER BY alert_id",
                   &alerts));
  alerts.bind(1, case_id);
  while (true) {
    CASE_TRY(alerts.step(&ready, "reading alerts"));
    if (!ready) break;
    Alert alert;
    alert.id = alerts.column_u64(0);
    if (!rule_from_name(alerts.column_text(1), &alert.rule)) {
      return CaseResult::fail(CaseCode::storage,
                              "case store: alert " + std::to_string(alert.id) + " has an unknown rule");
    }
    alert.client = alerts.column_u64(2);
    alert.height = alerts.column_u64(3);
    alert.time_ns = alerts.column_u64(4);
    alert.summary = alerts.column_text(5);
    out->alerts.push_back(std::move(alert));
  }
  sqlite::Statement evidence;
  CASE_TRY(
      db_->prepare("SELECT height, event_index, kind, time_ns, client, object_id, label, asset, scale, "
                   "amount_minor, value_tiyn, detail FROM case_evidence WHERE alert_id = ? ORDER BY seq",
                   &evidence));
  for (Alert& alert : out->alerts) {
    evidence.reset();
    evidence.bind(1, alert.id);
    while (true) {
      CASE_TRY(evidence.step(&ready, "reading evidence"));
      if (!ready) break;
      Evidence e;
      e.height = evidence.column_u64(0);
      e.event_index = static_cast<uint32_t>(evidence.column_u64(1));
      e.kind = static_cast<EventKind>(evidence.column_u64(2));
      e.time_ns = evidence.column_u64(3);
      e.client = evidence.column_u64(4);
      e.object_id = evidence.column_u64(5);
      e.label = evidence.column_text(6);
      e.asset = evidence.column_text(7);
      e.scale = static_cast<uint8_t>(evidence.column_u64(8));
      e.amount_minor = evidence.column_i64(9);
      e.value_tiyn = evidence.column_i64(10);
      e.detail = evidence.column_text(11);
      alert.evidence.push_back(std::move(e));
    }
  }

  sqlite::Statement actions;
  CASE_TRY(
      db_->prepare("SELECT seq, at_ns, officer, action, value, text FROM case_actions WHERE case_id = ? "
                   "ORDER BY seq",
                   &actions));
  actions.bind(1, case_id);
  while (true) {
    CASE_TRY(actions.step(&ready, "reading the action log"));
    if (!ready) break;
    out->actions.push_back(CaseAction{.seq = actions.column_u64(0),
                                      .at_ns = actions.column_u64(1),
                                      .officer = actions.column_text(2),
                                      .action = actions.column_text(3),
                                      .value = actions.column_text(4),
                                      .text = actions.column_text(5)});
  }
  return CaseResult::ok();
}

CaseResult CaseStore::case_of_alert(uint64_t alert_id, uint64_t* case_id) {
  *case_id = 0;
  sqlite::Statement select;
  CASE_TRY(db_->prepare("SELECT case_id FROM case_alerts WHERE alert_id = ?", &select));
  select.bind(1, alert_id);
  bool found = false;
  CASE_TRY(select.step(&found, "looking up alert " + std::to_string(alert_id)));
  if (found) *case_id = select.column_u64(0);
  return CaseResult::ok();
}

// --- reports ----------------------------------------------------------------------------------------------------

namespace {

void subject_json(json::Writer* json, const CaseSubject& s) {
  json->key("subject").begin_object().field("client", s.client).field("registered", s.registered);
  if (s.registered) {
    json->field("classification", client_class_name(s.facts.classification))
        .field("kyc_tier", uint64_t{s.facts.kyc_tier})
        .field("residence", std::string(s.facts.residence, 2))
        .field("nationality", std::string(s.facts.nationality, 2))
        .field("knowledge_test", s.facts.knowledge_test_passed)
        .field("status", status_text(s.status));
  }
  json->field("as_of_height", s.as_of_height).end_object();
}

void action_json(json::Writer* json, const CaseAction& a) {
  json->begin_object()
      .field("seq", a.seq)
      .field("time", format_time_utc(a.at_ns))
      .field("time_ns", a.at_ns)
      .field("officer", a.officer)
      .field("action", a.action)
      .field("value", a.value)
      .field("text", a.text)
      .end_object();
}

void case_header_json(json::Writer* json, const Case& c) {
  json->field("case", c.id)
      .field("client", c.client)
      .field("state", c.open ? "open" : "closed")
      .field("assignee", c.assignee)
      .field("outcome", outcome_name(c.outcome))
      .field("opened_at", format_time_utc(c.opened_at_ns))
      .field("opened_by", c.opened_by);
  json->key("closed_at");
  if (c.open) {
    json->null();
  } else {
    json->value(format_time_utc(c.closed_at_ns));
  }
  json->field("config_digest", c.config_digest);
}

std::string subject_text(const CaseSubject& s) {
  std::string out = "Subject\n";
  out += "  client id:       " + std::to_string(s.client) + "\n";
  if (!s.registered) {
    out += "  registry:        not registered (no client facts in the journal)\n";
  } else {
    out += "  classification:  " + std::string(client_class_name(s.facts.classification)) + "\n";
    out += "  KYC tier:        " + std::to_string(s.facts.kyc_tier) + "\n";
    out += "  residence:       " + std::string(s.facts.residence, 2) + "\n";
    out += "  nationality:     " + std::string(s.facts.nationality, 2) + "\n";
    out += "  knowledge test:  " + std::string(s.facts.knowledge_test_passed ? "passed" : "not passed") + "\n";
    out += "  status:          " + std::string(status_text(s.status)) + "\n";
  }
  out += "  as of:           block " + std::to_string(s.as_of_height) + " of the journal, when the case was opened\n";
  out += "  personal data:   names, documents and addresses are in the client records outside the journal\n";
  return out;
}

std::string action_line(const CaseAction& a) {
  std::string line = "  " + format_time_utc(a.at_ns) + "  " + a.officer + "  " + a.action;
  if (a.action == "opened") line += " from alerts " + a.value;
  if (a.action == "assigned") line += " to " + a.value;
  if (a.action == "closed") line += " with outcome " + a.value;
  if (!a.text.empty()) {
    std::string text = a.text;
    for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
      text.insert(at + 1, "      ");
    line += ":\n      " + text;
  }
  return line + "\n";
}

}  // namespace

std::string str_json(const Case& c) {
  json::Writer json;
  json.begin_object().field("report", "suspicious_transaction_report").field("format", "qazna.str.v1");
  case_header_json(&json, c);
  subject_json(&json, c.subject);
  json.key("alerts").begin_array();
  for (const Alert& alert : c.alerts) json.raw(alert_json(alert, c.tenge));
  json.end_array();
  json.key("comments").begin_array();
  for (const CaseAction& a : c.actions) {
    if (a.text.empty()) continue;
    json.begin_object()
        .field("time", format_time_utc(a.at_ns))
        .field("officer", a.officer)
        .field("action", a.action)
        .field("text", a.text)
        .end_object();
  }
  json.end_array();
  json.key("actions").begin_array();
  for (const CaseAction& a : c.actions) action_json(&json, a);
  json.end_array();
  json.end_object();
  return json.take();
}

std::string str_text(const Case& c) {
  std::string out = "SUSPICIOUS TRANSACTION REPORT\n";
  out +=
      "Case " + std::to_string(c.id) + ", " +
      (c.open ? std::string("open (no outcome yet)") : "closed with outcome " + std::string(outcome_name(c.outcome))) +
      "\n";
  out += "Opened " + format_time_utc(c.opened_at_ns) + " by " + c.opened_by;
  if (!c.assignee.empty()) out += "; assigned to " + c.assignee;
  if (!c.open) out += "; closed " + format_time_utc(c.closed_at_ns);
  out += "\nTimes are UTC. Amounts in " + c.tenge + " are at the conversion rates recorded in the journal.\n";
  out += "Monitoring configuration: " + c.config_digest + "\n\n";
  out += subject_text(c.subject);
  out += "\nAlerts (" + std::to_string(c.alerts.size()) + ")\n";
  for (const Alert& alert : c.alerts) out += alert_text(alert, c.tenge, "  ");
  out += "\nComments\n";
  bool any = false;
  for (const CaseAction& a : c.actions) {
    if (a.text.empty()) continue;
    out += action_line(a);
    any = true;
  }
  if (!any) out += "  none\n";
  out += "\nHistory\n";
  for (const CaseAction& a : c.actions) {
    std::string value = a.value;
    if (a.action == "opened") value = "alerts " + value;
    if (a.action == "assigned") value = "to " + value;
    if (a.action == "closed") value = "with outcome " + value;
    out += "  " + format_time_utc(a.at_ns) + "  " + a.officer + "  " + a.action + (value.empty() ? "" : " ") + value +
           "\n";
  }
  out += "\nOutcome: " + (c.open ? std::string("none yet (the case is open)") : std::string(outcome_name(c.outcome))) +
         "\n";
  return out;
}

std::string case_json(const Case& c) {
  json::Writer json;
  json.begin_object();
  case_header_json(&json, c);
  json.key("alerts").begin_array();
  for (const Alert& alert : c.alerts) json.value(alert.id);
  json.end_array();
  json.key("actions").begin_array();
  for (const CaseAction& a : c.actions) action_json(&json, a);
  json.end_array().end_object();
  return json.take();
}

std::string case_text(const Case& c) {
  std::string out = "case " + std::to_string(c.id) + "  client " + std::to_string(c.client) + "  " +
                    (c.open ? "open" : "closed") + (c.open ? "" : " (" + std::string(outcome_name(c.outcome)) + ")") +
                    "  assignee " + (c.assignee.empty() ? "none" : c.assignee) + "\n";
  out += "alerts:\n";
  for (const Alert& alert : c.alerts) {
    out += "  " + std::to_string(alert.id) + "  " + rule_name(alert.rule) + "  block " + std::to_string(alert.height) +
           "  " + alert.summary + "\n";
  }
  out += "actions:\n";
  for (const CaseAction& a : c.actions) out += action_line(a);
  return out;
}

CaseResult make_case_opening(const Monitor& monitor, std::span<const Alert> alerts, std::span<const uint64_t> alert_ids,
                             uint64_t height, CaseOpening* out) {
  *out = CaseOpening{};
  for (const uint64_t id : alert_ids) {
    if (id == 0 || id > alerts.size()) {
      return CaseResult::fail(CaseCode::not_found,
                              "alert " + std::to_string(id) + " does not exist (" +
                                  (alerts.empty() ? std::string("the journal raises no alerts")
                                                  : "the journal raises alerts 1 to " + std::to_string(alerts.size())) +
                                  " under this configuration)");
    }
    out->alerts.push_back(alerts[id - 1]);
  }
  if (out->alerts.empty()) return CaseResult::fail(CaseCode::invalid, "name at least one alert");
  const uint64_t client = out->alerts.front().client;
  out->subject.client = client;
  out->subject.as_of_height = height;
  if (const ClientView* view = monitor.client(client); view != nullptr) {
    out->subject.registered = true;
    out->subject.facts = view->facts;
    out->subject.status = view->status;
  }
  out->config_digest = config_digest(monitor.config());
  out->tenge = monitor.config().tenge_asset;
  return CaseResult::ok();
}

std::vector<FiledReport> filed_reports(std::span<const Case> cases) {
  std::vector<FiledReport> out;
  for (const Case& c : cases) {
    if (c.open || c.outcome != CaseOutcome::str_filed) continue;
    out.push_back(FiledReport{.case_id = c.id, .client = c.client, .filed_at_ns = c.closed_at_ns});
  }
  return out;
}

}  // namespace qz::monitor
