#include "kyc/store.h"

#include <simdjson.h>

#include <string_view>

#include "base/assert.h"
#include "json/writer.h"
#include "sqlite/sqlite.h"

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

// A commit survives a power loss; a second process using the file waits up to 5 s for its lock.
constexpr sqlite::OpenOptions kOpenOptions{
    .synchronous = sqlite::Sync::full, .foreign_keys = true, .busy_timeout_ms = 5'000};

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

Status read_hold(const sqlite::Statement& row, Hold* out) {
  out->id = row.column_u64(0);
  out->client = row.column_u64(1);
  const std::string state = row.column_text(2);
  if (!hold_state_from_name(state, &out->state)) {
    return Status::error("client store: hold " + std::to_string(out->id) + " has an unknown state \"" + state + "\"");
  }
  out->opened_at_ns = row.column_u64(3);
  out->opened_by = row.column_text(4);
  out->froze = row.column_u64(5) != 0;
  out->closed_at_ns = row.column_u64(6);
  out->closed_by = row.column_text(7);
  out->text = row.column_text(8);
  out->entry_list = row.column_text(9);
  out->entry_uid = row.column_text(10);
  return Status::ok();
}

// Columns version, at_ns, officer, change, record of record_versions.
Status read_version(uint64_t client, const sqlite::Statement& row, RecordVersion* out) {
  out->client = client;
  out->version = row.column_u64(0);
  out->at_ns = row.column_u64(1);
  out->officer = row.column_text(2);
  out->change = row.column_text(3);
  const Status parsed = parse_client_record(row.column_text(4), &out->record);
  if (!parsed.is_ok()) {
    return Status::error("client store: client " + std::to_string(client) + " version " + std::to_string(out->version) +
                         " does not parse: " + parsed.message());
  }
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
// version, in one transaction): every stored row satisfies the wider constraint, so nothing else changes.
Status widen_screening_triggers(sqlite::Database& db) {
  const std::string doing = "widening the screening triggers of the client store";
  std::string sql;
  {
    sqlite::Statement table;
    QZ_TRY(db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'screenings'", &table));
    bool row = false;
    QZ_TRY(table.step(&row, doing));
    if (!row) return Status::error(db.path() + ": " + doing + ": there is no screenings table");
    sql = table.column_text(0);
  }
  const std::string triggers = "'onboarding', 'name_change', 'list_update', 'withdrawal', 'deposit'";
  const std::string check = "CHECK(trigger IN (";
  const size_t begin = sql.find(check);
  const size_t end = begin == std::string::npos ? begin : sql.find(')', begin + check.size());
  if (end == std::string::npos) {
    return Status::error(db.path() + ": " + doing + ": the screenings table has no CHECK on its trigger");
  }
  if (sql.compare(begin + check.size(), end - begin - check.size(), triggers) == 0) return Status::ok();
  sql.replace(begin + check.size(), end - begin - check.size(), triggers);

  sqlite::Transaction transaction(&db);
  QZ_TRY(transaction.begin());
  int64_t schema_version = 0;
  QZ_TRY(db.query_i64("PRAGMA schema_version", &schema_version));
  QZ_TRY(db.exec("PRAGMA writable_schema = ON", doing));
  Status edited = Status::ok();
  {
    sqlite::Statement update;
    edited = db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'screenings'", &update);
    if (edited.is_ok()) edited = update.bind(1, sql).run(doing);
  }
  if (edited.is_ok()) edited = db.exec("PRAGMA schema_version = " + std::to_string(schema_version + 1), doing);
  // writable_schema belongs to the connection, not to the transaction: off again whatever happened.
  const Status off = db.exec("PRAGMA writable_schema = OFF", doing);
  QZ_TRY(edited);
  QZ_TRY(off);
  return transaction.commit();
}

}  // namespace

Status ClientStore::open(const std::string& path, std::unique_ptr<ClientStore>* out) {
  std::unique_ptr<sqlite::Database> db;
  QZ_TRY(sqlite::Database::open(path, kOpenOptions, &db));
  QZ_TRY(db->apply_schema_script("client store", kSchema, "1"));
  QZ_TRY(widen_screening_triggers(*db));
  out->reset(new ClientStore(std::move(db)));
  return Status::ok();
}

ClientStore::ClientStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}

ClientStore::~ClientStore() = default;

// The flow and the server pair begin() with commit() or rollback() across calls, so these run the statements
// themselves rather than hold a sqlite::Transaction: a second begin() stays an error Status (not an assertion), and
// rollback() ends whatever transaction the connection holds.
Status ClientStore::begin() { return db_->exec("BEGIN IMMEDIATE", "beginning a transaction"); }

Status ClientStore::commit() {
  Status status = db_->exec("COMMIT", "committing");
  if (!status.is_ok()) rollback();
  return status;
}

void ClientStore::rollback() {
  if (db_->in_transaction()) (void)db_->exec("ROLLBACK", "rolling back");
}

Status ClientStore::current(uint64_t client, bool* found, RecordVersion* out) {
  *found = false;
  sqlite::Statement row;
  QZ_TRY(
      db_->prepare("SELECT version, at_ns, officer, change, record FROM record_versions WHERE client = ? "
                   "ORDER BY version DESC LIMIT 1",
                   &row));
  row.bind(1, client);
  bool ready = false;
  QZ_TRY(row.step(&ready, "reading client " + std::to_string(client)));
  if (!ready) return Status::ok();
  QZ_TRY(read_version(client, row, out));
  *found = true;
  return Status::ok();
}

Status ClientStore::versions(uint64_t client, std::vector<RecordVersion>* out) {
  out->clear();
  sqlite::Statement row;
  QZ_TRY(db_->prepare(
      "SELECT version, at_ns, officer, change, record FROM record_versions WHERE client = ? ORDER BY version", &row));
  row.bind(1, client);
  const std::string doing = "reading the versions of client " + std::to_string(client);
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, doing));
    if (!ready) break;
    RecordVersion v;
    QZ_TRY(read_version(client, row, &v));
    out->push_back(std::move(v));
  }
  return Status::ok();
}

