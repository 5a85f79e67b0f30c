// The digital tenge (docs/money.md): wallet classes and wallets, programs and their lots, pending releases,
// issuance and redemption, and the decisions that turn a request into a Plan.
//
// The split with the ledger: ordinary digital tenge lives in ledger accounts, one per wallet; a program's money
// lives in the program's escrow account and is divided here into lots per (holder, program) and pending
// releases. The book decides and the ledger moves: decide_* reads the book and the ledger and changes nothing;
// the plan it returns lists the ledger postings (debit, credit, amount) and the lot changes; execute() posts
// the postings as one linked group of ledger transfers and then applies the lot changes, all or nothing.
// begin_block() runs what block time makes due (delayed releases, then expiries) the same way.
//
// Invariants (check_invariants, against the ledger):
//   - supply: issued - redeemed == -(total of the central bank's issuance account);
//   - each program: its escrow account's total == its lots + its pending releases, and its money by state adds
//     up: granted == lots + pending + spent + returned + released at expiry;
//   - no lot of an expired or revoked program exists; a lot's balance is >= 0; no lot is spendable at or after
//     its program's expiry (lots are removed at the first block at or after it);
//   - a program that forbids cash-out has cashed out nothing;
//   - the indexes agree (holders per program, each wallet's lots in spending order, the release and expiry
//     queues, the accounts in use).
// Per-asset conservation is the ledger's own invariant.
//
// Single-threaded; deterministic: everything hashed, walked or emitted goes through ordered containers or ids;
// no clock (time is the block time given to begin_block); no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/flat_map.h"
#include "base/result.h"
#include "base/sha256.h"
#include "ledger/ledger.h"
#include "money/program.h"

