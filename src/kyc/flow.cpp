#include "kyc/flow.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "base/assert.h"
#include "base/sha256.h"
#include "json/writer.h"

namespace qz::kyc {

namespace {

constexpr size_t kMaxHitsPerQuery = 20;
constexpr size_t kMaxSubmitCommands = 8192;  // one block's worth (NodeOptions::max_block_commands)

Command as_compliance(Command command) {
  command.role = static_cast<uint8_t>(Role::compliance);
  command.actor = 0;
  return command;
}

// register_client or update_client (`kind`) with the record's facts.
Command facts_command(CommandKind kind, const ClientRecord& record) {
  QZ_ASSERT(kind == CommandKind::register_client || kind == CommandKind::update_client);
  const auto make = kind == CommandKind::register_client ? make_register_client : make_update_client;
  const ClientFacts facts = client_facts(record);
  return as_compliance(make(record.id, static_cast<uint8_t>(facts.classification), facts.kyc_tier, facts.residence,
                            facts.nationality, facts.knowledge_test_passed));
}

Command status_command(uint64_t client, ClientStatus status, ClientStatusReason reason) {
  return as_compliance(
      make_set_client_status(client, static_cast<uint8_t>(status), static_cast<uint16_t>(reason)));
}

std::string describe(const Command& command) {
  const auto kind = static_cast<CommandKind>(command.kind);
  std::string text = command_kind_name(kind);
  if (kind == CommandKind::set_client_status) {
    text += " " + std::to_string(command.set_client_status.client) + " " +
            client_status_name(static_cast<ClientStatus>(command.set_client_status.status)) + " " +
            client_status_reason_name(static_cast<ClientStatusReason>(command.set_client_status.reason));
  } else if (kind == CommandKind::register_client || kind == CommandKind::update_client) {
    text += " " + std::to_string(command.client_facts.client);
  }
  return text;
}

bool facts_equal(const ClientFacts& a, const ClientFacts& b) {
  return a.classification == b.classification && a.kyc_tier == b.kyc_tier && a.residence[0] == b.residence[0] &&
         a.residence[1] == b.residence[1] && a.nationality[0] == b.nationality[0] &&
         a.nationality[1] == b.nationality[1] && a.knowledge_test_passed == b.knowledge_test_passed;
}

std::tuple<std::string, std::string, std::string> query_key(const screening::Query& query) {
  return {query.name, query.dob, query.country};
}

KycResult storage(const Status& status) { return KycResult::fail(KycCode::storage, status.message()); }

// Rolls the store back unless committed.
class Transaction {
 public:
  explicit Transaction(ClientStore* store) : store_(store) {}
  ~Transaction() {
    if (open_) store_->rollback();
  }
  Status begin() {
    QZ_TRY(store_->begin());
    open_ = true;
    return Status::ok();
  }
  Status commit() {
    open_ = false;
    return store_->commit();
  }