Status ClientStore::client_ids(std::vector<uint64_t>* out) {
  out->clear();
  sqlite::Statement row;
  QZ_TRY(db_->prepare("SELECT DISTINCT client FROM record_versions ORDER BY client", &row));
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, "listing clients"));
    if (!ready) break;
    out->push_back(row.column_u64(0));
  }
  return Status::ok();
}

Status ClientStore::screenings(uint64_t client, std::vector<Screening>* out) {
  out->clear();
  sqlite::Statement row;
  QZ_TRY(db_->prepare(
      "SELECT id, version, at_ns, officer, trigger, lists, scope, threshold, queries, hold_id FROM screenings "
      "WHERE client = ? ORDER BY id",
      &row));
  row.bind(1, client);
  const std::string doing = "reading the screenings of client " + std::to_string(client);
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, doing));
    if (!ready) break;
    Screening s;
    s.id = row.column_u64(0);
    s.client = client;
    s.version = row.column_u64(1);
    s.at_ns = row.column_u64(2);
    s.officer = row.column_text(3);
    s.trigger = row.column_text(4);
    s.lists = row.column_text(5);
    s.scope = row.column_text(6);
    s.threshold = static_cast<uint32_t>(row.column_u64(7));
    s.queries = row.column_u64(8);
    s.hold_id = row.column_u64(9);
    out->push_back(std::move(s));
  }
  sqlite::Statement hits;
  QZ_TRY(
      db_->prepare("SELECT subject, query_name, query_dob, query_country, list_id, uid, type, score, name_score, "
                   "matched_name, matched_kind, primary_name, explanation FROM screening_hits WHERE screening_id = ? "
                   "ORDER BY seq",
                   &hits));
  for (Screening& s : *out) {
    hits.reset();
    hits.bind(1, s.id);
    const std::string reading = "reading the hits of screening " + std::to_string(s.id);
    while (true) {
      QZ_TRY(hits.step(&ready, reading));
      if (!ready) break;
      ScreeningHit h;
      h.subject = hits.column_text(0);
      h.query =
          screening::Query{.name = hits.column_text(1), .dob = hits.column_text(2), .country = hits.column_text(3)};
      h.hit.list_id = hits.column_text(4);
      h.hit.uid = hits.column_text(5);
      const uint64_t kind = hits.column_u64(10);
      if (!entry_type_from_name(hits.column_text(6), &h.hit.type) || kind > 3 ||
          !parse_hit_explanation(hits.column_text(12), &h.hit)) {
        return Status::error("client store: screening " + std::to_string(s.id) + " holds a malformed hit");
      }
      h.hit.score = static_cast<uint32_t>(hits.column_u64(7));
      h.hit.name_score = static_cast<uint32_t>(hits.column_u64(8));
      h.hit.matched_name = hits.column_text(9);
      h.hit.matched_kind = static_cast<screening::NameKind>(kind);
      h.hit.primary_name = hits.column_text(11);
      s.hits.push_back(std::move(h));
    }
  }
  return Status::ok();
}

Status ClientStore::holds(uint64_t client, std::vector<Hold>* out) {
  out->clear();
  sqlite::Statement row;
  QZ_TRY(db_->prepare(std::string(kHoldColumns) + " WHERE client = ? ORDER BY id", &row));
  row.bind(1, client);
  const std::string doing = "reading the holds of client " + std::to_string(client);
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, doing));
    if (!ready) break;
    Hold hold;
    QZ_TRY(read_hold(row, &hold));
    out->push_back(std::move(hold));
  }
  return Status::ok();
}

