#include "kyc/store.h"

#include <simdjson.h>
#include <sqlite3.h>

#include <string_view>

#include "json/writer.h"

namespace qz::kyc {

const char* hold_state_name(HoldState state) {
  switch (state) {
    case HoldState::open: return "open";
    case HoldState::cleared: return "cleared";
    case HoldState::confirmed: return "confirmed";
  }
  return "unknown";
}

namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record_versions(
  client INTEGER NOT NULL,
  version INTEGER NOT NULL,
  at_ns INTEGER NOT NULL,
  officer TEXT NOT NULL,
  change TEXT NOT NULL CHECK(change IN ('onboarded', 'updated')),
  record TEXT NOT NULL,
  PRIMARY KEY(client, version));
CREATE TABLE IF NOT EXISTS holds(
  id INTEGER PRIMARY KEY,
  client INTEGER NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('open', 'cleared', 'confirmed')),
  opened_at_ns INTEGER NOT NULL,
  opened_by TEXT NOT NULL,
  froze INTEGER NOT NULL,
  closed_at_ns INTEGER NOT NULL DEFAULT 0,
  closed_by TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  entry_list TEXT NOT NULL DEFAULT '',
  entry_uid TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS one_open_hold ON holds(client) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS screenings(
  id INTEGER PRIMARY KEY,
  client INTEGER NOT NULL,
  version INTEGER NOT NULL,
  at_ns INTEGER NOT NULL,
  officer TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK(trigger IN ('onboarding', 'name_change', 'list_update', 'withdrawal', 'deposit')),
  lists TEXT NOT NULL,
  scope TEXT NOT NULL,
  threshold INTEGER NOT NULL,
  queries INTEGER NOT NULL,
  hold_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS screenings_of_client ON screenings(client, id);
CREATE TABLE IF NOT EXISTS screening_hits(
  screening_id INTEGER NOT NULL REFERENCES screenings(id),
  seq INTEGER NOT NULL,
  subject TEXT NOT NULL,
  query_name TEXT NOT NULL,
  query_dob TEXT NOT NULL,
  query_country TEXT NOT NULL,
  list_id TEXT NOT NULL,
  uid TEXT NOT NULL,
  type TEXT NOT NULL,
  score INTEGER NOT NULL,
  name_score INTEGER NOT NULL,
  matched_name TEXT NOT NULL,
  matched_kind INTEGER NOT NULL,
  primary_name TEXT NOT NULL,
  explanation TEXT NOT NULL,
  PRIMARY KEY(screening_id, seq));
CREATE TABLE IF NOT EXISTS actions(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client INTEGER NOT NULL,
  at_ns INTEGER NOT NULL,
  officer TEXT NOT NULL,
  action TEXT NOT NULL,
  value TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS actions_of_client ON actions(client, seq);
CREATE TABLE IF NOT EXISTS reports(
  hold_id INTEGER PRIMARY KEY REFERENCES holds(id),
  client INTEGER NOT NULL,
  at_ns INTEGER NOT NULL,
  json TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_entries(
  list_id TEXT NOT NULL,
  uid TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY(list_id, uid));
CREATE TRIGGER IF NOT EXISTS record_versions_no_update BEFORE UPDATE ON record_versions
  BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS record_versions_no_delete BEFORE DELETE ON record_versions
  BEGIN SELECT RAISE(ABORT, 'record versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS screenings_no_update BEFORE UPDATE ON screenings
  BEGIN SELECT RAISE(ABORT, 'screenings are append-only'); END;
CREATE TRIGGER IF NOT EXISTS screenings_no_delete BEFORE DELETE ON screenings
  BEGIN SELECT RAISE(ABORT, 'screenings are append-only'); END;
CREATE TRIGGER IF NOT EXISTS screening_hits_no_update BEFORE UPDATE ON screening_hits
  BEGIN SELECT RAISE(ABORT, 'screening hits are append-only'); END;
CREATE TRIGGER IF NOT EXISTS screening_hits_no_delete BEFORE DELETE ON screening_hits
  BEGIN SELECT RAISE(ABORT, 'screening hits are append-only'); END;
CREATE TRIGGER IF NOT EXISTS actions_no_update BEFORE UPDATE ON actions
  BEGIN SELECT RAISE(ABORT, 'actions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS actions_no_delete BEFORE DELETE ON actions
  BEGIN SELECT RAISE(ABORT, 'actions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS reports_no_update BEFORE UPDATE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER IF NOT EXISTS reports_no_delete BEFORE DELETE ON reports
  BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;
CREATE TRIGGER IF NOT EXISTS holds_no_delete BEFORE DELETE ON holds
  BEGIN SELECT RAISE(ABORT, 'holds are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS holds_closed_final BEFORE UPDATE ON holds WHEN OLD.state <> 'open'
  BEGIN SELECT RAISE(ABORT, 'a closed hold is final'); END;
INSERT OR IGNORE INTO meta(key, value) VALUES('format_version', '1');
)sql";

// One prepared statement; columns 0-based, parameters 1-based as in SQLite.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) statement_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, uint64_t value) {
    sqlite3_bind_int64(statement_, index, static_cast<sqlite3_int64>(value));
    return *this;
  }
  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(statement_, index, text.data() == nullptr ? "" : text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return statement_ == nullptr ? SQLITE_ERROR : sqlite3_step(statement_); }
  void reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  uint64_t u64(int column) const { return static_cast<uint64_t>(sqlite3_column_int64(statement_, column)); }
  std::string text(int column) const {
    const unsigned char* data = sqlite3_column_text(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

Status failed(sqlite3* db, const std::string& doing) {
  return Status::error("client store: " + doing + ": " + sqlite3_errmsg(db));
}

bool hold_state_from_name(const std::string& name, HoldState* out) {
  for (uint8_t value = 1; value <= 3; value++) {
    if (name == hold_state_name(static_cast<HoldState>(value))) {
      *out = static_cast<HoldState>(value);
      return true;
    }
  }
  return false;
}

bool entry_type_from_name(std::string_view name, screening::EntryType* out) {
  for (uint8_t value = 0; value <= 3; value++) {
    if (name == screening::entry_type_name(static_cast<screening::EntryType>(value))) {
      *out = static_cast<screening::EntryType>(value);
      return true;
    }
  }
  return false;
}

constexpr char kHoldColumns[] =
    "SELECT id, client, state, opened_at_ns, opened_by, froze, closed_at_ns, closed_by, text, entry_list, entry_uid "
    "FROM holds";

Status read_hold(sqlite3* db, const Statement& row, Hold* out) {
  out->id = row.u64(0);
  out->client = row.u64(1);
  if (!hold_state_from_name(row.text(2), &out->state)) return failed(db, "hold " + std::to_string(out->id));
  out->opened_at_ns = row.u64(3);
  out->opened_by = row.text(4);
  out->froze = row.u64(5) != 0;
  out->closed_at_ns = row.u64(6);
  out->closed_by = row.text(7);
  out->text = row.text(8);
  out->entry_list = row.text(9);
  out->entry_uid = row.text(10);
  return Status::ok();
}

}  // namespace

std::string hit_explanation_json(const screening::Hit& hit) {
  json::Writer json;
  json.begin_object().key("tokens").begin_array();
  for (const screening::TokenMatch& match : hit.tokens) {
    json.begin_object()
        .field("query", match.query)
        .field("listed", match.listed)
        .field("how", screening::match_how_name(match.how))
        .field("similarity", match.similarity)
        .end_object();
  }
  json.end_array().key("unmatched_query").begin_array();
  for (const std::string& token : hit.unmatched_query) json.value(token);
  json.end_array().key("unmatched_listed").begin_array();
  for (const std::string& token : hit.unmatched_listed) json.value(token);
  json.end_array().key("evidence").begin_array();
  for (const std::string& line : hit.evidence) json.value(line);
  json.end_array().end_object();
  return json.take();
}

bool parse_hit_explanation(const std::string& json, screening::Hit* hit) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::array tokens;
  if (root["tokens"].get_array().get(tokens) != simdjson::SUCCESS) return false;
  hit->tokens.clear();
  for (const simdjson::dom::element token : tokens) {
    screening::TokenMatch match;
    std::string_view query, listed, how;
    uint64_t similarity = 0;
    if (token["query"].get_string().get(query) != simdjson::SUCCESS ||
        token["listed"].get_string().get(listed) != simdjson::SUCCESS ||
        token["how"].get_string().get(how) != simdjson::SUCCESS ||
        token["similarity"].get_uint64().get(similarity) != simdjson::SUCCESS) {
      return false;
    }
    match.query = std::string(query);
    match.listed = std::string(listed);
    match.similarity = static_cast<uint32_t>(similarity);
    bool known = false;
    for (uint8_t value = 0; value <= 4; value++) {
      if (how == screening::match_how_name(static_cast<screening::MatchHow>(value))) {
        match.how = static_cast<screening::MatchHow>(value);
        known = true;
      }
    }
    if (!known) return false;
    hit->tokens.push_back(std::move(match));
  }
  for (const auto& [key, out] : {std::pair<const char*, std::vector<std::string>*>{"unmatched_query", &hit->unmatched_query},
                                 {"unmatched_listed", &hit->unmatched_listed},
                                 {"evidence", &hit->evidence}}) {
    simdjson::dom::array items;
    if (root[key].get_array().get(items) != simdjson::SUCCESS) return false;
    out->clear();
    for (const simdjson::dom::element item : items) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) return false;
      out->emplace_back(text);
    }
  }
  return true;
}

namespace {

// Stores made before deposits and withdrawals were screened allow fewer screening triggers. The CHECK is widened in
// place by SQLite's documented procedure for changing a CHECK constraint (writable_schema, then a new schema
// version): every stored row satisfies the wider constraint, so nothing else changes.
bool widen_screening_triggers(sqlite3* db) {
  std::string sql;
  int64_t schema_version = 0;
  {
    Statement table(db, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'screenings'");
    if (table.step() != SQLITE_ROW) return false;
    sql = table.text(0);
    Statement version(db, "PRAGMA schema_version");
    if (version.step() != SQLITE_ROW) return false;
    schema_version = static_cast<int64_t>(version.u64(0));
  }
  const std::string triggers = "'onboarding', 'name_change', 'list_update', 'withdrawal', 'deposit'";
  const std::string check = "CHECK(trigger IN (";
  const size_t begin = sql.find(check);
  const size_t end = begin == std::string::npos ? begin : sql.find(')', begin + check.size());
  if (end == std::string::npos) return false;
  if (sql.compare(begin + check.size(), end - begin - check.size(), triggers) == 0) return true;
  sql.replace(begin + check.size(), end - begin - check.size(), triggers);
  const std::string bump = "PRAGMA schema_version = " + std::to_string(schema_version + 1);
  bool ok = sqlite3_exec(db, "BEGIN IMMEDIATE; PRAGMA writable_schema = ON;", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (ok) {
    Statement update(db, "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'screenings'");
    update.bind(1, sql);
    ok = update.step() == SQLITE_DONE;
  }
  ok = ok && sqlite3_exec(db, bump.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_exec(db, "PRAGMA writable_schema = OFF;", nullptr, nullptr, nullptr);
  ok = ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return ok;
}

}  // namespace

Status ClientStore::open(const std::string& path, std::unique_ptr<ClientStore>* out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string message = db == nullptr ? "out of memory" : sqlite3_errmsg(db);
    sqlite3_close(db);
    return Status::error("cannot open the client store " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5'000);
  char* error = nullptr;
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") +
                            "BEGIN IMMEDIATE;" + kSchema + "COMMIT;";
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error == nullptr ? sqlite3_errmsg(db) : error;
    sqlite3_free(error);
    sqlite3_close(db);
    return Status::error("cannot set up the client store " + path + ": " + message);
  }
  Statement version(db, "SELECT value FROM meta WHERE key = 'format_version'");
  if (version.step() != SQLITE_ROW || version.text(0) != "1") {
    sqlite3_close(db);
    return Status::error("the client store " + path + " is not format version 1");
  }
  if (!widen_screening_triggers(db)) {
    const std::string message = sqlite3_errmsg(db);
    sqlite3_close(db);
    return Status::error("cannot widen the screening triggers of the client store " + path + ": " + message);
  }
  out->reset(new ClientStore(db));
  return Status::ok();
}

ClientStore::~ClientStore() { sqlite3_close(db_); }

Status ClientStore::begin() {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return failed(db_, "begin");
  return Status::ok();
}

Status ClientStore::commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status status = failed(db_, "commit");
    rollback();
    return status;
  }
  return Status::ok();
}

void ClientStore::rollback() {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status ClientStore::current(uint64_t client, bool* found, RecordVersion* out) {
  *found = false;
  Statement row(db_,
                "SELECT version, at_ns, officer, change, record FROM record_versions WHERE client = ? "
                "ORDER BY version DESC LIMIT 1");
  row.bind(1, client);
  const int step = row.step();
  if (step == SQLITE_DONE) return Status::ok();
  if (step != SQLITE_ROW) return failed(db_, "reading client " + std::to_string(client));
  out->client = client;
  out->version = row.u64(0);
  out->at_ns = row.u64(1);
  out->officer = row.text(2);
  out->change = row.text(3);
  const Status parsed = parse_client_record(row.text(4), &out->record);
  if (!parsed.is_ok()) {
    return Status::error("client store: client " + std::to_string(client) + " version " +
                         std::to_string(out->version) + " does not parse: " + parsed.message());
  }
  *found = true;
  return Status::ok();
}

Status ClientStore::versions(uint64_t client, std::vector<RecordVersion>* out) {
  out->clear();
  Statement row(db_,
                "SELECT version, at_ns, officer, change, record FROM record_versions WHERE client = ? ORDER BY version");
  row.bind(1, client);
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) {
    RecordVersion v;
    v.client = client;
    v.version = row.u64(0);
    v.at_ns = row.u64(1);
    v.officer = row.text(2);
    v.change = row.text(3);
    const Status parsed = parse_client_record(row.text(4), &v.record);
    if (!parsed.is_ok()) {
      return Status::error("client store: client " + std::to_string(client) + " version " +
                           std::to_string(v.version) + " does not parse: " + parsed.message());
    }
    out->push_back(std::move(v));
  }
  if (step != SQLITE_DONE) return failed(db_, "reading the versions of client " + std::to_string(client));
  return Status::ok();
}

Status ClientStore::client_ids(std::vector<uint64_t>* out) {
  out->clear();
  Statement row(db_, "SELECT DISTINCT client FROM record_versions ORDER BY client");
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) out->push_back(row.u64(0));
  if (step != SQLITE_DONE) return failed(db_, "listing clients");
  return Status::ok();
}

Status ClientStore::screenings(uint64_t client, std::vector<Screening>* out) {
  out->clear();
  Statement row(db_,
                "SELECT id, version, at_ns, officer, trigger, lists, scope, threshold, queries, hold_id FROM screenings "
                "WHERE client = ? ORDER BY id");
  row.bind(1, client);
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) {
    Screening s;
    s.id = row.u64(0);
    s.client = client;
    s.version = row.u64(1);
    s.at_ns = row.u64(2);
    s.officer = row.text(3);
    s.trigger = row.text(4);
    s.lists = row.text(5);
    s.scope = row.text(6);
    s.threshold = static_cast<uint32_t>(row.u64(7));
    s.queries = row.u64(8);
    s.hold_id = row.u64(9);
    out->push_back(std::move(s));
  }
  if (step != SQLITE_DONE) return failed(db_, "reading the screenings of client " + std::to_string(client));
  Statement hits(db_,
                 "SELECT subject, query_name, query_dob, query_country, list_id, uid, type, score, name_score, "
                 "matched_name, matched_kind, primary_name, explanation FROM screening_hits WHERE screening_id = ? "
                 "ORDER BY seq");
  for (Screening& s : *out) {
    hits.reset();
    hits.bind(1, s.id);
    while ((step = hits.step()) == SQLITE_ROW) {
      ScreeningHit h;
      h.subject = hits.text(0);
      h.query = screening::Query{.name = hits.text(1), .dob = hits.text(2), .country = hits.text(3)};
      h.hit.list_id = hits.text(4);
      h.hit.uid = hits.text(5);
      const uint64_t kind = hits.u64(10);
      if (!entry_type_from_name(hits.text(6), &h.hit.type) || kind > 3 ||
          !parse_hit_explanation(hits.text(12), &h.hit)) {
        return Status::error("client store: screening " + std::to_string(s.id) + " holds a malformed hit");
      }
      h.hit.score = static_cast<uint32_t>(hits.u64(7));
      h.hit.name_score = static_cast<uint32_t>(hits.u64(8));
      h.hit.matched_name = hits.text(9);
      h.hit.matched_kind = static_cast<screening::NameKind>(kind);
      h.hit.primary_name = hits.text(11);
      s.hits.push_back(std::move(h));
    }
    if (step != SQLITE_DONE) return failed(db_, "reading the hits of screening " + std::to_string(s.id));
  }
  return Status::ok();
}

Status ClientStore::holds(uint64_t client, std::vector<Hold>* out) {
  out->clear();
  Statement row(db_, (std::string(kHoldColumns) + " WHERE client = ? ORDER BY id").c_str());
  row.bind(1, client);
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) {
    Hold hold;
    QZ_TRY(read_hold(db_, row, &hold));
    out->push_back(std::move(hold));
  }
  if (step != SQLITE_DONE) return failed(db_, "reading the holds of client " + std::to_string(client));
  return Status::ok();
}

Status ClientStore::open_hold(uint64_t client, bool* found, Hold* out) {
  *found = false;
  Statement row(db_, (std::string(kHoldColumns) + " WHERE client = ? AND state = 'open'").c_str());
  row.bind(1, client);
  const int step = row.step();
  if (step == SQLITE_DONE) return Status::ok();
  if (step != SQLITE_ROW) return failed(db_, "reading the open hold of client " + std::to_string(client));
  QZ_TRY(read_hold(db_, row, out));
  *found = true;
  return Status::ok();
}

Status ClientStore::actions(uint64_t client, std::vector<Action>* out) {
  out->clear();
  Statement row(db_, "SELECT seq, at_ns, officer, action, value, text FROM actions WHERE client = ? ORDER BY seq");
  row.bind(1, client);
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) {
    out->push_back(Action{.seq = row.u64(0),
                          .client = client,
                          .at_ns = row.u64(1),
                          .officer = row.text(2),
                          .action = row.text(3),
                          .value = row.text(4),
                          .text = row.text(5)});
  }
  if (step != SQLITE_DONE) return failed(db_, "reading the actions of client " + std::to_string(client));
  return Status::ok();
}

Status ClientStore::report(uint64_t hold_id, bool* found, Report* out) {
  *found = false;
  Statement row(db_, "SELECT client, at_ns, json, text FROM reports WHERE hold_id = ?");
  row.bind(1, hold_id);
  const int step = row.step();
  if (step == SQLITE_DONE) return Status::ok();
  if (step != SQLITE_ROW) return failed(db_, "reading the report of hold " + std::to_string(hold_id));
  *out = Report{.hold_id = hold_id, .client = row.u64(0), .at_ns = row.u64(1), .json = row.text(2), .text = row.text(3)};
  *found = true;
  return Status::ok();
}

Status ClientStore::list_state(ListState* out, std::string* summary) {
  out->clear();
  summary->clear();
  Statement row(db_, "SELECT list_id, uid, digest FROM list_entries");
  int step = 0;
  while ((step = row.step()) == SQLITE_ROW) out->emplace(std::make_pair(row.text(0), row.text(1)), row.text(2));
  if (step != SQLITE_DONE) return failed(db_, "reading the list state");
  Statement meta(db_, "SELECT value FROM meta WHERE key = 'lists'");
  step = meta.step();
  if (step == SQLITE_ROW) *summary = meta.text(0);
  if (step != SQLITE_ROW && step != SQLITE_DONE) return failed(db_, "reading the list state");
  return Status::ok();
}

Status ClientStore::add_version(uint64_t client, uint64_t at_ns, const std::string& officer,
                                const std::string& change, const ClientRecord& record, uint64_t* version) {
  Statement next(db_, "SELECT COALESCE(MAX(version), 0) + 1 FROM record_versions WHERE client = ?");
  next.bind(1, client);
  if (next.step() != SQLITE_ROW) return failed(db_, "numbering the version of client " + std::to_string(client));
  *version = next.u64(0);
  Statement insert(db_,
                   "INSERT INTO record_versions(client, version, at_ns, officer, change, record) VALUES(?, ?, ?, ?, ?, ?)");
  insert.bind(1, client).bind(2, *version).bind(3, at_ns).bind(4, officer).bind(5, change).bind(
      6, client_record_json(record));
  if (insert.step() != SQLITE_DONE) return failed(db_, "storing client " + std::to_string(client));
  return Status::ok();
}

Status ClientStore::add_hold(uint64_t client, uint64_t at_ns, const std::string& officer, bool froze,
                             uint64_t* hold_id) {
  Statement insert(db_,
                   "INSERT INTO holds(client, state, opened_at_ns, opened_by, froze) VALUES(?, 'open', ?, ?, ?)");
  insert.bind(1, client).bind(2, at_ns).bind(3, officer).bind(4, uint64_t{froze ? 1u : 0u});
  if (insert.step() != SQLITE_DONE) return failed(db_, "opening a hold on client " + std::to_string(client));
  *hold_id = static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
  return Status::ok();
}

Status ClientStore::close_hold(uint64_t hold_id, HoldState state, uint64_t at_ns, const std::string& officer,
                               const std::string& text, const std::string& entry_list, const std::string& entry_uid) {
  Statement update(db_,
                   "UPDATE holds SET state = ?, closed_at_ns = ?, closed_by = ?, text = ?, entry_list = ?, "
                   "entry_uid = ? WHERE id = ? AND state = 'open'");
  update.bind(1, hold_state_name(state))
      .bind(2, at_ns)
      .bind(3, officer)
      .bind(4, text)
      .bind(5, entry_list)
      .bind(6, entry_uid)
      .bind(7, hold_id);
  if (update.step() != SQLITE_DONE) return failed(db_, "closing hold " + std::to_string(hold_id));
  if (sqlite3_changes(db_) != 1) return Status::error("client store: hold " + std::to_string(hold_id) + " is not open");
  return Status::ok();
}

Status ClientStore::add_screening(const Screening& s, uint64_t* id) {
  Statement insert(db_,
                   "INSERT INTO screenings(client, version, at_ns, officer, trigger, lists, scope, threshold, queries, "
                   "hold_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, s.client)
      .bind(2, s.version)
      .bind(3, s.at_ns)
      .bind(4, s.officer)
      .bind(5, s.trigger)
      .bind(6, s.lists)
      .bind(7, s.scope)
      .bind(8, uint64_t{s.threshold})
      .bind(9, s.queries)
      .bind(10, s.hold_id);
  if (insert.step() != SQLITE_DONE) return failed(db_, "storing a screening of client " + std::to_string(s.client));
  *id = static_cast<uint64_t>(sqlite3_last_insert_rowid(db_));
  Statement hit_row(db_,
                    "INSERT INTO screening_hits(screening_id, seq, subject, query_name, query_dob, query_country, "
                    "list_id, uid, type, score, name_score, matched_name, matched_kind, primary_name, explanation) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t seq = 0; seq < s.hits.size(); seq++) {
    const ScreeningHit& h = s.hits[seq];
    hit_row.reset();
    hit_row.bind(1, *id)
        .bind(2, uint64_t{seq})
        .bind(3, h.subject)
        .bind(4, h.query.name)
        .bind(5, h.query.dob)
        .bind(6, h.query.country)
        .bind(7, h.hit.list_id)
        .bind(8, h.hit.uid)
        .bind(9, screening::entry_type_name(h.hit.type))
        .bind(10, uint64_t{h.hit.score})
        .bind(11, uint64_t{h.hit.name_score})
        .bind(12, h.hit.matched_name)
        .bind(13, uint64_t{static_cast<uint8_t>(h.hit.matched_kind)})
        .bind(14, h.hit.primary_name)
        .bind(15, hit_explanation_json(h.hit));
    if (hit_row.step() != SQLITE_DONE) return failed(db_, "storing a screening hit");
  }
  return Status::ok();
}

Status ClientStore::add_action(uint64_t client, uint64_t at_ns, const std::string& officer, const std::string& action,
                               const std::string& value, const std::string& text) {
  Statement insert(db_, "INSERT INTO actions(client, at_ns, officer, action, value, text) VALUES(?, ?, ?, ?, ?, ?)");
  insert.bind(1, client).bind(2, at_ns).bind(3, officer).bind(4, action).bind(5, value).bind(6, text);
  if (insert.step() != SQLITE_DONE) return failed(db_, "recording an action on client " + std::to_string(client));
  return Status::ok();
}

Status ClientStore::add_report(const Report& report) {
  Statement insert(db_, "INSERT INTO reports(hold_id, client, at_ns, json, text) VALUES(?, ?, ?, ?, ?)");
  insert.bind(1, report.hold_id).bind(2, report.client).bind(3, report.at_ns).bind(4, report.json).bind(5, report.text);
  if (insert.step() != SQLITE_DONE) return failed(db_, "storing the report of hold " + std::to_string(report.hold_id));
  return Status::ok();
}

Status ClientStore::set_list_state(const ListState& state, const std::string& summary, uint64_t at_ns) {
  if (sqlite3_exec(db_, "DELETE FROM list_entries", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return failed(db_, "replacing the list state");
  }
  Statement insert(db_, "INSERT INTO list_entries(list_id, uid, digest) VALUES(?, ?, ?)");
  for (const auto& [key, digest] : state) {
    insert.reset();
    insert.bind(1, key.first).bind(2, key.second).bind(3, digest);
    if (insert.step() != SQLITE_DONE) return failed(db_, "storing the list state");
  }
  Statement meta(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES('lists', ?), ('lists_at_ns', ?)");
  meta.bind(1, summary).bind(2, std::to_string(at_ns));
  if (meta.step() != SQLITE_DONE) return failed(db_, "storing the list state");
  return Status::ok();
}

}  // namespace qz::kyc