namespace qz {

inline constexpr uint8_t kMaxKycLevel = 3;
inline constexpr size_t kTranchesMax = 8;
inline constexpr size_t kWalletLotsMax = 32;  // programs whose money one wallet may hold at once

// Limits by KYC level. 0 = no limit. The balance cap bounds a wallet's ordinary (free) digital tenge; program
// money is bounded by its program.
struct WalletClass {
  uint8_t kyc_level = 0;
  int64_t balance_cap_minor = 0;
  int64_t per_payment_limit_minor = 0;
  int64_t daily_limit_minor = 0;   // payments out per UTC day of block time
  int64_t annual_limit_minor = 0;  // payments out per UTC calendar year of block time
};

struct WalletSpec {
  uint64_t owner = 0;          // the user who pays from it (actor id)
  uint64_t account = 0;        // its ledger account (issuance for the central bank; else customer or custody)
  uint32_t wallet_class = 0;   // 0 = no class: no limits, eligible only for programs without a class list
  WalletKind kind = WalletKind::individual;
  uint16_t mcc = 0;            // merchants, agencies, contractors: 1-9999; others 0
  uint16_t region = 0;         // merchants, agencies, contractors: a region code; others 0
  uint64_t linked_account = 0; // a digital tenge account at a bank for the waterfall; 0 = none
  bool waterfall = false;          // sweep free balance above the class's cap to the linked account
  bool reverse_waterfall = false;  // pull a payment's shortfall from the linked account
};

struct CategorySpend {
  uint16_t mcc;
  int64_t spent_minor;
};

// One holder's money of one program. It exists from the holder's first grant or receipt of the program until
// the program expires or is revoked, so its counters outlive a zero balance.
struct Lot {
  uint32_t program = 0;
  uint64_t expires_at_ns = 0;  // the program's; 0 = never (the spending order's key)
  int64_t balance_minor = 0;
  int64_t received_minor = 0;  // all ever credited: the base of the category share cap
  uint64_t period = 0;         // the period index period_spent_minor counts for
  int64_t period_spent_minor = 0;
  std::vector<CategorySpend> categories;  // by MCC; kept only when the program caps a category's share
};

struct Wallet {
  uint64_t id = 0;
  WalletSpec spec;
  uint64_t usage_day = 0;  // the UTC day day_spent_minor counts for
  int64_t day_spent_minor = 0;
  uint64_t usage_year = 0;  // the UTC year year_spent_minor counts for
  int64_t year_spent_minor = 0;
  std::vector<Lot> lots;  // in spending order: (expiry, 0 = never last; program id)
};

// A grant's money not yet spendable: a milestone tranche or a delayed release.
struct PendingRelease {
  uint64_t id = 0;
  uint64_t grant = 0;  // the id of the grant's first tranche
  uint32_t program = 0;
  uint64_t holder = 0;
  int64_t amount_minor = 0;
  uint8_t tranche = 0;          // 0-based within the grant
  uint64_t release_at_ns = 0;   // delayed: when it releases unless disputed; milestone: 0
  bool disputed = false;
};

// A program's money by state (the report of docs/money.md).
struct ProgramStats {
  int64_t granted_minor = 0;              // all grants (spendable at once or pending)
  int64_t pending_minor = 0;              // granted, not yet released
  int64_t released_minor = 0;             // pending moved to lots
  int64_t outstanding_minor = 0;          // in lots
  int64_t spent_minor = 0;                // unwrapped at terminal recipients
  int64_t cashed_out_minor = 0;           // the part of spent that went to banks
  int64_t moved_minor = 0;                // passed on with the label kept (hops between holders)
  int64_t returned_minor = 0;             // back to the issuer: expiry, revocation, cancelled releases
  int64_t released_at_expiry_minor = 0;   // made ordinary in the holders' wallets at expiry
  std::map<std::pair<uint16_t, uint16_t>, int64_t> spent_by_category_region;  // (MCC, region) -> spent
};

struct Program {
  uint32_t id = 0;
  uint32_t version = 1;  // 1 for a new code, then one more per republication
  ProgramSpec spec;
  ProgramStatus status = ProgramStatus::active;
  ProgramStats stats;
  std::set<uint64_t> holders;  // wallets with a lot of this program
};

// --- Plans -------------------------------------------------------------------------------------------------

enum class PlanKind : uint8_t {
  issue = 1,
  redeem = 2,
  grant = 3,
  payment = 4,
  release = 5,         // a pending release becomes spendable (milestone attested, delay passed, dispute settled)
  dispute = 6,         // a delayed release stops
  cancel_release = 7,  // a pending release goes back to the issuer
  program_status = 8,  // pause, resume, or revoke (everything back to the issuer)
  expiry = 9,          // a program's lots and pending releases at its expiry
};
const char* plan_kind_name(PlanKind kind);

enum class PostingRole : uint8_t {
  issue = 1,              // issuance -> bank
  redeem = 2,             // bank -> issuance
  fund = 3,               // issuer -> program escrow (a grant)
  pay = 4,                // payer -> payee, ordinary money
  unwrap = 5,             // program escrow -> terminal recipient
  reverse_waterfall = 6,  // payer's linked account -> payer
  waterfall = 7,          // payee -> payee's linked account
  return_to_issuer = 8,   // program escrow -> issuer (expiry, revocation, cancelled release)
  release_to_holder = 9,  // program escrow -> holder (expiry with release to holder)
  exchange = 10,          // the exchange link's tenge leg (another asset): venue <-> the customer's exchange balance
};
const char* posting_role_name(PostingRole role);

struct MoneyPosting {
  uint64_t debit = 0;
  uint64_t credit = 0;
  int64_t amount_minor = 0;
  PostingRole role = PostingRole::pay;
  uint32_t program = 0;  // 0 = ordinary money
};

enum class LotChangeKind : uint8_t {
  granted = 1,             // + holder, from the issuer
  released = 2,            // + holder, from its pending release
  spent = 3,               // - holder, unwrapped at a terminal recipient (counterparty)
  sent = 4,                // - holder, to a holder that keeps the label (counterparty)
  received = 5,            // + holder, from a holder (counterparty), label kept
  returned = 6,            // - holder, back to the issuer (expiry or revocation)
  released_at_expiry = 7,  // - holder, made ordinary in the holder's own wallet
};
const char* lot_change_kind_name(LotChangeKind kind);

struct LotChange {
  uint64_t holder = 0;
  uint32_t program = 0;
  int64_t delta_minor = 0;
  LotChangeKind kind = LotChangeKind::granted;
  uint64_t counterparty = 0;  // a wallet id; 0 = none
};

struct ClosedRelease {
  uint64_t id = 0;
  uint64_t holder = 0;
  int64_t amount_minor = 0;
  bool returned = false;  // false: released to the holder's lot; true: back to the issuer
};

// A decision: what moves, and how the book changes. Valid only against the state it was decided on: execute it
// before anything else changes the book or the ledger.
struct Plan {
  PlanKind kind = PlanKind::payment;
  uint64_t payer = 0;   // payment: payer; grant: issuer wallet; issue/redeem: the bank; others: 0
  uint64_t payee = 0;   // payment: payee; grant: holder; release: holder
  uint32_t program = 0;
  uint64_t release = 0;  // release, dispute, cancel_release
  ProgramStatus status = ProgramStatus::active;  // program_status
  int64_t amount_minor = 0;
  std::vector<MoneyPosting> postings;  // in this order, as one linked group
  std::vector<LotChange> lot_changes;
  std::vector<PendingRelease> opened;  // grant: new pending releases, ids assigned in order
  std::vector<ClosedRelease> closed;
  void clear();
};

// Why a decision said no, with what a message needs: the program, the wallet and a value (an MCC, a region,
// a limit in minor units, a wallet id). describe_refusal (money/report.h) prints it.
struct Refusal {
  Result code = Result::ok;
  uint32_t program = 0;
  uint64_t wallet = 0;
  int64_t value = 0;
};

struct GrantRequest {
  uint32_t program = 0;
  uint64_t holder = 0;
  int64_t amount_minor = 0;
  std::vector<int64_t> tranches;  // milestone programs: the amounts released one milestone at a time
};

struct PaymentRequest {
  uint64_t payer = 0;
  uint64_t payee = 0;
  int64_t amount_minor = 0;
};

class MoneyBook {
 public:
  // `asset` is the digital tenge's ledger asset id (created by the operator, scale 2).
  explicit MoneyBook(uint32_t asset);