Status ClientStore::open_hold(uint64_t client, bool* found, Hold* out) {
  *found = false;
  sqlite::Statement row;
  QZ_TRY(db_->prepare(std::string(kHoldColumns) + " WHERE client = ? AND state = 'open'", &row));
  row.bind(1, client);
  bool ready = false;
  QZ_TRY(row.step(&ready, "reading the open hold of client " + std::to_string(client)));
  if (!ready) return Status::ok();
  QZ_TRY(read_hold(row, out));
  *found = true;
  return Status::ok();
}

Status ClientStore::actions(uint64_t client, std::vector<Action>* out) {
  out->clear();
  sqlite::Statement row;
  QZ_TRY(
      db_->prepare("SELECT seq, at_ns, officer, action, value, text FROM actions WHERE client = ? ORDER BY seq", &row));
  row.bind(1, client);
  const std::string doing = "reading the actions of client " + std::to_string(client);
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, doing));
    if (!ready) break;
    out->push_back(Action{.seq = row.column_u64(0),
                          .client = client,
                          .at_ns = row.column_u64(1),
                          .officer = row.column_text(2),
                          .action = row.column_text(3),
                          .value = row.column_text(4),
                          .text = row.column_text(5)});
  }
  return Status::ok();
}

Status ClientStore::report(uint64_t hold_id, bool* found, Report* out) {
  sqlite::Statement row;
  QZ_TRY(db_->prepare("SELECT client, at_ns, json, text FROM reports WHERE hold_id = ?", &row));
  row.bind(1, hold_id);
  QZ_TRY(row.step(found, "reading the report of hold " + std::to_string(hold_id)));
  if (!*found) return Status::ok();
  *out = Report{.hold_id = hold_id,
                .client = row.column_u64(0),
                .at_ns = row.column_u64(1),
                .json = row.column_text(2),
                .text = row.column_text(3)};
  return Status::ok();
}

Status ClientStore::list_state(ListState* out, std::string* summary) {
  out->clear();
  summary->clear();
  sqlite::Statement row;
  QZ_TRY(db_->prepare("SELECT list_id, uid, digest FROM list_entries", &row));
  bool ready = false;
  while (true) {
    QZ_TRY(row.step(&ready, "reading the list state"));
    if (!ready) break;
    out->emplace(std::make_pair(row.column_text(0), row.column_text(1)), row.column_text(2));
  }
  sqlite::Statement meta;
  QZ_TRY(db_->prepare("SELECT value FROM meta WHERE key = 'lists'", &meta));
  QZ_TRY(meta.step(&ready, "reading the list state"));
  if (ready) *summary = meta.column_text(0);
  return Status::ok();
}