 private:
  ClientStore* store_;
  bool open_ = false;
};

#define KYC_TRY(expr)                                          \
  do {                                                         \
    const ::qz::Status kyc_status_ = (expr);                   \
    if (!kyc_status_.is_ok()) return storage(kyc_status_);     \
  } while (0)

// Returns the KycResult of `expr` unless it is ok.
#define KYC_CHECK(expr)                                        \
  do {                                                         \
    KycResult kyc_result_ = (expr);                            \
    if (!kyc_result_.is_ok()) return kyc_result_;              \
  } while (0)

bool any_confirmed(const std::vector<Hold>& holds) {
  return std::any_of(holds.begin(), holds.end(), [](const Hold& h) { return h.state == HoldState::confirmed; });
}

std::string hits_text(size_t hits) { return std::to_string(hits) + (hits == 1 ? " hit" : " hits"); }

// The officer's name (--by) and, when given, text (--text): invalid when one is not fine.
KycResult check_officer(const std::string& officer, const std::string* text = nullptr) {
  if (const std::string problem = officer_problem(officer); !problem.empty()) {
    return KycResult::fail(KycCode::invalid, "--by: " + problem);
  }
  if (text == nullptr) return KycResult::ok();
  if (const std::string problem = officer_text_problem(*text); !problem.empty()) {
    return KycResult::fail(KycCode::invalid, "--text: " + problem);
  }
  return KycResult::ok();
}

// The client's current record: not_found when the store has none.
KycResult require_record(ClientStore* store, uint64_t client, RecordVersion* current) {
  bool found = false;
  KYC_TRY(store->current(client, &found, current));
  if (!found) return KycResult::fail(KycCode::not_found, "client " + std::to_string(client) + " has no record here");
  return KycResult::ok();
}

// The client's current record, or (version 0) none for a client held by a withdrawal's counterparty before it had
// a record here: not_found when the store knows neither.
KycResult require_record_or_hold(ClientStore* store, uint64_t client, RecordVersion* current) {
  bool found = false;
  KYC_TRY(store->current(client, &found, current));
  if (found) return KycResult::ok();
  std::vector<Hold> holds;
  KYC_TRY(store->holds(client, &holds));
  if (holds.empty()) return KycResult::fail(KycCode::not_found, "client " + std::to_string(client) + " has no record here");
  *current = RecordVersion{.client = client};
  return KycResult::ok();
}

// The client's open hold: conflict when it has none.
KycResult require_open_hold(ClientStore* store, uint64_t client, Hold* open) {
  bool held = false;
  KYC_TRY(store->open_hold(client, &held, open));
  if (!held) return KycResult::fail(KycCode::conflict, "client " + std::to_string(client) + " has no open hold");
  return KycResult::ok();
}

// Holds a client for new hits (`why`: "2 hits after a name change"): its open hold takes them, or a new hold opens
// that freezes an active client (compliance_review, appended to *commands) while it is open. *hold: the hold;
// *opened (if given): whether it is new. Inside the step's transaction.
KycResult hold_for_hits(ClientStore* store, uint64_t client, uint64_t now_ns, const std::string& officer,
                        const CoreClient& core, const std::string& why, std::vector<Command>* commands, uint64_t* hold,
                        bool* opened) {
  Hold open;
  bool held = false;
  KYC_TRY(store->open_hold(client, &held, &open));
  if (held) {
    *hold = open.id;
    return KycResult::ok();
  }
  const bool freeze = core.registered && core.status == ClientStatus::active;
  KYC_TRY(store->add_hold(client, now_ns, officer, freeze, hold));
  if (opened != nullptr) *opened = true;
  KYC_TRY(store->add_action(client, now_ns, officer, "held", "hold " + std::to_string(*hold), why));
  if (freeze) {
    commands->push_back(status_command(client, ClientStatus::frozen, ClientStatusReason::compliance_review));
    KYC_TRY(store->add_action(client, now_ns, officer, "frozen", "compliance_review", "held while the hold is open"));
  }
  return KycResult::ok();
}

}  // namespace

// --- lists ------------------------------------------------------------------------------------------------------

Status make_screening_lists(std::vector<screening::SanctionsList> lists, std::unique_ptr<ScreeningLists>* out) {
  auto result = std::make_unique<ScreeningLists>();
  std::sort(lists.begin(), lists.end(),
            [](const screening::SanctionsList& a, const screening::SanctionsList& b) { return a.id < b.id; });
  std::string counts;
  for (const screening::SanctionsList& list : lists) {
    for (const screening::ListEntry& entry : list.entries) {
      result->entries[{list.id, entry.uid}] = entry.digest().hex();
    }
    counts += (counts.empty() ? "" : ", ") + list.id + " " + std::to_string(list.entries.size());
  }
  Sha256 hasher;
  hasher.update("qazna.kyc.lists.v1");
  for (const auto& [key, digest] : result->entries) {
    hasher.update_u64(key.first.size()).update(key.first).update_u64(key.second.size()).update(key.second);
    hasher.update(digest);
  }
  result->summary = (counts.empty() ? std::string("no lists") : counts + " entries") + "; digest " +
                    hasher.finish().hex().substr(0, 16);
  result->screener = std::make_unique<screening::Screener>();
  QZ_TRY(result->screener->load(std::move(lists)));
  *out = std::move(result);
  return Status::ok();
}

Status load_screening_lists(const std::string& dir, std::unique_ptr<ScreeningLists>* out) {
  std::vector<screening::SanctionsList> lists;
  QZ_TRY(screening::load_directory(dir, screening::DirectoryOptions{}, &lists));
  if (lists.empty()) return Status::error("no lists in " + dir);
  return make_screening_lists(std::move(lists), out);
}

std::vector<screening::ListDiff> diff_list_state(const ListState& before, const ListState& after) {
  std::map<std::string, screening::ListDiff> diffs;
  const auto diff_of = [&diffs](const std::string& list) -> screening::ListDiff& {
    screening::ListDiff& diff = diffs[list];
    diff.list_id = list;
    return diff;
  };
  auto a = before.begin();
  auto b = after.begin();
  while (a != before.end() || b != after.end()) {
    if (b == after.end() || (a != before.end() && a->first < b->first)) {
      diff_of(a->first.first).removed.push_back(a->first.second);
      ++a;
    } else if (a == before.end() || b->first < a->first) {
      diff_of(b->first.first).added.push_back(b->first.second);
      ++b;
    } else {
      if (a->second != b->second) diff_of(a->first.first).modified.push_back(a->first.second);
      ++a;
      ++b;
    }
  }
  std::vector<screening::ListDiff> out;
  for (auto& [list, diff] : diffs) {
    std::sort(diff.added.begin(), diff.added.end());
    std::sort(diff.removed.begin(), diff.removed.end());
    std::sort(diff.modified.begin(), diff.modified.end());
    if (!diff.empty()) out.push_back(std::move(diff));
  }
  return out;
}

std::vector<Subject> screening_subjects(const ClientRecord& record) {
  std::vector<Subject> subjects;
  const auto add = [&subjects](std::string who, const LegalName& name, const std::string& dob,
                               const std::string& country) {
    subjects.push_back(Subject{.who = who + ", Latin name", .query = {.name = name.latin, .dob = dob, .country = country}});
    if (!name.original.empty() && name.original != name.latin) {
      subjects.push_back(
          Subject{.who = who + ", original script", .query = {.name = name.original, .dob = dob, .country = country}});
    }
  };
  add("client", record.name, record.kind == ClientKind::person ? record.date_of_birth : "", record.nationality);
  for (size_t i = 0; i < record.owners.size(); i++) {
    const BeneficialOwner& owner = record.owners[i];
    add("beneficial owner " + std::to_string(i + 1), owner.name, owner.date_of_birth, owner.nationality);
  }
  return subjects;
}

// --- officer input ----------------------------------------------------------------------------------------------

std::string officer_problem(const std::string& name) {
  if (name.empty() || name.size() > 64) return "an officer name is 1 to 64 characters";
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '@' || c == '-';
    if (!ok) return "an officer name may hold only letters A-Z a-z, digits and . _ @ -";
  }
  return "";
}

