// The double-entry ledger: assets, accounts, transfers, holds, linked groups.
//
// Invariants (checked by check_invariants, asserted where cheap):
//   - per asset, the totals of all its accounts sum to zero;
//   - only issuance accounts have a negative total; every other account has 0 <= held + locked <= total;
//     an issuance account has 0 <= held and locks nothing;
//   - an account's held equals the sum of the remaining amounts of its live holds; its locked is what the
//     exchange reserved on it for open orders (the engine checks that against the orders);
//   - ids are dense and assigned in command order: assets from 1, accounts from 1, holds from 1, transfers
//     from 1. Nothing is ever deleted except closed holds.
//
// Every mutating function checks all its rules first, in the order listed beside it, and changes nothing when
// it returns a rejection. Inside a linked group (begin_group .. end_group) each change is also written to an
// undo log so that a later failure can roll the whole group back. Single-threaded; deterministic; no I/O.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/flat_map.h"
#include "base/result.h"
#include "base/role.h"
#include "base/sha256.h"

namespace qz {

inline constexpr size_t kAssetCodeSize = 12;

enum class AccountKind : uint8_t {
  customer = 1,
  custody = 2,     // omnibus custody of customers' assets held by the venue
  fee_income = 3,  // the venue's fee revenue
  issuance = 4,    // issuance / external world: the only kind that may go negative
  escrow = 5,
};
inline constexpr uint8_t kMaxAccountKind = 5;
const char* account_kind_name(AccountKind kind);  // "customer"; "unknown" otherwise

// True when `code` is 1-12 characters of A-Z and 0-9.
bool asset_code_valid(std::string_view code);

struct Asset {
  char code[kAssetCodeSize];  // NUL-padded
  uint8_t scale;
  std::string_view code_view() const;
};

struct Account {
  uint64_t owner;
  int64_t total_minor;
  int64_t held_minor;    // by live holds
  int64_t locked_minor;  // by open orders (the exchange's reservations)
  uint32_t asset;
  AccountKind kind;
  int64_t available_minor() const { return total_minor - held_minor - locked_minor; }
};

struct Hold {
  uint64_t account;
  uint64_t credit;  // 0 = named at post time
  int64_t remaining_minor;
  uint64_t expires_at_ns;  // 0 = never
};

struct Actor {
  uint64_t id;
  Role role;
};

struct TransferRequest {
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
};
struct TransferDone {
  uint64_t transfer_id;
  int64_t debit_balance_after;
  int64_t credit_balance_after;
};

struct HoldRequest {
  uint64_t account;
  uint64_t credit;  // 0 = named at post time
  int64_t amount_minor;
  uint64_t timeout_ns;  // 0 = no timeout
};
struct HoldDone {
  uint64_t hold_id;
  uint64_t expires_at_ns;
  int64_t account_held_after;
};

struct PostRequest {
  uint64_t hold;
  uint64_t credit;       // 0 = the hold's own credit account
  int64_t amount_minor;  // 0 = everything still held
};
struct PostDone {
  uint64_t transfer_id;
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  int64_t remaining_minor;
};

struct HoldReleased {
  uint64_t hold_id;
  uint64_t account;
  int64_t amount_minor;  // released back to available
  int64_t account_held_after;
  int64_t remaining_minor;  // still held by the hold after this; 0 = the hold is closed
};

// A rule outside the ledger that may stop money leaving an account (the engine's client rules: a frozen
// client moves nothing out). Asked by transfer, hold and post_hold right after debit_not_permitted, before the
// amount checks; it must not change anything and must answer the same for the same state.
class DebitGate {
 public:
  virtual ~DebitGate() = default;
  [[nodiscard]] virtual Result check_debit(const Account& account) const = 0;
};

struct LedgerLimits {
  uint32_t max_assets = 4096;
  uint64_t max_accounts = 1ull << 26;
  uint64_t max_live_holds = 1ull << 24;
  // Request ids to make room for at start-up, so the idempotency table neither grows nor faults in fresh
  // memory while commands run (past this it grows a little with each add, never all at once).
  uint64_t reserved_request_ids = 0;
};

class Ledger {
 public:
  explicit Ledger(const LedgerLimits& limits = {});

  // actor_not_permitted (operator only), asset_code_invalid, asset_scale_invalid, asset_exists,
  // asset_limit_reached.
  [[nodiscard]] Result create_asset(Actor actor, std::string_view code, uint8_t scale, uint32_t* asset_id);

  // actor_not_permitted (operator only), account_kind_invalid, asset_not_found, account_limit_reached.
  [[nodiscard]] Result open_account(Actor actor, uint64_t owner, uint32_t asset, uint8_t kind, uint64_t* account_id);

  // amount_must_be_positive, accounts_must_differ, debit_account_not_found, credit_account_not_found,
  // asset_mismatch, debit_not_permitted, insufficient_funds, balance_overflow.
  // Who may debit an account: the operator any account; an actor with a role other than none only a
  // non-issuance account whose owner is the actor's own (non-zero) id. Issuance accounts may go negative; every other kind needs available funds.
  [[nodiscard]] Result transfer(Actor actor, const TransferRequest& request, TransferDone* done);

  // amount_must_be_positive, accounts_must_differ (credit named and equal), debit_account_not_found,
  // credit_account_not_found (credit named), asset_mismatch, debit_not_permitted, hold_timeout_invalid,
  // insufficient_funds, balance_overflow (held would overflow; issuance accounts only),
  // hold_limit_reached (no room for another live hold).
  [[nodiscard]] Result hold(Actor actor, const HoldRequest& request, uint64_t block_time_ns, HoldDone* done);