  uint32_t asset() const { return asset_; }
  uint64_t now_ns() const { return now_ns_; }

  // --- Configuration (no money moves) ---

  // actor_not_permitted (central bank or operator), money_wallet_class_invalid.
  [[nodiscard]] Result define_wallet_class(Actor actor, const WalletClass& wallet_class, uint32_t* class_id);
  // actor_not_permitted (banks and the central bank's wallet: central bank or operator; others: a bank too),
  // money_wallet_invalid, money_wallet_class_not_found, money_central_bank_exists, money_account_invalid,
  // money_account_in_use, money_link_invalid.
  [[nodiscard]] Result open_wallet(Actor actor, const Ledger& ledger, const WalletSpec& spec, uint64_t* wallet_id);
  // money_program_invalid, money_wallet_not_found (issuer), money_wallet_kind_invalid (issuer not the central
  // bank or an agency), actor_not_permitted (not the issuer's owner or the operator),
  // money_program_issuer_mismatch (the code's earlier versions have another issuer), money_account_invalid
  // (escrow: an escrow account of the digital tenge), money_account_in_use. A taken code publishes the next
  // version.
  [[nodiscard]] Result publish_program(Actor actor, const Ledger& ledger, ProgramSpec spec, uint32_t* program_id);

  // --- Decisions (const; `refusal` may be nullptr) ---