std::string officer_text_problem(const std::string& text) {
  if (text.find_first_not_of(" \n\t") == std::string::npos) return "the text is empty";
  if (text.size() > 4'000) return "a text is at most 4000 bytes";
  if (!utf8_valid(text)) return "a text must be valid UTF-8";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7F) {
      return "a text may not hold control characters other than newline and tab";
    }
  }
  return "";
}

// --- the flow ---------------------------------------------------------------------------------------------------

KycResult Kyc::load_lists(const ScreeningLists** lists) {
  if (loaded_ == nullptr) {
    if (!lists_) return KycResult::fail(KycCode::storage, "no sanctions lists to screen against");
    const ScreeningLists* got = nullptr;
    const Status status = lists_(&got);
    if (!status.is_ok()) return KycResult::fail(KycCode::storage, "sanctions lists: " + status.message());
    QZ_ASSERT(got != nullptr && got->screener != nullptr);
    loaded_ = got;
  }
  *lists = loaded_;
  return KycResult::ok();
}

KycResult Kyc::screen(const ScreeningLists& lists, const std::vector<Subject>& subjects,
                      std::vector<ScreeningHit>* hits) {
  const screening::ScreenOptions options{.threshold = lists.threshold, .max_hits = kMaxHitsPerQuery};
  std::vector<screening::Hit> found;
  for (const Subject& subject : subjects) {
    found.clear();
    const Status status = lists.screener->screen(subject.query, options, &found);
    if (!status.is_ok()) {
      return KycResult::fail(KycCode::invalid, subject.who + " \"" + subject.query.name +
                                                   "\" cannot be screened: " + status.message());
    }
    for (screening::Hit& hit : found) {
      hits->push_back(ScreeningHit{.subject = subject.who, .query = subject.query, .hit = std::move(hit)});
    }
  }
  return KycResult::ok();
}

KycResult Kyc::submit(const std::vector<Command>& commands, Outcome* out) {
  for (size_t begin = 0; begin < commands.size(); begin += kMaxSubmitCommands) {
    const size_t count = std::min(kMaxSubmitCommands, commands.size() - begin);
    std::vector<Result> results;
    uint64_t height = 0;
    const Status status =
        core_->submit(std::span<const Command>(commands).subspan(begin, count), &results, &height);
    if (!status.is_ok()) return KycResult::fail(KycCode::storage, "journal: " + status.message());
    QZ_ASSERT_EQ(results.size(), count);
    for (size_t i = 0; i < count; i++) {
      if (results[i] != Result::ok) {
        // Commands are submitted together only when each was checked against the core's state first, so a
        // rejection here means the core changed under us; what went before in this block stays applied.
        return KycResult::fail(KycCode::rejected, "the core rejected " + describe(commands[begin + i]) + ": " +
                                                      result_name(results[i]) + " (" +
                                                      std::to_string(static_cast<uint32_t>(results[i])) + ")");
      }
      out->commands.push_back(describe(commands[begin + i]));
    }
    out->height = height;
  }
  return KycResult::ok();
}

KycResult Kyc::onboard(const ClientRecord& record, const std::string& officer, uint64_t now_ns, Outcome* out) {
  *out = Outcome{};
  out->client = record.id;
  KYC_CHECK(check_officer(officer));
  bool found = false;
  RecordVersion current;
  KYC_TRY(store_->current(record.id, &found, &current));
  if (found) {
    return KycResult::fail(KycCode::exists, "client " + std::to_string(record.id) + " is already onboarded (version " +
                                                std::to_string(current.version) + "); use qazna client update");
  }
  const CoreClient core = core_->client(record.id);
  if (core.registered) {
    return KycResult::fail(KycCode::exists, "client " + std::to_string(record.id) +
                                                " is already registered in the journal (" +
                                                client_status_name(core.status) + ") without a record here");
  }
  const ScreeningLists* lists = nullptr;
  KYC_CHECK(load_lists(&lists));
  const std::vector<Subject> subjects = screening_subjects(record);
  std::vector<ScreeningHit> hits;
  KYC_CHECK(screen(*lists, subjects, &hits));
  RescreenReport rescreen;
  KYC_CHECK(sync_lists(officer, now_ns, &rescreen));
  if (rescreen.clients > 0) {
    out->notes.push_back("the lists changed since the last screening run: " + std::to_string(rescreen.clients) +
                         " clients rescreened against " + std::to_string(rescreen.changed_entries) +
                         " changed entries");
  }

  Transaction tx(store_);
  KYC_TRY(tx.begin());
  KYC_TRY(store_->add_version(record.id, now_ns, officer, "onboarded", record, &out->version));
  KYC_TRY(store_->add_action(record.id, now_ns, officer, "onboarded", "version 1", ""));
  if (!hits.empty()) {
    KYC_TRY(store_->add_hold(record.id, now_ns, officer, false, &out->hold));
    out->hold_opened = true;
    KYC_TRY(store_->add_action(record.id, now_ns, officer, "held", "hold " + std::to_string(out->hold),
                               hits_text(hits.size()) + " at onboarding"));
  }
  Screening screening{.client = record.id,
                      .version = out->version,
                      .at_ns = now_ns,
                      .officer = officer,
                      .trigger = "onboarding",
                      .lists = lists->summary,
                      .scope = "all entries",
                      .threshold = lists->threshold,
                      .queries = subjects.size(),
                      .hold_id = out->hold,
                      .hits = std::move(hits)};
  out->hits = screening.hits.size();
  KYC_TRY(store_->add_screening(screening, &out->screening));
  KYC_CHECK(submit({facts_command(CommandKind::register_client, record)}, out));
  const Status committed = tx.commit();
  if (!committed.is_ok()) {
    return KycResult::fail(KycCode::storage, "client " + std::to_string(record.id) + " is registered in block " +
                                                 std::to_string(out->height) +
                                                 " but the client store could not record it: " + committed.message());
  }
  return KycResult::ok();
}

