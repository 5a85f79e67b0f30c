// The client store: DIR/clients.db (SQLite), the edge's memory of client records, their screenings, holds and
// reports (schema and rules in docs/kyc.md).
//
// Every version of every record is kept (append-only: who and when, and whether it onboarded or updated the
// client); the current record is the highest version. Screenings keep their queries and every hit with its
// explanation; a hold (a screening case) is opened by screenings with hits, and closed once, cleared or
// confirmed; a confirmed hold has its report. The action log says who did what and when. Append-only tables
// refuse updates and deletes with SQLite triggers; a closed hold is final.
//
// Writes happen between begin() and commit() (one IMMEDIATE transaction), so the flow (kyc/flow.h) can make a
// change and its journal command succeed or fail together; rollback() undoes everything since begin().
// Several processes may use one file. Errors are Statuses naming what failed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kyc/record.h"
#include "screening/screener.h"

namespace qz::sqlite {
class Database;
}  // namespace qz::sqlite

namespace qz::kyc {

struct RecordVersion {
  uint64_t client = 0;
  uint64_t version = 0;  // 1 = onboarding
  uint64_t at_ns = 0;
  std::string officer = {};
  std::string change = {};  // "onboarded" or "updated"
  ClientRecord record = {};
};

// One hit of one screening query.
struct ScreeningHit {
  std::string subject;  // "client, Latin name", "beneficial owner 2, original script", ...
  screening::Query query;
  screening::Hit hit;  // with its explanation
};

struct Screening {
  uint64_t id = 0;
  uint64_t client = 0;
  uint64_t version = 0;  // the record version screened
  uint64_t at_ns = 0;
  std::string officer;
  std::string trigger;  // "onboarding", "name_change", "list_update"
  std::string lists;    // the lists screened against, with their digests
  std::string scope;    // "all entries", or the changed entries of a list update ("ofac_sdn_2021-07: 2 added, ...")
  uint32_t threshold = 0;
  uint64_t queries = 0;  // names screened
  uint64_t hold_id = 0;  // the hold its hits opened or joined; 0 without hits
  std::vector<ScreeningHit> hits;
};

enum class HoldState : uint8_t { open = 1, cleared = 2, confirmed = 3 };
const char* hold_state_name(HoldState state);  // "open", "cleared", "confirmed"

struct Hold {
  uint64_t id = 0;
  uint64_t client = 0;
  HoldState state = HoldState::open;
  uint64_t opened_at_ns = 0;
  std::string opened_by;
  bool froze = false;  // opening it froze an active client (compliance_review); clearing makes it active again
  uint64_t closed_at_ns = 0;
  std::string closed_by;
  std::string text;        // the officer's reasoning at closing
  std::string entry_list;  // confirmed: the list entry confirmed as the client
  std::string entry_uid;
};

struct Action {
  uint64_t seq = 0;
  uint64_t client = 0;
  uint64_t at_ns = 0;
  std::string officer;
  std::string action;  // onboarded, updated, screened, held, approved, cleared, confirmed, frozen, unfrozen
  std::string value;
  std::string text;
};

struct Report {
  uint64_t hold_id = 0;
  uint64_t client = 0;
  uint64_t at_ns = 0;
  std::string json;
  std::string text;
};

// The list entries of the last screening run: (list id, uid) -> entry digest (hex).
using ListState = std::map<std::pair<std::string, std::string>, std::string>;

class ClientStore {
 public:
  // Opens (creating when missing) the store at `path`.
  [[nodiscard]] static Status open(const std::string& path, std::unique_ptr<ClientStore>* out);
  ~ClientStore();
  ClientStore(const ClientStore&) = delete;
  ClientStore& operator=(const ClientStore&) = delete;

  [[nodiscard]] Status begin();
  [[nodiscard]] Status commit();  // on failure the transaction is rolled back
  void rollback();

  // Reads.
  [[nodiscard]] Status current(uint64_t client, bool* found, RecordVersion* out);
  [[nodiscard]] Status versions(uint64_t client, std::vector<RecordVersion>* out);  // oldest first
  [[nodiscard]] Status client_ids(std::vector<uint64_t>* out);                     // ascending
  [[nodiscard]] Status screenings(uint64_t client, std::vector<Screening>* out);   // oldest first, with hits
  [[nodiscard]] Status holds(uint64_t client, std::vector<Hold>* out);             // oldest first
  [[nodiscard]] Status open_hold(uint64_t client, bool* found, Hold* out);
  [[nodiscard]] Status actions(uint64_t client, std::vector<Action>* out);
  [[nodiscard]] Status report(uint64_t hold_id, bool* found, Report* out);
  [[nodiscard]] Status list_state(ListState* out, std::string* summary);

  // Writes (between begin and commit).
  [[nodiscard]] Status add_version(uint64_t client, uint64_t at_ns, const std::string& officer,
                                   const std::string& change, const ClientRecord& record, uint64_t* version);
  [[nodiscard]] Status add_hold(uint64_t client, uint64_t at_ns, const std::string& officer, bool froze,
                                uint64_t* hold_id);
  // Closes an open hold (cleared or confirmed); fails when it is not open.
  [[nodiscard]] Status close_hold(uint64_t hold_id, HoldState state, uint64_t at_ns, const std::string& officer,
                                  const std::string& text, const std::string& entry_list, const std::string& entry_uid);
  [[nodiscard]] Status add_screening(const Screening& screening, uint64_t* id);
  [[nodiscard]] Status add_action(uint64_t client, uint64_t at_ns, const std::string& officer,
                                  const std::string& action, const std::string& value, const std::string& text);
  [[nodiscard]] Status add_report(const Report& report);
  // Replaces the list state of the last screening run.
  [[nodiscard]] Status set_list_state(const ListState& state, const std::string& summary, uint64_t at_ns);

 private:
  explicit ClientStore(std::unique_ptr<sqlite::Database> db);
  std::unique_ptr<sqlite::Database> db_;
};

// The explanation of a hit as one JSON object (tokens, unmatched tokens, evidence) and back; the store keeps it.
std::string hit_explanation_json(const screening::Hit& hit);
[[nodiscard]] bool parse_hit_explanation(const std::string& json, screening::Hit* hit);

}  // namespace qz::kyc
