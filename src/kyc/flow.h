// The KYC flow: onboarding, updates, approval and sanctions screening with holds, between the client store
// (kyc/store.h), the screener (screening/screener.h) and the deterministic core (docs/kyc.md).
//
// The core hears only commands: register_client (pending), update_client, and set_client_status (active
// kyc_approved; frozen compliance_review while a hold is open on an active client; active review_cleared when
// such a hold is cleared; frozen sanctions_match when a hold is confirmed). Every step checks everything it can
// first, then writes the store inside one transaction, submits its commands, and commits only when the core
// accepted every one of them; a refusal or a rejected command leaves the store as it was. (The one window: a
// store commit failing after the block is durable; the message says so.)
//
// Screening: each name of a record is one query (the client's name in Latin letters and in the original script,
// with the date of birth and nationality as evidence; each beneficial owner's names, with theirs). A hit at or
// above the screener's threshold holds the client: a hold opens (or the client's open hold takes the new hits),
// and approval is refused until an officer clears it (a false positive) or confirms it (the client is frozen with
// sanctions_match and the report for the regulator is prepared). A client with a confirmed match is not
// screened again and cannot be approved.
//
// List updates: the store remembers the digest of every list entry of the last screening run; lists that differ
// give a ListDiff per list (the same as Screener::replace_list reports), and every stored client is rescreened
// against the added and modified entries only (Screener::screen_entries). Every step that screens first brings
// the stored clients up to the lists it uses, so no client is left screened against older lists than another.
//
// Single-threaded: one Kyc per process step.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "engine/command.h"
#include "kyc/record.h"
#include "kyc/store.h"
#include "rules/clients.h"
#include "screening/lists.h"
#include "screening/screener.h"

namespace qz::kyc {

// What the core says about a client.
struct CoreClient {
  bool registered = false;
  ClientFacts facts;
  ClientStatus status = ClientStatus::pending;
  ClientStatusReason reason = ClientStatusReason::none;
};

// The deterministic core as the flow uses it (kyc/node_core.h: through a journal Node).
class Core {
 public:
  virtual ~Core() = default;
  virtual CoreClient client(uint64_t id) = 0;
  // Submits the commands (one block's worth at most) and waits until they are durable. *results: one per
  // command, ok or the rejection. *height: the block that holds them. Fails only when the journal fails.
  [[nodiscard]] virtual Status submit(std::span<const Command> commands, std::vector<Result>* results,
                                      uint64_t* height) = 0;
};

// The lists one step screens against: the screener loaded with them and every entry's digest.
struct ScreeningLists {
  std::unique_ptr<screening::Screener> screener;
  ListState entries;    // (list id, uid) -> entry digest (hex)
  std::string summary;  // "ofac_sdn_2021-07 8976, un_... 1003 entries; digest 0123456789abcdef"
  uint32_t threshold = screening::kDefaultThreshold;
};
// From lists already read (tests), or from a directory (screening::load_directory).
[[nodiscard]] Status make_screening_lists(std::vector<screening::SanctionsList> lists,
                                          std::unique_ptr<ScreeningLists>* out);
[[nodiscard]] Status load_screening_lists(const std::string& dir, std::unique_ptr<ScreeningLists>* out);

// The differences between the entries of the last screening run and `lists`, one ListDiff per list id that
// changed (a list that disappeared: every entry removed), sorted by list id; uids sorted.
std::vector<screening::ListDiff> diff_list_state(const ListState& before, const ListState& after);

// One query of a record.
struct Subject {
  std::string who;  // "client, Latin name", "client, original script", "beneficial owner 1, Latin name", ...
  screening::Query query;
};
std::vector<Subject> screening_subjects(const ClientRecord& record);

enum class KycCode : uint8_t {
  ok = 0,
  invalid = 1,    // bad officer name or text, an unknown entry, an unchanged record
  not_found = 2,  // no such client in the store
  exists = 3,     // onboarding a client the store or the core already knows
  held = 4,       // approval while a hold is open
  conflict = 5,   // the client's state does not allow the step (no open hold, already active, confirmed match ...)
  rejected = 6,   // the core rejected a command
  storage = 7,    // the store, the lists or the journal failed
};

class [[nodiscard]] KycResult {
 public:
  static KycResult ok() { return KycResult(KycCode::ok, ""); }
  static KycResult fail(KycCode code, std::string message) { return KycResult(code, std::move(message)); }
  static KycResult from(const Status& status) {
    return status.is_ok() ? ok() : fail(KycCode::storage, status.message());
  }
  bool is_ok() const { return code_ == KycCode::ok; }
  KycCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  KycResult(KycCode code, std::string message) : code_(code), message_(std::move(message)) {}
  KycCode code_;
  std::string message_;
};

// What a step did, for the command line.
struct Outcome {
  uint64_t client = 0;
  uint64_t version = 0;     // the record version written (onboard, update)
  uint64_t screening = 0;   // the screening written, 0 when none
  size_t hits = 0;          // hits at or above the threshold
  uint64_t hold = 0;        // the hold opened, joined or closed, 0 when none
  bool hold_opened = false;
  std::vector<std::string> commands;  // the commands submitted, as "set_client_status 1001 frozen sanctions_match"
  uint64_t height = 0;                // the block holding them
  std::vector<std::string> notes;     // lines for the officer
};

struct RescreenReport {
  bool lists_changed = false;
  std::vector<screening::ListDiff> diffs;
  size_t changed_entries = 0;  // added + modified
  size_t clients = 0;          // clients rescreened
  size_t skipped = 0;          // clients not rescreened (confirmed match, offboarded)
  size_t queries = 0;          // screen_entries calls
  size_t clients_with_hits = 0;
  std::vector<uint64_t> held;  // clients whose new hits opened or joined a hold
  std::vector<std::string> commands;
};

// Gives the lists when a step needs them (loaded lazily: approving needs none).
using ListsSource = std::function<Status(const ScreeningLists** lists)>;

class Kyc {
 public:
  Kyc(ClientStore* store, Core* core, ListsSource lists) : store_(store), core_(core), lists_(std::move(lists)) {}