KycResult Kyc::update(const ClientRecord& record, const std::string& officer, uint64_t now_ns, Outcome* out) {
  *out = Outcome{};
  out->client = record.id;
  KYC_CHECK(check_officer(officer));
  bool found = false;
  RecordVersion current;
  KYC_TRY(store_->current(record.id, &found, &current));
  if (!found) {
    return KycResult::fail(KycCode::not_found, "client " + std::to_string(record.id) +
                                                   " has no record here; onboard it with qazna client onboard");
  }
  if (current.record == record) {
    return KycResult::fail(KycCode::invalid, "the record is the same as version " + std::to_string(current.version) +
                                                 " of client " + std::to_string(record.id));
  }
  if (record.kind != current.record.kind) {
    return KycResult::fail(KycCode::invalid, "kind: a " + std::string(client_kind_name(current.record.kind)) +
                                                 " stays a " + client_kind_name(current.record.kind));
  }
  const CoreClient core = core_->client(record.id);
  if (!core.registered) {
    return KycResult::fail(KycCode::conflict,
                           "client " + std::to_string(record.id) + " is not registered in the journal");
  }
  if (core.status == ClientStatus::offboarded) {
    return KycResult::fail(KycCode::conflict, "client " + std::to_string(record.id) + " is offboarded");
  }
  std::vector<Hold> holds;
  KYC_TRY(store_->holds(record.id, &holds));
  const bool confirmed = any_confirmed(holds);

  // Only the names (with their evidence) the previous version did not have are screened.
  std::set<std::tuple<std::string, std::string, std::string>> screened;
  for (const Subject& subject : screening_subjects(current.record)) screened.insert(query_key(subject.query));
  std::vector<Subject> subjects;
  for (Subject& subject : screening_subjects(record)) {
    if (screened.count(query_key(subject.query)) == 0) subjects.push_back(std::move(subject));
  }
  std::vector<ScreeningHit> hits;
  const ScreeningLists* lists = nullptr;
  if (!subjects.empty() && confirmed) {
    out->notes.push_back("names changed, but the client has a confirmed match: not screened again");
  }
  if (!subjects.empty() && !confirmed) {
    KYC_CHECK(load_lists(&lists));
    KYC_CHECK(screen(*lists, subjects, &hits));
    RescreenReport rescreen;
    KYC_CHECK(sync_lists(officer, now_ns, &rescreen));
  }

  std::vector<Command> commands;
  if (!facts_equal(client_facts(record), core.facts)) {
    commands.push_back(facts_command(CommandKind::update_client, record));
  }
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  KYC_TRY(store_->add_version(record.id, now_ns, officer, "updated", record, &out->version));
  KYC_TRY(store_->add_action(record.id, now_ns, officer, "updated", "version " + std::to_string(out->version),
                             subjects.empty() ? "no name changed" : std::to_string(subjects.size()) + " new names"));
  if (!hits.empty()) {
    KYC_CHECK(hold_for_hits(store_, record.id, now_ns, officer, core, hits_text(hits.size()) + " after a name change",
                            &commands, &out->hold, &out->hold_opened));
  }
  if (lists != nullptr) {
    Screening screening{.client = record.id,
                        .version = out->version,
                        .at_ns = now_ns,
                        .officer = officer,
                        .trigger = "name_change",
                        .lists = lists->summary,
                        .scope = "all entries",
                        .threshold = lists->threshold,
                        .queries = subjects.size(),
                        .hold_id = out->hold,
                        .hits = std::move(hits)};
    out->hits = screening.hits.size();
    KYC_TRY(store_->add_screening(screening, &out->screening));
  }
  if (!commands.empty()) KYC_CHECK(submit(commands, out));
  const Status committed = tx.commit();
  if (!committed.is_ok()) {
    return KycResult::fail(KycCode::storage, "the client store could not record the update of client " +
                                                 std::to_string(record.id) +
                                                 (commands.empty() ? std::string()
                                                                   : " (its commands are in block " +
                                                                         std::to_string(out->height) + ")") +
                                                 ": " + committed.message());
  }
  return KycResult::ok();
}

