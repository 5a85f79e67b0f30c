#include "ledger/ledger.h"

#include <algorithm>
#include <cstring>

#include "base/amount.h"
#include "base/assert.h"
#include "base/checked.h"

namespace qz {

const char* account_kind_name(AccountKind kind) {
  switch (kind) {
    case AccountKind::customer: return "customer";
    case AccountKind::custody: return "custody";
    case AccountKind::fee_income: return "fee_income";
    case AccountKind::issuance: return "issuance";
    case AccountKind::escrow: return "escrow";
  }
  return "unknown";
}

bool asset_code_valid(std::string_view code) {
  if (code.empty() || code.size() > kAssetCodeSize) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string_view Asset::code_view() const { return std::string_view(code, strnlen(code, kAssetCodeSize)); }

Ledger::Ledger(const LedgerLimits& limits) : limits_(limits) {}

// ---------------------------------------------------------------------------------------------------------------
// Undo log for linked groups. Assets and accounts are append-only, so a group remembers their counts; balances
// and holds are saved before their first change inside the group.

void Ledger::begin_group() {
  QZ_ASSERT(!in_group_);
  QZ_ASSERT(undo_.empty());
  in_group_ = true;
  group_start_ = GroupStart{.assets = assets_.size(),
                            .accounts = accounts_.size(),
                            .next_transfer_id = next_transfer_id_,
                            .next_hold_id = next_hold_id_};
}

void Ledger::end_group(bool keep) {
  QZ_ASSERT(in_group_);
  if (!keep) {
    for (size_t i = undo_.size(); i > 0; i--) {
      const UndoEntry& entry = undo_[i - 1];
      if (entry.kind == UndoEntry::Kind::account) {
        accounts_[entry.id - 1] = entry.account;
        continue;
      }
      const Hold* live = holds_.find(entry.id);
      if (live != nullptr) {
        if (live->expires_at_ns != 0) expiries_.erase({live->expires_at_ns, entry.id});
        holds_.erase(entry.id);
      }
      if (entry.hold_was_live) {
        holds_.insert(entry.id, entry.hold);
        if (entry.hold.expires_at_ns != 0) expiries_.insert({entry.hold.expires_at_ns, entry.id});
      }
    }
    QZ_ASSERT_LE(group_start_.accounts, accounts_.size());
    assets_.resize(group_start_.assets);
    accounts_.resize(group_start_.accounts);
    next_transfer_id_ = group_start_.next_transfer_id;
    next_hold_id_ = group_start_.next_hold_id;
  }
  undo_.clear();
  in_group_ = false;
}

void Ledger::save_account(uint64_t account_id) {
  if (!in_group_) return;
  // Accounts opened inside the group vanish with the group's rollback; no need to save them.
  if (account_id > group_start_.accounts) return;
  undo_.push_back(UndoEntry{.kind = UndoEntry::Kind::account, .hold_was_live = false, .id = account_id,
                            .account = accounts_[account_id - 1], .hold = {}});
}

void Ledger::save_hold(uint64_t hold_id) {
  if (!in_group_) return;
  Hold saved{};
  const Hold* found = holds_.find(hold_id);
  if (found != nullptr) saved = *found;
  undo_.push_back(UndoEntry{.kind = UndoEntry::Kind::hold, .hold_was_live = found != nullptr, .id = hold_id,
                            .account = {}, .hold = saved});
}

// ---------------------------------------------------------------------------------------------------------------

Account* Ledger::mutable_account(uint64_t account_id) {
  if (account_id == 0 || account_id > accounts_.size()) return nullptr;
  return &accounts_[account_id - 1];
}

const Account* Ledger::account(uint64_t account_id) const {
  if (account_id == 0 || account_id > accounts_.size()) return nullptr;
  return &accounts_[account_id - 1];
}

const Asset* Ledger::asset(uint32_t asset_id) const {
  if (asset_id == 0 || asset_id > assets_.size()) return nullptr;
  return &assets_[asset_id - 1];
}

const Hold* Ledger::hold(uint64_t hold_id) const { return hold_id == 0 ? nullptr : holds_.find(hold_id); }

uint32_t Ledger::find_asset(std::string_view code) const {
  for (size_t i = 0; i < assets_.size(); i++) {
    if (assets_[i].code_view() == code) return static_cast<uint32_t>(i + 1);
  }
  return 0;
}

Result Ledger::gate_debit(const Account& account) const {
  return debit_gate_ == nullptr ? Result::ok : debit_gate_->check_debit(account);
}

bool Ledger::may_debit(Actor actor, const Account& account) const {
  if (actor.role == Role::operator_) return true;
  if (actor.role == Role::none || account.kind == AccountKind::issuance) return false;
  return actor.id != 0 && actor.id == account.owner;
}

Result Ledger::create_asset(Actor actor, std::string_view code, uint8_t scale, uint32_t* asset_id) {
  if (actor.role != Role::operator_) return Result::actor_not_permitted;
  if (!asset_code_valid(code)) return Result::asset_code_invalid;
  if (scale > kMaxScale) return Result::asset_scale_invalid;
  if (find_asset(code) != 0) return Result::asset_exists;
  if (assets_.size() >= limits_.max_assets) return Result::asset_limit_reached;

  Asset created{};
  std::memcpy(created.code, code.data(), code.size());
  created.scale = scale;
  assets_.push_back(created);
  *asset_id = static_cast<uint32_t>(assets_.size());
  QZ_ASSERT(find_asset(code) == *asset_id);
  return Result::ok;
}

Result Ledger::open_account(Actor actor, uint64_t owner, uint32_t asset_id, uint8_t kind, uint64_t* account_id) {
  if (actor.role != Role::operator_) return Result::actor_not_permitted;
  if (kind == 0 || kind > kMaxAccountKind) return Result::account_kind_invalid;
  if (asset(asset_id) == nullptr) return Result::asset_not_found;
  if (accounts_.size() >= limits_.max_accounts) return Result::account_limit_reached;

  accounts_.push_back(Account{.owner = owner, .total_minor = 0, .held_minor = 0, .locked_minor = 0,
                              .asset = asset_id, .kind = static_cast<AccountKind>(kind)});
  *account_id = accounts_.size();
  QZ_ASSERT(accounts_.back().asset == asset_id);
  return Result::ok;
}

Result Ledger::transfer(Actor actor, const TransferRequest& request, TransferDone* done) {
  if (request.amount_minor <= 0) return Result::amount_must_be_positive;
  if (request.debit == request.credit) return Result::accounts_must_differ;
  Account* debit = mutable_account(request.debit);
  if (debit == nullptr) return Result::debit_account_not_found;
  Account* credit = mutable_account(request.credit);
  if (credit == nullptr) return Result::credit_account_not_found;
  if (debit->asset != credit->asset) return Result::asset_mismatch;
  if (!may_debit(actor, *debit)) return Result::debit_not_permitted;
  if (const Result gate = gate_debit(*debit); gate != Result::ok) return gate;
  if (debit->kind != AccountKind::issuance && debit->available_minor() < request.amount_minor) {
    return Result::insufficient_funds;
  }
  int64_t debit_after = 0;
  int64_t credit_after = 0;
  if (!checked_sub(debit->total_minor, request.amount_minor, &debit_after)) return Result::balance_overflow;
  if (!checked_add(credit->total_minor, request.amount_minor, &credit_after)) return Result::balance_overflow;

  save_account(request.debit);
  save_account(request.credit);
  debit->total_minor = debit_after;
  credit->total_minor = credit_after;
  QZ_ASSERT(debit->kind == AccountKind::issuance || debit->available_minor() >= 0);
  *done = TransferDone{.transfer_id = next_transfer_id_++, .debit_balance_after = debit_after,
                       .credit_balance_after = credit_after};
  return Result::ok;
}

Result Ledger::hold(Actor actor, const HoldRequest& request, uint64_t block_time_ns, HoldDone* done) {
  if (request.amount_minor <= 0) return Result::amount_must_be_positive;
  if (request.credit != 0 && request.credit == request.account) return Result::accounts_must_differ;
  Account* account = mutable_account(request.account);
  if (account == nullptr) return Result::debit_account_not_found;
  if (request.credit != 0) {
    const Account* credit = this->account(request.credit);
    if (credit == nullptr) return Result::credit_account_not_found;
    if (credit->asset != account->asset) return Result::asset_mismatch;
  }
  if (!may_debit(actor, *account)) return Result::debit_not_permitted;
  if (const Result gate = gate_debit(*account); gate != Result::ok) return gate;
  uint64_t expires_at_ns = 0;
  if (request.timeout_ns != 0 && !checked_add(block_time_ns, request.timeout_ns, &expires_at_ns)) {
    return Result::hold_timeout_invalid;
  }
  if (account->kind != AccountKind::issuance && account->available_minor() < request.amount_minor) {
    return Result::insufficient_funds;
  }
  int64_t held_after = 0;
  if (!checked_add(account->held_minor, request.amount_minor, &held_after)) return Result::balance_overflow;
  if (holds_.size() >= limits_.max_live_holds) return Result::hold_limit_reached;

  const uint64_t hold_id = next_hold_id_++;
  save_account(request.account);
  save_hold(hold_id);
  account->held_minor = held_after;
  holds_.insert(hold_id, Hold{.account = request.account, .credit = request.credit,
                               .remaining_minor = request.amount_minor, .expires_at_ns = expires_at_ns});
  if (expires_at_ns != 0) expiries_.insert({expires_at_ns, hold_id});
  QZ_ASSERT(account->kind == AccountKind::issuance || account->available_minor() >= 0);
  *done = HoldDone{.hold_id = hold_id, .expires_at_ns = expires_at_ns, .account_held_after = held_after};
  return Result::ok;
}

void Ledger::remove_hold(uint64_t hold_id) {
  const Hold* found = holds_.find(hold_id);
  QZ_ASSERT(found != nullptr);
  if (found->expires_at_ns != 0) {
    const size_t erased = expiries_.erase({found->expires_at_ns, hold_id});
    QZ_ASSERT(erased == 1);
  }
  holds_.erase(hold_id);
}

Result Ledger::post_hold(Actor actor, const PostRequest& request, PostDone* done) {
  if (request.amount_minor < 0) return Result::amount_must_be_positive;
  Hold* found = request.hold == 0 ? nullptr : holds_.find(request.hold);
  if (found == nullptr) {
    return (request.hold != 0 && request.hold < next_hold_id_) ? Result::hold_already_closed : Result::hold_not_found;
  }
  Hold& held = *found;
  Account* debit = mutable_account(held.account);
  QZ_ASSERT(debit != nullptr);
  if (!may_debit(actor, *debit)) return Result::debit_not_permitted;
  if (const Result gate = gate_debit(*debit); gate != Result::ok) return gate;
  uint64_t credit_id = request.credit;
  if (credit_id == 0) {
    if (held.credit == 0) return Result::hold_credit_required;
    credit_id = held.credit;
  } else if (held.credit != 0 && held.credit != credit_id) {
    return Result::hold_credit_mismatch;
  }
  if (credit_id == held.account) return Result::accounts_must_differ;
  Account* credit = mutable_account(credit_id);
  if (credit == nullptr) return Result::credit_account_not_found;
  if (credit->asset != debit->asset) return Result::asset_mismatch;
  const int64_t amount = request.amount_minor == 0 ? held.remaining_minor : request.amount_minor;
  if (amount > held.remaining_minor) return Result::hold_amount_exceeded;
  int64_t debit_after = 0;
  int64_t credit_after = 0;
  if (!checked_sub(debit->total_minor, amount, &debit_after)) return Result::balance_overflow;
  if (!checked_add(credit->total_minor, amount, &credit_after)) return Result::balance_overflow;

  const uint64_t hold_id = request.hold;
  save_account(held.account);
  save_account(credit_id);
  save_hold(hold_id);
  debit->total_minor = debit_after;
  debit->held_minor -= amount;
  credit->total_minor = credit_after;
  held.remaining_minor -= amount;
  QZ_ASSERT(held.remaining_minor >= 0);
  QZ_ASSERT(debit->held_minor >= 0);
  *done = PostDone{.transfer_id = next_transfer_id_++, .debit = held.account, .credit = credit_id,
                   .amount_minor = amount, .remaining_minor = held.remaining_minor};
  if (held.remaining_minor == 0) remove_hold(hold_id);
  return Result::ok;
}

Result Ledger::void_hold(Actor actor, uint64_t hold_id, int64_t amount_minor, HoldReleased* released) {
  if (amount_minor < 0) return Result::amount_must_be_positive;
  Hold* found = hold_id == 0 ? nullptr : holds_.find(hold_id);
  if (found == nullptr) {
    return (hold_id != 0 && hold_id < next_hold_id_) ? Result::hold_already_closed : Result::hold_not_found;
  }
  Hold& held = *found;
  Account* account = mutable_account(held.account);
  QZ_ASSERT(account != nullptr);
  if (!may_debit(actor, *account)) return Result::debit_not_permitted;
  const int64_t amount = amount_minor == 0 ? held.remaining_minor : amount_minor;
  if (amount > held.remaining_minor) return Result::hold_amount_exceeded;
  save_account(held.account);
  save_hold(hold_id);
  account->held_minor -= amount;
  held.remaining_minor -= amount;
  QZ_ASSERT(account->held_minor >= 0);
  QZ_ASSERT(held.remaining_minor >= 0);
  *released = HoldReleased{.hold_id = hold_id, .account = held.account, .amount_minor = amount,
                           .account_held_after = account->held_minor, .remaining_minor = held.remaining_minor};
  if (held.remaining_minor == 0) remove_hold(hold_id);
  return Result::ok;
}

Result Ledger::lock(uint64_t account_id, int64_t amount_minor) {
  QZ_ASSERT(amount_minor > 0);
  Account* account = mutable_account(account_id);
  QZ_ASSERT(account != nullptr && account->kind != AccountKind::issuance);
  if (account->available_minor() < amount_minor) return Result::insufficient_funds;
  save_account(account_id);
  account->locked_minor += amount_minor;  // <= total - held: no wrap
  QZ_ASSERT(account->available_minor() >= 0);
  return Result::ok;
}

void Ledger::unlock(uint64_t account_id, int64_t amount_minor) {
  Account* account = mutable_account(account_id);
  QZ_ASSERT(account != nullptr);
  QZ_ASSERT(amount_minor >= 0 && amount_minor <= account->locked_minor);
  if (amount_minor == 0) return;
  save_account(account_id);
  account->locked_minor -= amount_minor;
}

void Ledger::settle_locked(uint64_t account_id, std::span<const Posting> postings, int64_t unlock_minor) {
  Account* debit = mutable_account(account_id);
  QZ_ASSERT(debit != nullptr);
  save_account(account_id);
  for (const Posting& posting : postings) {
    const int64_t amount = posting.amount_minor;
    if (amount == 0) continue;
    QZ_ASSERT(amount > 0 && amount <= debit->locked_minor);
    if (posting.credit != account_id) {
      Account* credit = mutable_account(posting.credit);
      QZ_ASSERT(credit != nullptr && credit->asset == debit->asset);
      save_account(posting.credit);
      int64_t credit_after = 0;
      QZ_ASSERT(checked_add(credit->total_minor, amount, &credit_after));
      credit->total_minor = credit_after;
      debit->total_minor -= amount;  // total >= locked >= amount: no wrap
      next_transfer_id_++;
    }
    debit->locked_minor -= amount;
  }
  QZ_ASSERT(unlock_minor >= 0 && unlock_minor <= debit->locked_minor);
  debit->locked_minor -= unlock_minor;
  QZ_ASSERT(debit->kind != AccountKind::issuance && debit->available_minor() >= 0);
}

void Ledger::expire_holds(uint64_t block_time_ns, std::vector<HoldReleased>* expired) {
  QZ_ASSERT(!in_group_);
  while (!expiries_.empty() && expiries_.begin()->first <= block_time_ns) {
    const uint64_t hold_id = expiries_.begin()->second;
    const Hold* found = holds_.find(hold_id);
    QZ_ASSERT(found != nullptr);
    const Hold held = *found;
    Account& account = accounts_[held.account - 1];
    account.held_minor -= held.remaining_minor;
    QZ_ASSERT(account.held_minor >= 0);
    expired->push_back(HoldReleased{.hold_id = hold_id, .account = held.account,
                                    .amount_minor = held.remaining_minor,
                                    .account_held_after = account.held_minor, .remaining_minor = 0});
    remove_hold(hold_id);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hashing, invariants, snapshots. All walk assets and accounts by id and live holds sorted by id.

namespace {

std::vector<uint64_t> sorted_hold_ids(const FlatMap<Hold>& holds) {
  std::vector<uint64_t> ids;
  ids.reserve(holds.size());
  holds.for_each([&](uint64_t id, const Hold&) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Buffers small writes so the hasher sees large updates.
class HashBuffer {
 public:
  explicit HashBuffer(Sha256* hasher) : hasher_(hasher), writer_(&buffer_) { buffer_.reserve(kFlushBytes + 64); }
  ~HashBuffer() { flush(); }
  ByteWriter& out() {
    if (buffer_.size() >= kFlushBytes) flush();
    return writer_;
  }
  void flush() {
    hasher_->update(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

 private:
  static constexpr size_t kFlushBytes = 1 << 16;
  Sha256* hasher_;
  std::vector<uint8_t> buffer_;
  ByteWriter writer_;
};

void write_account(ByteWriter& out, const Account& account) {
  out.u64(account.owner);
  out.i64(account.total_minor);
  out.i64(account.held_minor);
  out.i64(account.locked_minor);
  out.u32(account.asset);
  out.u8(static_cast<uint8_t>(account.kind));
}

void write_hold(ByteWriter& out, uint64_t hold_id, const Hold& hold) {
  out.u64(hold_id);
  out.u64(hold.account);
  out.u64(hold.credit);
  out.i64(hold.remaining_minor);
  out.u64(hold.expires_at_ns);
}

void write_body(ByteWriter& out, const std::vector<Asset>& assets, const std::vector<Account>& accounts,
                const FlatMap<Hold>& holds, uint64_t next_transfer_id, uint64_t next_hold_id,
                HashBuffer* buffered) {
  auto w = [&]() -> ByteWriter& { return buffered ? buffered->out() : out; };
  w().u64(next_transfer_id);
  w().u64(next_hold_id);
  w().u32(static_cast<uint32_t>(assets.size()));
  for (const Asset& asset : assets) {
    w().bytes(asset.code, kAssetCodeSize);
    w().u8(asset.scale);
  }
  w().u64(accounts.size());
  for (const Account& account : accounts) write_account(w(), account);
  const std::vector<uint64_t> ids = sorted_hold_ids(holds);
  w().u64(ids.size());
  for (uint64_t id : ids) write_hold(w(), id, *holds.find(id));
}

}  // namespace

void Ledger::hash_into(Sha256* hasher) const {
  QZ_ASSERT(!in_group_);
  hasher->update("qazna.ledger.v2");
  std::vector<uint8_t> unused;
  ByteWriter ignored(&unused);
  HashBuffer buffered(hasher);
  write_body(ignored, assets_, accounts_, holds_, next_transfer_id_, next_hold_id_, &buffered);
}

void Ledger::write_snapshot(ByteWriter* out) const {
  QZ_ASSERT(!in_group_);
  write_body(*out, assets_, accounts_, holds_, next_transfer_id_, next_hold_id_, nullptr);
}

bool Ledger::read_snapshot(ByteReader* in) {
  QZ_ASSERT(assets_.empty() && accounts_.empty() && holds_.empty());
  next_transfer_id_ = in->u64();
  next_hold_id_ = in->u64();
  if (next_transfer_id_ == 0 || next_hold_id_ == 0) return false;
  const uint32_t asset_count = in->u32();
  if (!in->ok() || asset_count > limits_.max_assets || asset_count > in->remaining() / (kAssetCodeSize + 1)) {
    return false;
  }
  for (uint32_t i = 0; i < asset_count; i++) {
    Asset asset{};
    in->bytes(asset.code, kAssetCodeSize);
    asset.scale = in->u8();
    if (!in->ok()) return false;
    // Codes are NUL-padded: nothing but NULs after the first NUL.
    const std::string_view code = asset.code_view();
    for (size_t k = code.size(); k < kAssetCodeSize; k++) {
      if (asset.code[k] != 0) return false;
    }
    if (!asset_code_valid(code) || asset.scale > kMaxScale || find_asset(code) != 0) return false;
    assets_.push_back(asset);
  }
  const uint64_t account_count = in->u64();
  constexpr size_t kAccountBytes = 37;
  if (!in->ok() || account_count > limits_.max_accounts || account_count > in->remaining() / kAccountBytes) {
    return false;
  }
  accounts_.reserve(account_count);
  for (uint64_t i = 0; i < account_count; i++) {
    Account account{};
    account.owner = in->u64();
    account.total_minor = in->i64();
    account.held_minor = in->i64();
    account.locked_minor = in->i64();
    account.asset = in->u32();
    const uint8_t kind = in->u8();
    if (!in->ok() || kind == 0 || kind > kMaxAccountKind || asset(account.asset) == nullptr) return false;
    account.kind = static_cast<AccountKind>(kind);
    accounts_.push_back(account);
  }
  const uint64_t hold_count = in->u64();
  constexpr size_t kHoldBytes = 40;
  if (!in->ok() || hold_count > limits_.max_live_holds || hold_count > in->remaining() / kHoldBytes) return false;
  uint64_t previous_id = 0;
  for (uint64_t i = 0; i < hold_count; i++) {
    const uint64_t hold_id = in->u64();
    Hold hold{};
    hold.account = in->u64();
    hold.credit = in->u64();
    hold.remaining_minor = in->i64();
    hold.expires_at_ns = in->u64();
    if (!in->ok() || hold_id <= previous_id || hold_id >= next_hold_id_) return false;
    if (account(hold.account) == nullptr || hold.remaining_minor <= 0) return false;
    if (hold.credit != 0 && (account(hold.credit) == nullptr || hold.credit == hold.account)) return false;
    previous_id = hold_id;
    holds_.insert(hold_id, hold);
    if (hold.expires_at_ns != 0) expiries_.insert({hold.expires_at_ns, hold_id});
  }
  return check_invariants().empty();
}

std::string Ledger::check_invariants() const {
  if (in_group_) return "ledger: a linked group is still open";
  std::vector<int128> sums(assets_.size(), 0);
  std::vector<int128> held_by_holds(accounts_.size(), 0);
  for (const uint64_t hold_id : sorted_hold_ids(holds_)) {
    const Hold& hold = *holds_.find(hold_id);
    if (hold_id == 0 || hold_id >= next_hold_id_) return "ledger: hold id " + std::to_string(hold_id) + " out of range";
    if (hold.account == 0 || hold.account > accounts_.size()) {
      return "ledger: hold " + std::to_string(hold_id) + " names a missing account";
    }
    if (hold.remaining_minor <= 0) return "ledger: hold " + std::to_string(hold_id) + " has nothing left but is live";
    held_by_holds[hold.account - 1] += hold.remaining_minor;
    if (hold.expires_at_ns != 0 && expiries_.count({hold.expires_at_ns, hold_id}) != 1) {
      return "ledger: hold " + std::to_string(hold_id) + " is missing from the expiry index";
    }
  }
  size_t with_expiry = 0;
  holds_.for_each([&](uint64_t, const Hold& hold) { with_expiry += hold.expires_at_ns != 0 ? 1 : 0; });
  if (with_expiry != expiries_.size()) return "ledger: expiry index holds entries for closed holds";

  for (size_t i = 0; i < accounts_.size(); i++) {
    const Account& account = accounts_[i];
    const std::string name = "ledger: account " + std::to_string(i + 1);
    if (account.asset == 0 || account.asset > assets_.size()) return name + " names a missing asset";
    sums[account.asset - 1] += account.total_minor;
    if (account.held_minor < 0) return name + " has negative held";
    if (account.locked_minor < 0) return name + " has negative locked";
    if (account.kind != AccountKind::issuance) {
      if (account.total_minor < 0) return name + " is below zero but may not go negative";
      if (static_cast<int128>(account.held_minor) + account.locked_minor > account.total_minor) {
        return name + " holds and locks more than its total";
      }
    } else if (account.locked_minor != 0) {
      return name + " is an issuance account but has funds locked";
    }
    if (held_by_holds[i] != account.held_minor) return name + " held differs from the sum of its live holds";
  }
  for (size_t a = 0; a < assets_.size(); a++) {
    if (sums[a] != 0) return "ledger: balances of asset " + std::string(assets_[a].code_view()) + " do not sum to zero";
  }
  return {};
}

}  // namespace qz