  // A new client: screened, registered (pending) and held when a name hits. exists, invalid, rejected, storage.
  KycResult onboard(const ClientRecord& record, const std::string& officer, uint64_t now_ns, Outcome* out);
  // A new version of a known client; names not screened before are screened, changed facts go to the core.
  // not_found, invalid (nothing changed), conflict (offboarded, not registered in the core), rejected, storage.
  KycResult update(const ClientRecord& record, const std::string& officer, uint64_t now_ns, Outcome* out);
  // set_client_status active kyc_approved. not_found, held, conflict (confirmed match, not pending), rejected.
  KycResult approve(uint64_t client, const std::string& officer, uint64_t now_ns, Outcome* out);
  // Closes the open hold as a false positive. not_found, invalid (text), conflict (no open hold), rejected.
  KycResult clear(uint64_t client, const std::string& officer, const std::string& text, uint64_t now_ns,
                  Outcome* out);
  // Closes the open hold as a true match with `entry` ("LIST:UID", "" = the best hit): freezes the client with
  // sanctions_match and stores the report. not_found, invalid (text, entry), conflict (no open hold), rejected.
  KycResult confirm(uint64_t client, const std::string& officer, const std::string& text, const std::string& entry,
                    uint64_t now_ns, Outcome* out);
  // Screens the counterparties of a movement of `client` (a withdrawal's beneficiaries, a deposit's originators;
  // `scope` names the movement): one screening row with `trigger` ("withdrawal", "deposit"), and with hits the
  // client's open hold takes them or a new hold opens. The client needs no record here. With `hold_client` a new
  // hold freezes an active client (compliance_review) as after a name change; without it the caller holds the
  // movement itself until the hold is cleared or confirmed. invalid (officer, a name that cannot be screened),
  // rejected, storage.
  KycResult screen_counterparties(uint64_t client, const std::vector<Subject>& subjects, const std::string& trigger,
                                  const std::string& scope, const std::string& officer, uint64_t now_ns,
                                  bool hold_client, Outcome* out);
  // Brings every stored client up to the lists: rescreens against the entries changed since the last run and
  // records the lists as screened. Nothing to do when they are the same.
  KycResult sync_lists(const std::string& officer, uint64_t now_ns, RescreenReport* out);

 private:
  KycResult load_lists(const ScreeningLists** lists);
  // Screens `subjects` fully; appends hits.
  KycResult screen(const ScreeningLists& lists, const std::vector<Subject>& subjects,
                   std::vector<ScreeningHit>* hits);
  // Submits and checks that every command was accepted.
  KycResult submit(const std::vector<Command>& commands, Outcome* out);

  ClientStore* store_;
  Core* core_;
  ListsSource lists_;
  const ScreeningLists* loaded_ = nullptr;
};

// Officer names: 1-64 of A-Z a-z 0-9 . _ @ -. Officer texts: valid UTF-8, at most 4000 bytes, no control
// characters but newline and tab. "" when fine.
std::string officer_problem(const std::string& name);
std::string officer_text_problem(const std::string& text);

// The report of a confirmed hold, for the regulator (docs/kyc.md): JSON on one line, and text.
struct ReportInput {
  RecordVersion record;
  Hold hold;                         // closed as confirmed
  std::vector<Screening> screenings; // those of the hold
  ScreeningHit confirmed;            // the entry confirmed
  CoreClient before;                 // the core's view before the freeze
  uint64_t height = 0;               // the block of the freeze (0: the client was already frozen so)
};
std::string report_json(const ReportInput& input);
std::string report_text(const ReportInput& input);

// "2026-02-27 10:15:00 UTC".
std::string format_time_utc(uint64_t ns);

}  // namespace qz::kyc