KycResult Kyc::approve(uint64_t client, const std::string& officer, uint64_t now_ns, Outcome* out) {
  *out = Outcome{};
  out->client = client;
  KYC_CHECK(check_officer(officer));
  RecordVersion current;
  KYC_CHECK(require_record(store_, client, &current));
  Hold open;
  bool held = false;
  KYC_TRY(store_->open_hold(client, &held, &open));
  if (held) {
    return KycResult::fail(KycCode::held, "client " + std::to_string(client) + " is held by screening (hold " +
                                              std::to_string(open.id) + ", opened " + format_time_utc(open.opened_at_ns) +
                                              " by " + open.opened_by +
                                              "); an officer must clear or confirm it first");
  }
  std::vector<Hold> holds;
  KYC_TRY(store_->holds(client, &holds));
  if (any_confirmed(holds)) {
    return KycResult::fail(KycCode::conflict,
                           "client " + std::to_string(client) + " has a confirmed sanctions match; it is not approved");
  }
  const CoreClient core = core_->client(client);
  if (!core.registered) {
    return KycResult::fail(KycCode::conflict, "client " + std::to_string(client) + " is not registered in the journal");
  }
  if (core.status != ClientStatus::pending) {
    return KycResult::fail(KycCode::conflict, "client " + std::to_string(client) + " is " +
                                                  client_status_name(core.status) + " (" +
                                                  client_status_reason_name(core.reason) +
                                                  "), not pending; approval is for pending clients");
  }
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  KYC_TRY(store_->add_action(client, now_ns, officer, "approved", "kyc_approved", ""));
  KYC_CHECK(submit({status_command(client, ClientStatus::active, ClientStatusReason::kyc_approved)}, out));
  KYC_TRY(tx.commit());
  return KycResult::ok();
}

KycResult Kyc::clear(uint64_t client, const std::string& officer, const std::string& text, uint64_t now_ns,
                     Outcome* out) {
  *out = Outcome{};
  out->client = client;
  KYC_CHECK(check_officer(officer, &text));
  RecordVersion current;
  KYC_CHECK(require_record_or_hold(store_, client, &current));
  Hold open;
  KYC_CHECK(require_open_hold(store_, client, &open));
  const CoreClient core = core_->client(client);
  std::vector<Command> commands;
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  KYC_TRY(store_->close_hold(open.id, HoldState::cleared, now_ns, officer, text, "", ""));
  KYC_TRY(store_->add_action(client, now_ns, officer, "cleared", "hold " + std::to_string(open.id), text));
  if (open.froze && core.registered && core.status == ClientStatus::frozen &&
      core.reason == ClientStatusReason::compliance_review) {
    commands.push_back(status_command(client, ClientStatus::active, ClientStatusReason::review_cleared));
    KYC_TRY(store_->add_action(client, now_ns, officer, "unfrozen", "review_cleared", ""));
  }
  out->hold = open.id;
  if (!commands.empty()) KYC_CHECK(submit(commands, out));
  KYC_TRY(tx.commit());
  if (core.registered && core.status == ClientStatus::pending) {
    out->notes.push_back("the client is pending: approve it with qazna client approve");
  }
  return KycResult::ok();
}

KycResult Kyc::confirm(uint64_t client, const std::string& officer, const std::string& text, const std::string& entry,
                       uint64_t now_ns, Outcome* out) {
  *out = Outcome{};
  out->client = client;
  KYC_CHECK(check_officer(officer, &text));
  RecordVersion current;
  KYC_CHECK(require_record_or_hold(store_, client, &current));
  Hold open;
  KYC_CHECK(require_open_hold(store_, client, &open));
  std::vector<Screening> all;
  KYC_TRY(store_->screenings(client, &all));
  ReportInput input;
  for (Screening& s : all) {
    if (s.hold_id == open.id) input.screenings.push_back(std::move(s));
  }
  const ScreeningHit* chosen = nullptr;
  std::string wanted_list;
  std::string wanted_uid;
  if (!entry.empty()) {
    const size_t colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      return KycResult::fail(KycCode::invalid, "--entry: LIST:UID, e.g. ofac_sdn_2021-07:16691");
    }
    wanted_list = entry.substr(0, colon);
    wanted_uid = entry.substr(colon + 1);
  }
  for (const Screening& s : input.screenings) {
    for (const ScreeningHit& h : s.hits) {
      if (!entry.empty() && (h.hit.list_id != wanted_list || h.hit.uid != wanted_uid)) continue;
      if (chosen == nullptr || h.hit.score > chosen->hit.score ||
          (h.hit.score == chosen->hit.score &&
           std::tie(h.hit.list_id, h.hit.uid) < std::tie(chosen->hit.list_id, chosen->hit.uid))) {
        chosen = &h;
      }
    }
  }
  if (chosen == nullptr) {
    return KycResult::fail(KycCode::invalid, entry.empty() ? "hold " + std::to_string(open.id) + " holds no hits"
                                                           : "--entry: " + entry + " is not among the hits of hold " +
                                                                 std::to_string(open.id));
  }
  input.confirmed = *chosen;
  const CoreClient core = core_->client(client);
  if (core.registered && core.status == ClientStatus::offboarded) {
    return KycResult::fail(KycCode::conflict, "client " + std::to_string(client) + " is offboarded");
  }
  std::vector<Command> commands;
  if (core.registered &&
      !(core.status == ClientStatus::frozen && core.reason == ClientStatusReason::sanctions_match)) {
    commands.push_back(status_command(client, ClientStatus::frozen, ClientStatusReason::sanctions_match));
  }
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  KYC_TRY(store_->close_hold(open.id, HoldState::confirmed, now_ns, officer, text, chosen->hit.list_id,
                             chosen->hit.uid));
  KYC_TRY(store_->add_action(client, now_ns, officer, "confirmed", chosen->hit.list_id + ":" + chosen->hit.uid, text));
  if (!commands.empty()) {
    KYC_TRY(store_->add_action(client, now_ns, officer, "frozen", "sanctions_match", ""));
    KYC_CHECK(submit(commands, out));
  }
  out->hold = open.id;
  input.record = current;
  input.hold = open;
  input.hold.state = HoldState::confirmed;
  input.hold.closed_at_ns = now_ns;
  input.hold.closed_by = officer;
  input.hold.text = text;
  input.hold.entry_list = chosen->hit.list_id;
  input.hold.entry_uid = chosen->hit.uid;
  input.before = core;
  input.height = commands.empty() ? 0 : out->height;
  KYC_TRY(store_->add_report(
      Report{.hold_id = open.id, .client = client, .at_ns = now_ns, .json = report_json(input), .text = report_text(input)}));
  const Status committed = tx.commit();
  if (!committed.is_ok()) {
    return KycResult::fail(KycCode::storage, "client " + std::to_string(client) + " is frozen in block " +
                                                 std::to_string(out->height) +
                                                 " but the client store could not record the confirmation: " +
                                                 committed.message());
  }
  return KycResult::ok();
}