  // amount_must_be_positive (negative amount), hold_not_found, hold_already_closed, debit_not_permitted,
  // hold_credit_required, hold_credit_mismatch, accounts_must_differ (credit is the held account),
  // credit_account_not_found, asset_mismatch,
  // hold_amount_exceeded, balance_overflow. A post of the whole remainder closes the hold.
  [[nodiscard]] Result post_hold(Actor actor, const PostRequest& request, PostDone* done);

  // amount_must_be_positive (negative amount), hold_not_found, hold_already_closed, debit_not_permitted,
  // hold_amount_exceeded (amount above what is still held). Releases `amount_minor` back to available, or
  // everything still held when it is 0. A partial release leaves the hold live with the rest; a release of the
  // whole remainder closes it.
  [[nodiscard]] Result void_hold(Actor actor, uint64_t hold_id, int64_t amount_minor, HoldReleased* released);

  // Order reservations. The exchange locks on a customer account what an open order may spend (cost and
  // largest fee) and keeps the per-order amounts itself (exchange.h); the ledger keeps each account's locked
  // total, which no command can move: only these calls, made by the exchange, change it.
  //
  // lock: insufficient_funds (available below amount), or ok. The account exists and amount > 0 (asserted).
  [[nodiscard]] Result lock(uint64_t account_id, int64_t amount_minor);
  // Returns `amount_minor` (>= 0, at most locked) of the account's locked funds to available.
  void unlock(uint64_t account_id, int64_t amount_minor);
  // One side of a fill: each posting moves its amount out of the account's locked funds to its credit account
  // as one transfer (taking the next transfer id), except that a posting to the account itself (a self-trade)
  // and an amount of 0 are no transfer: the first only unlocks. Then `unlock_minor` more is unlocked. The
  // exchange has proved every amount covered, so each rule is an assertion here, not a rejection.
  struct Posting {
    uint64_t credit;
    int64_t amount_minor;
  };
  void settle_locked(uint64_t account_id, std::span<const Posting> postings, int64_t unlock_minor);

  // Expires every live hold with expires_at_ns <= block_time_ns, in (expires_at_ns, hold id) order, and returns
  // what was released in that order. Not allowed inside a group.
  void expire_holds(uint64_t block_time_ns, std::vector<HoldReleased>* expired);

  // The gate asked before every debit (nullptr: none). Not owned; must outlive the ledger's use of it.
  void set_debit_gate(const DebitGate* gate) { debit_gate_ = gate; }

  // Linked groups: changes between begin_group and end_group(false) are undone; end_group(true) keeps them.
  void begin_group();
  void end_group(bool keep);
  bool in_group() const { return in_group_; }

  // Read access. Pointers are valid until the next mutation.
  const Asset* asset(uint32_t asset_id) const;
  const Account* account(uint64_t account_id) const;
  const Hold* hold(uint64_t hold_id) const;
  uint32_t find_asset(std::string_view code) const;  // 0 when absent
  uint32_t asset_count() const { return static_cast<uint32_t>(assets_.size()); }
  uint64_t account_count() const { return accounts_.size(); }
  uint64_t live_hold_count() const { return holds_.size(); }
  uint64_t next_transfer_id() const { return next_transfer_id_; }
  uint64_t next_hold_id() const { return next_hold_id_; }

  // Feeds an ordered traversal of the whole state (assets and accounts by id, live holds by id) to `hasher`.
  void hash_into(Sha256* hasher) const;
  // Empty when every invariant holds; else a description of the first violation found. O(accounts + holds).
  std::string check_invariants() const;

  void write_snapshot(ByteWriter* out) const;
  // Reads what write_snapshot wrote into a fresh ledger; false on malformed or inconsistent input.
  [[nodiscard]] bool read_snapshot(ByteReader* in);

 private:
  // Undo log of a linked group: the state of an account or hold before its first change in the group.
  struct UndoEntry {
    enum class Kind : uint8_t { account, hold };
    Kind kind;
    bool hold_was_live;  // hold entries: false = the hold did not exist before (created in the group)
    uint64_t id;
    Account account;
    Hold hold;
  };
  // Append-only parts and counters are restored from their values when the group began.
  struct GroupStart {
    size_t assets;
    size_t accounts;
    uint64_t next_transfer_id;
    uint64_t next_hold_id;
  };
  void save_account(uint64_t account_id);
  void save_hold(uint64_t hold_id);
  Account* mutable_account(uint64_t account_id);
  bool may_debit(Actor actor, const Account& account) const;
  Result gate_debit(const Account& account) const;
  void remove_hold(uint64_t hold_id);

  LedgerLimits limits_;
  std::vector<Asset> assets_;      // index = asset id - 1
  std::vector<Account> accounts_;  // index = account id - 1
  FlatMap<Hold> holds_;  // live holds; lookup only: outputs walk sorted ids
  std::set<std::pair<uint64_t, uint64_t>> expiries_;  // (expires_at_ns, hold id) of live holds with a timeout
  uint64_t next_transfer_id_ = 1;
  uint64_t next_hold_id_ = 1;

  const DebitGate* debit_gate_ = nullptr;
  bool in_group_ = false;
  GroupStart group_start_{};
  std::vector<UndoEntry> undo_;
};

}  // namespace qz