Status ClientStore::add_version(uint64_t client, uint64_t at_ns, const std::string& officer,
                                const std::string& change, const ClientRecord& record, uint64_t* version) {
  sqlite::Statement next;
  QZ_TRY(db_->prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM record_versions WHERE client = ?", &next));
  next.bind(1, client);
  bool ready = false;
  QZ_TRY(next.step(&ready, "numbering the version of client " + std::to_string(client)));
  QZ_ASSERT_MSG(ready, "an aggregate without GROUP BY gives one row");
  *version = next.column_u64(0);
  sqlite::Statement insert;
  QZ_TRY(db_->prepare(
      "INSERT INTO record_versions(client, version, at_ns, officer, change, record) VALUES(?, ?, ?, ?, ?, ?)",
      &insert));
  return insert.bind(1, client)
      .bind(2, *version)
      .bind(3, at_ns)
      .bind(4, officer)
      .bind(5, change)
      .bind(6, client_record_json(record))
      .run("storing client " + std::to_string(client));
}

Status ClientStore::add_hold(uint64_t client, uint64_t at_ns, const std::string& officer, bool froze,
                             uint64_t* hold_id) {
  sqlite::Statement insert;
  QZ_TRY(db_->prepare("INSERT INTO holds(client, state, opened_at_ns, opened_by, froze) VALUES(?, 'open', ?, ?, ?)",
                      &insert));
  QZ_TRY(insert.bind(1, client)
             .bind(2, at_ns)
             .bind(3, officer)
             .bind(4, froze)
             .run("opening a hold on client " + std::to_string(client)));
  *hold_id = static_cast<uint64_t>(db_->last_insert_rowid());
  return Status::ok();
}

Status ClientStore::close_hold(uint64_t hold_id, HoldState state, uint64_t at_ns, const std::string& officer,
                               const std::string& text, const std::string& entry_list, const std::string& entry_uid) {
  sqlite::Statement update;
  QZ_TRY(
      db_->prepare("UPDATE holds SET state = ?, closed_at_ns = ?, closed_by = ?, text = ?, entry_list = ?, "
                   "entry_uid = ? WHERE id = ? AND state = 'open'",
                   &update));
  QZ_TRY(update.bind(1, hold_state_name(state))
             .bind(2, at_ns)
             .bind(3, officer)
             .bind(4, text)
             .bind(5, entry_list)
             .bind(6, entry_uid)
             .bind(7, hold_id)
             .run("closing hold " + std::to_string(hold_id)));
  if (db_->changes() != 1) return Status::error("client store: hold " + std::to_string(hold_id) + " is not open");
  return Status::ok();
}

Status ClientStore::add_screening(const Screening& s, uint64_t* id) {
  sqlite::Statement insert;
  QZ_TRY(
      db_->prepare("INSERT INTO screenings(client, version, at_ns, officer, trigger, lists, scope, threshold, "
                   "queries, hold_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &insert));
  QZ_TRY(insert.bind(1, s.client)
             .bind(2, s.version)
             .bind(3, s.at_ns)
             .bind(4, s.officer)
             .bind(5, s.trigger)
             .bind(6, s.lists)
             .bind(7, s.scope)
             .bind(8, s.threshold)
             .bind(9, s.queries)
             .bind(10, s.hold_id)
             .run("storing a screening of client " + std::to_string(s.client)));
  *id = static_cast<uint64_t>(db_->last_insert_rowid());
  sqlite::Statement hit_row;
  QZ_TRY(
      db_->prepare("INSERT INTO screening_hits(screening_id, seq, subject, query_name, query_dob, query_country, "
                   "list_id, uid, type, score, name_score, matched_name, matched_kind, primary_name, explanation) "
                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &hit_row));
  for (size_t seq = 0; seq < s.hits.size(); seq++) {
    const ScreeningHit& h = s.hits[seq];
    QZ_TRY(hit_row.bind(1, *id)
               .bind(2, uint64_t{seq})
               .bind(3, h.subject)
               .bind(4, h.query.name)
               .bind(5, h.query.dob)
               .bind(6, h.query.country)
               .bind(7, h.hit.list_id)
               .bind(8, h.hit.uid)
               .bind(9, screening::entry_type_name(h.hit.type))
               .bind(10, h.hit.score)
               .bind(11, h.hit.name_score)
               .bind(12, h.hit.matched_name)
               .bind(13, uint32_t{static_cast<uint8_t>(h.hit.matched_kind)})
               .bind(14, h.hit.primary_name)
               .bind(15, hit_explanation_json(h.hit))
               .run("storing a screening hit"));
  }
  return Status::ok();
}

Status ClientStore::add_action(uint64_t client, uint64_t at_ns, const std::string& officer, const std::string& action,
                               const std::string& value, const std::string& text) {
  sqlite::Statement insert;
  QZ_TRY(db_->prepare("INSERT INTO actions(client, at_ns, officer, action, value, text) VALUES(?, ?, ?, ?, ?, ?)",
                      &insert));
  return insert.bind(1, client)
      .bind(2, at_ns)
      .bind(3, officer)
      .bind(4, action)
      .bind(5, value)
      .bind(6, text)
      .run("recording an action on client " + std::to_string(client));
}

Status ClientStore::add_report(const Report& report) {
  sqlite::Statement insert;
  QZ_TRY(db_->prepare("INSERT INTO reports(hold_id, client, at_ns, json, text) VALUES(?, ?, ?, ?, ?)", &insert));
  return insert.bind(1, report.hold_id)
      .bind(2, report.client)
      .bind(3, report.at_ns)
      .bind(4, report.json)
      .bind(5, report.text)
      .run("storing the report of hold " + std::to_string(report.hold_id));
}

Status ClientStore::set_list_state(const ListState& state, const std::string& summary, uint64_t at_ns) {
  QZ_TRY(db_->exec("DELETE FROM list_entries", "replacing the list state"));
  sqlite::Statement insert;
  QZ_TRY(db_->prepare("INSERT INTO list_entries(list_id, uid, digest) VALUES(?, ?, ?)", &insert));
  for (const auto& [key, digest] : state) {
    QZ_TRY(insert.bind(1, key.first).bind(2, key.second).bind(3, digest).run("storing the list state"));
  }
  sqlite::Statement meta;
  QZ_TRY(db_->prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('lists', ?), ('lists_at_ns', ?)", &meta));
  return meta.bind(1, summary).bind(2, std::to_string(at_ns)).run("storing the list state");
}

}  // namespace qz::kyc