KycResult Kyc::screen_counterparties(uint64_t client, const std::vector<Subject>& subjects, const std::string& trigger,
                                     const std::string& scope, const std::string& officer, uint64_t now_ns,
                                     bool hold_client, Outcome* out) {
  *out = Outcome{};
  out->client = client;
  KYC_CHECK(check_officer(officer));
  const ScreeningLists* lists = nullptr;
  KYC_CHECK(load_lists(&lists));
  std::vector<ScreeningHit> hits;
  KYC_CHECK(screen(*lists, subjects, &hits));
  bool found = false;
  RecordVersion current;
  KYC_TRY(store_->current(client, &found, &current));
  // A client seen as not registered is never frozen by hold_for_hits.
  const CoreClient core = hold_client ? core_->client(client) : CoreClient{};
  std::vector<Command> commands;
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  if (!hits.empty()) {
    KYC_CHECK(hold_for_hits(store_, client, now_ns, officer, core, hits_text(hits.size()) + " of " + scope, &commands,
                            &out->hold, &out->hold_opened));
  }
  QZ_ASSERT(hold_client || commands.empty());
  Screening screening{.client = client,
                      .version = found ? current.version : 0,
                      .at_ns = now_ns,
                      .officer = officer,
                      .trigger = trigger,
                      .lists = lists->summary,
                      .scope = scope,
                      .threshold = lists->threshold,
                      .queries = subjects.size(),
                      .hold_id = out->hold,
                      .hits = std::move(hits)};
  out->hits = screening.hits.size();
  KYC_TRY(store_->add_screening(screening, &out->screening));
  if (!commands.empty()) KYC_CHECK(submit(commands, out));
  const Status committed = tx.commit();
  if (!committed.is_ok()) {
    return KycResult::fail(KycCode::storage, "the client store could not record the screening of client " +
                                                 std::to_string(client) +
                                                 (commands.empty() ? std::string()
                                                                   : " (frozen in block " + std::to_string(out->height) + ")") +
                                                 ": " + committed.message());
  }
  return KycResult::ok();
}