  // actor_not_permitted (central bank only), amount_must_be_positive, money_wallet_not_found,
  // money_wallet_kind_invalid (not a bank), money_insufficient_funds (redeem: the bank's available balance).
  [[nodiscard]] Result decide_issue(Actor actor, const Ledger& ledger, uint64_t bank_wallet, int64_t amount_minor,
                                    Plan* plan, Refusal* refusal) const;
  [[nodiscard]] Result decide_redeem(Actor actor, const Ledger& ledger, uint64_t bank_wallet, int64_t amount_minor,
                                     Plan* plan, Refusal* refusal) const;
  // amount_must_be_positive, money_program_not_found, actor_not_permitted (the issuer's owner or the operator),
  // program_revoked, program_expired, program_paused, money_wallet_not_found (holder),
  // program_class_not_eligible (class not listed, or a bank or the central bank), money_lot_limit,
  // money_tranches_invalid, money_insufficient_funds (the issuer's available balance; the central bank issues).
  [[nodiscard]] Result decide_grant(Actor actor, const Ledger& ledger, const GrantRequest& request, Plan* plan,
                                    Refusal* refusal) const;
  // amount_must_be_positive, money_wallet_not_found (payer, then payee), accounts_must_differ,
  // money_wallet_kind_invalid (the central bank pays and is paid only through issue, redeem and grants),
  // money_not_wallet_owner, money_payment_limit, money_daily_limit, money_annual_limit, then the spending
  // order (docs/money.md): when the eligible lots, the free balance and the reverse waterfall together fall
  // short, the first program condition that blocked or limited a lot (program_*), else
  // money_insufficient_funds; finally money_balance_cap (the payee's free balance would pass its cap and it
  // does not sweep).
  [[nodiscard]] Result decide_payment(Actor actor, const Ledger& ledger, const PaymentRequest& request, Plan* plan,
                                      Refusal* refusal) const;
  // money_release_not_found, actor_not_permitted (the program's attester), money_release_state_invalid (a
  // delayed release that is not disputed), money_tranche_out_of_order. Milestones, and disputes settled in the
  // holder's favour.
  [[nodiscard]] Result decide_attest(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const;
  // money_release_not_found, actor_not_permitted (the issuer's owner), money_release_state_invalid (not a
  // delayed release, or already disputed).
  [[nodiscard]] Result decide_dispute(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const;
  // money_release_not_found, actor_not_permitted (the issuer's owner), money_release_state_invalid (a delayed
  // release that is not disputed: it can only be disputed first).
  [[nodiscard]] Result decide_cancel_release(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const;
  // money_program_not_found, actor_not_permitted (the issuer's owner, the central bank or the operator),
  // money_program_status_invalid. Revocation returns every lot and pending release to the issuer.
  [[nodiscard]] Result decide_program_status(Actor actor, uint32_t program_id, ProgramStatus status, Plan* plan,
                                             Refusal* refusal) const;

  // --- Applying ---

  // Posts the plan's postings on `ledger` as one linked group (operator authority: the decision was the
  // book's), then applies the book's changes. When the ledger refuses a posting (its client gate, an overflow)
  // the group is rolled back, nothing changes and the ledger's code is returned. The ledger must not be inside
  // a group. `posted` (may be nullptr) gets one TransferDone per posting, in order.
  [[nodiscard]] Result execute(Ledger* ledger, const Plan& plan, std::vector<TransferDone>* posted = nullptr);

  // At the start of each block, with its time (not earlier than the last): releases every undisputed delayed
  // release due (release_at <= time, in (release_at, id) order), then expires every program whose expiry is
  // due (in (expiry, program id) order: its lots in holder order, then its pending releases in id order). Each
  // step is one plan, executed and appended to `done` (may be nullptr); `posted` (may be nullptr) gets the
  // ledger's TransferDone of every posting of those plans, in order.
  void begin_block(Ledger* ledger, uint64_t block_time_ns, std::vector<Plan>* done,
                   std::vector<TransferDone>* posted = nullptr);

  // --- Reads ---

  const WalletClass* wallet_class(uint32_t class_id) const;
  const Wallet* wallet(uint64_t wallet_id) const;
  const Program* program(uint32_t program_id) const;
  uint32_t find_program(std::string_view code) const;  // the latest version; 0 when absent
  const PendingRelease* release(uint64_t release_id) const;
  const Lot* lot(uint64_t holder, uint32_t program_id) const;
  uint64_t wallet_count() const { return wallets_.size(); }
  uint32_t program_count() const { return static_cast<uint32_t>(programs_.size()); }
  uint64_t central_bank_wallet() const { return central_bank_wallet_; }
  // True when the ledger account backs a wallet or a program's escrow.
  bool account_in_use(uint64_t account) const { return account != 0 && accounts_in_use_.contains(account); }
  int64_t issued_minor() const { return issued_minor_; }
  int64_t redeemed_minor() const { return redeemed_minor_; }
  template <typename F>
  void for_each_release(F&& f) const {  // in id order
    for (const auto& [id, release] : releases_) f(release);
  }

  void hash_into(Sha256* hasher) const;
  // The book's state (the bytes the state hash covers); read_snapshot fills a freshly constructed book of the
  // same asset, rebuilds the indexes and checks the invariants against `ledger`. False when malformed.
  void write_snapshot(ByteWriter* out) const;
  [[nodiscard]] bool read_snapshot(ByteReader* in, const Ledger& ledger);
  Hash256 state_hash() const;
  // Empty when every invariant holds against `ledger`; else the first violation found.
  std::string check_invariants(const Ledger& ledger) const;

 private:
  Result refuse(Refusal* refusal, Result code, uint32_t program, uint64_t wallet, int64_t value) const;
  uint64_t funding_account(const Program& program) const;
  Lot* find_lot(Wallet& wallet, uint32_t program_id);
  Lot& lot_for(Wallet& wallet, const Program& program);  // created when absent, in spending order
  void plan_program_end(const Program& program, PlanKind kind, Plan* plan) const;
  void apply_lot_change(const Plan& plan, const LotChange& change);
  void apply_payment_counters(const Plan& plan);
  Wallet& mutable_wallet(uint64_t wallet_id);
  Program& mutable_program(uint32_t program_id);
  template <typename Flush>
  void write_state(Flush&& flush) const;  // the state in chunks: flush(const std::vector<uint8_t>&)

  uint32_t asset_;
  uint64_t now_ns_ = 0;
  std::vector<WalletClass> classes_;  // index = class id - 1
  std::vector<Wallet> wallets_;       // index = wallet id - 1
  std::vector<Program> programs_;     // index = program id - 1
  std::map<std::string, uint32_t, std::less<>> latest_by_code_;
  std::map<uint64_t, PendingRelease> releases_;            // pending, by id
  std::set<std::pair<uint64_t, uint64_t>> delayed_queue_;  // (release_at, id) of undisputed delayed releases
  std::set<std::pair<uint64_t, uint32_t>> expiry_queue_;   // (expires_at, program id) of programs still live
  FlatMap<uint64_t> accounts_in_use_;                      // ledger account -> wallet id, or program id | 2^63
  uint64_t next_release_id_ = 1;
  uint64_t central_bank_wallet_ = 0;
  int64_t issued_minor_ = 0;
  int64_t redeemed_minor_ = 0;
};

// The UTC calendar year of a day number (days since 1970-01-01).
uint64_t civil_year_of_day(uint64_t day);

}  // namespace qz