KycResult Kyc::sync_lists(const std::string& officer, uint64_t now_ns, RescreenReport* out) {
  *out = RescreenReport{};
  KYC_CHECK(check_officer(officer));
  const ScreeningLists* lists = nullptr;
  KYC_CHECK(load_lists(&lists));
  ListState before;
  std::string before_summary;
  KYC_TRY(store_->list_state(&before, &before_summary));
  if (before == lists->entries) return KycResult::ok();
  out->lists_changed = true;
  out->diffs = diff_list_state(before, lists->entries);
  std::string scope;
  for (const screening::ListDiff& diff : out->diffs) {
    out->changed_entries += diff.added.size() + diff.modified.size();
    scope += (scope.empty() ? "" : "; ") + diff.list_id + ": " + std::to_string(diff.added.size()) + " added, " +
             std::to_string(diff.modified.size()) + " modified, " + std::to_string(diff.removed.size()) + " removed";
  }
  std::vector<uint64_t> ids;
  KYC_TRY(store_->client_ids(&ids));
  const screening::ScreenOptions options{.threshold = lists->threshold, .max_hits = kMaxHitsPerQuery};
  std::vector<Command> commands;
  Transaction tx(store_);
  KYC_TRY(tx.begin());
  for (const uint64_t id : ids) {
    bool found = false;
    RecordVersion current;
    KYC_TRY(store_->current(id, &found, &current));
    QZ_ASSERT(found);
    std::vector<Hold> holds;
    KYC_TRY(store_->holds(id, &holds));
    const CoreClient core = core_->client(id);
    if (any_confirmed(holds) || (core.registered && core.status == ClientStatus::offboarded)) {
      out->skipped++;
      continue;
    }
    out->clients++;
    const std::vector<Subject> subjects = screening_subjects(current.record);
    std::vector<ScreeningHit> hits;
    std::vector<screening::Hit> found_hits;
    for (const Subject& subject : subjects) {
      for (const screening::ListDiff& diff : out->diffs) {
        if (diff.added.empty() && diff.modified.empty()) continue;
        std::vector<std::string> uids = diff.added;
        uids.insert(uids.end(), diff.modified.begin(), diff.modified.end());
        found_hits.clear();
        out->queries++;
        const Status screened = lists->screener->screen_entries(subject.query, diff.list_id, uids, options, &found_hits);
        if (!screened.is_ok()) {
          return KycResult::fail(KycCode::storage, "rescreening client " + std::to_string(id) + " (" + subject.who +
                                                       "): " + screened.message());
        }
        for (screening::Hit& hit : found_hits) {
          hits.push_back(ScreeningHit{.subject = subject.who, .query = subject.query, .hit = std::move(hit)});
        }
      }
    }
    uint64_t hold_id = 0;
    if (!hits.empty()) {
      out->clients_with_hits++;
      out->held.push_back(id);
      KYC_CHECK(hold_for_hits(store_, id, now_ns, officer, core, hits_text(hits.size()) + " after a list update",
                              &commands, &hold_id, nullptr));
    }
    Screening screening{.client = id,
                        .version = current.version,
                        .at_ns = now_ns,
                        .officer = officer,
                        .trigger = "list_update",
                        .lists = lists->summary,
                        .scope = scope,
                        .threshold = lists->threshold,
                        .queries = subjects.size(),
                        .hold_id = hold_id,
                        .hits = std::move(hits)};
    uint64_t screening_id = 0;
    KYC_TRY(store_->add_screening(screening, &screening_id));
  }
  KYC_TRY(store_->set_list_state(lists->entries, lists->summary, now_ns));
  Outcome submitted;
  if (!commands.empty()) KYC_CHECK(submit(commands, &submitted));
  out->commands = submitted.commands;
  const Status committed = tx.commit();
  if (!committed.is_ok()) {
    return KycResult::fail(KycCode::storage,
                           "the client store could not record the rescreening" +
                               (commands.empty() ? std::string()
                                                 : " (its freezes are in block " + std::to_string(submitted.height) + ")") +
                               ": " + committed.message());
  }
  return KycResult::ok();
}

// --- the report -------------------------------------------------------------------------------------------------

std::string format_time_utc(uint64_t ns) {
  const uint64_t seconds = ns / 1'000'000'000;
  const int64_t days = static_cast<int64_t>(seconds / 86'400);
  const uint64_t rest = seconds % 86'400;
  // Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years).
  const int64_t z = days + 719'468;
  const int64_t era = z / 146'097;
  const int64_t day_of_era = z - era * 146'097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lld %02llu:%02llu:%02llu UTC", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day),
                static_cast<unsigned long long>(rest / 3600), static_cast<unsigned long long>(rest / 60 % 60),
                static_cast<unsigned long long>(rest % 60));
  return buffer;
}

namespace {

void hit_json(json::Writer* json, const ScreeningHit& h) {
  json->begin_object()
      .field("subject", h.subject)
      .key("query")
      .begin_object()
      .field("name", h.query.name)
      .field("dob", h.query.dob)
      .field("country", h.query.country)
      .end_object()
      .field("list", h.hit.list_id)
      .field("uid", h.hit.uid)
      .field("type", screening::entry_type_name(h.hit.type))
      .field("primary_name", h.hit.primary_name)
      .field("matched_name", h.hit.matched_name)
      .field("matched_kind", screening::name_kind_name(h.hit.matched_kind))
      .field("score", h.hit.score)
      .field("name_score", h.hit.name_score)
      .key("explanation")
      .raw(hit_explanation_json(h.hit))
      .end_object();
}

std::string token_line(const screening::Hit& hit) {
  std::string pairs;
  for (const screening::TokenMatch& match : hit.tokens) {
    if (!pairs.empty()) pairs += ", ";
    pairs += match.query + (match.how == screening::MatchHow::exact ? " = " : " ~ ") + match.listed + " (" +
             screening::match_how_name(match.how) + " " + std::to_string(match.similarity) + ")";
  }
  return pairs;
}

}  // namespace

std::string report_json(const ReportInput& input) {
  json::Writer json;
  json.begin_object()
      .field("report", "sanctions_match")
      .field("format", "qazna.kyc.report.v1")
      .field("client", input.hold.client)
      .field("record_version", input.record.version)
      .key("record");
  if (input.record.version == 0) {
    json.null();  // held by a withdrawal's counterparty before any record was kept here
  } else {
    json.raw(client_record_json(input.record.record));
  }
  json.key("match");
  hit_json(&json, input.confirmed);
  json.key("hits").begin_array();
  for (const Screening& s : input.screenings) {
    for (const ScreeningHit& h : s.hits) hit_json(&json, h);
  }
  json.end_array().key("screenings").begin_array();
  for (const Screening& s : input.screenings) {
    json.begin_object()
        .field("screening", s.id)
        .field("trigger", s.trigger)
        .field("time", format_time_utc(s.at_ns))
        .field("by", s.officer)
        .field("record_version", s.version)
        .field("lists", s.lists)
        .field("scope", s.scope)
        .field("threshold", s.threshold)
        .field("hits", uint64_t{s.hits.size()})
        .end_object();
  }
  json.end_array()
      .key("hold")
      .begin_object()
      .field("hold", input.hold.id)
      .field("opened_at", format_time_utc(input.hold.opened_at_ns))
      .field("opened_by", input.hold.opened_by)
      .field("confirmed_at", format_time_utc(input.hold.closed_at_ns))
      .field("confirmed_by", input.hold.closed_by)
      .field("text", input.hold.text)
      .end_object();
  json.key("core").begin_object().key("status_before");
  if (input.before.registered) {
    json.value(client_status_name(input.before.status));
  } else {
    json.null();
  }
  json.field("status", "frozen").field("reason", "sanctions_match").key("block");
  if (input.height != 0) {
    json.value(input.height);
  } else {
    json.null();
  }
  json.end_object().end_object();
  return json.take();
}

namespace {

// The client record's lines of the report.
std::string client_record_text(const ClientRecord& r) {
  std::string out = "  name (Latin):      " + r.name.latin + "\n";
  if (!r.name.original.empty()) out += "  name (original):   " + r.name.original + "\n";
  if (r.kind == ClientKind::person) {
    out += "  date of birth:     " + r.date_of_birth + "\n";
    out += "  nationality:       " + r.nationality + "\n";
    out += "  document:          " + std::string(document_type_name(r.document.type)) + " " + r.document.number +
           " (" + r.document.country + ")\n";
  } else {
    out += "  registered in:     " + r.nationality + "\n";
    out += "  registration no.:  " + r.registration_number + "\n";
    for (size_t i = 0; i < r.owners.size(); i++) {
      const BeneficialOwner& o = r.owners[i];
      out += "  beneficial owner " + std::to_string(i + 1) + ": " + o.name.latin +
             (o.name.original.empty() ? "" : " / " + o.name.original) + ", born " + o.date_of_birth + ", " +
             o.nationality + "\n";
    }
  }
  out += "  residence:         " + r.residence + "\n";
  out += "  address:           " + r.address.street + ", " + r.address.city +
         (r.address.postcode.empty() ? "" : " " + r.address.postcode) + ", " + r.address.country + "\n";
  out += "  class, KYC tier:   " + std::string(client_class_name(r.classification)) + ", tier " +
         std::to_string(r.kyc_tier) + "\n";
  return out;
}

}  // namespace

std::string report_text(const ReportInput& input) {
  const ClientRecord& r = input.record.record;
  const ScreeningHit& m = input.confirmed;
  std::string out = "SANCTIONS MATCH REPORT\n";
  out += "Client " + std::to_string(input.hold.client) +
         (input.record.version == 0 ? std::string()
                                    : " (" + std::string(client_kind_name(r.kind)) + "), record version " +
                                          std::to_string(input.record.version)) +
         "\n";
  out += "Confirmed " + format_time_utc(input.hold.closed_at_ns) + " by " + input.hold.closed_by + "; hold " +
         std::to_string(input.hold.id) + " opened " + format_time_utc(input.hold.opened_at_ns) + " by " +
         input.hold.opened_by + "\n";
  out += "Times are UTC.\n\nClient record\n";
  if (input.record.version == 0) {
    out += "  none kept here (held by a withdrawal's counterparty)\n";
  } else {
    out += client_record_text(r);
  }
  out += "\nList entry\n";
  out += "  list, uid:         " + m.hit.list_id + " " + m.hit.uid + " (" + screening::entry_type_name(m.hit.type) +
         ")\n";
  out += "  primary name:      " + (m.hit.primary_name.empty() ? m.hit.matched_name : m.hit.primary_name) + "\n";
  out += "  matched name:      " + m.hit.matched_name + " (" + screening::name_kind_name(m.hit.matched_kind) + ")\n";
  out += "  screened:          " + m.subject + " \"" + m.query.name + "\"" +
         (m.query.dob.empty() ? "" : " born " + m.query.dob) +
         (m.query.country.empty() ? "" : " country " + m.query.country) + "\n";
  out += "  score:             " + std::to_string(m.hit.score) + " (name " + std::to_string(m.hit.name_score) + ")\n";
  out += "  reasons:           " + token_line(m.hit) + "\n";
  for (const std::string& line : m.hit.evidence) out += "                     " + line + "\n";
  out += "\nScreenings of this hold\n";
  for (const Screening& s : input.screenings) {
    out += "  " + format_time_utc(s.at_ns) + "  " + s.trigger + " by " + s.officer + ", threshold " +
           std::to_string(s.threshold) + ", " + hits_text(s.hits.size()) + "; lists " + s.lists + "\n";
    for (const ScreeningHit& h : s.hits) {
      out += "    score " + std::to_string(h.hit.score) + "  " + h.hit.list_id + " " + h.hit.uid + "  " +
             h.hit.matched_name + "  (" + h.subject + ")\n";
    }
  }
  out += "\nOfficer's reasoning\n  " + input.hold.text + "\n";
  out += "\nAction in the journal\n  ";
  if (input.height != 0) {
    out += "set_client_status frozen (sanctions_match) in block " + std::to_string(input.height) + "; before: " +
           (input.before.registered ? client_status_name(input.before.status) : "not registered") + "\n";
  } else {
    out += "none: the client was already frozen for sanctions_match\n";
  }
  return out;
}

}  // namespace qz::kyc
