#include "reference_ledger.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace qz::testing {

namespace {

constexpr int64_t kMax = INT64_MAX;
constexpr int64_t kMin = INT64_MIN;

Event blank(EventKind kind, uint32_t command_index, Result result) {
  Event event;
  std::memset(&event, 0, sizeof event);
  event.kind = static_cast<uint16_t>(kind);
  event.result = static_cast<uint32_t>(result);
  event.command_index = command_index;
  return event;
}

Event rejected(const Command& command, uint32_t index, Result result) {
  Event event = blank(EventKind::rejected, index, result);
  event.rejected.actor = command.actor;
  event.rejected.request_id = command.request_id;
  event.rejected.command_kind = command.kind;
  return event;
}

bool may_debit(const Command& command, const ReferenceLedger::AccountState& account) {
  if (command.role == static_cast<uint8_t>(Role::operator_)) return true;
  // Choice (stricter than ledger.h's "or the owner"): nobody but the operator moves money out of an issuance
  // account, and actor id 0 (the venue) is nobody's customer identity.
  if (account.kind == static_cast<uint8_t>(AccountKind::issuance)) return false;
  if (command.role == static_cast<uint8_t>(Role::none)) return false;  // an actor without a role moves nothing
  return command.actor != 0 && command.actor == account.owner;
}

bool code_valid(const std::string& code) {
  if (code.empty() || code.size() > kAssetCodeSize) return false;
  for (char c : code) {
    const bool upper = c >= 'A' && c <= 'Z';
    const bool digit = c >= '0' && c <= '9';
    if (!upper && !digit) return false;
  }
  return true;
}

// Adds with 128 bits and says whether the result still fits int64.
bool fits_sum(int64_t a, int64_t b, int64_t* out) {
  const int128 sum = static_cast<int128>(a) + b;
  if (sum > kMax || sum < kMin) return false;
  *out = static_cast<int64_t>(sum);
  return true;
}

}  // namespace

// Market and order kinds: the payload byte ranges that must be zero, [from, to).
bool market_zero_ranges(uint16_t kind, std::vector<std::pair<size_t, size_t>>* zero) {
  switch (kind) {
    case 10: case 11: case 20: *zero = {}; return true;       // every byte used
    case 12: *zero = {{5, 8}, {16, 40}}; return true;          // market, status | reference price
    case 13: *zero = {{6, 8}, {24, 40}}; return true;          // market, index, count | threshold, maker, taker
    case 21: *zero = {{4, 8}, {24, 40}}; return true;          // market | order id, client order id
    case 22: *zero = {{4, 8}, {32, 40}}; return true;          // market | order id, client id, new qty
    case 23: *zero = {{4, 40}}; return true;                   // market
    default: return false;
  }
}

// Client kinds: the payload byte ranges that must be zero, [from, to), and the one-byte flag that must be 0 or 1.
bool client_zero_ranges(uint16_t kind, std::vector<std::pair<size_t, size_t>>* zero, size_t* flag_byte) {
  switch (kind) {
    case 30: case 31: *zero = {{15, 40}}; *flag_byte = 14; return true;  // client, class, tier, 2 x country | test
    case 32: *zero = {{9, 10}, {12, 40}}; *flag_byte = 40; return true;  // client, status | reason
    case 33: *zero = {{1, 40}}; *flag_byte = 0; return true;             // require_registered
    case 34: *zero = {{4, 8}, {16, 40}}; return true;                   // asset | rate
    case 35: *zero = {{2, 8}, {24, 40}}; return true;                   // tier, kind | daily, monthly
    case 36: *zero = {{10, 40}}; return true;                           // cents, residence
    case 7: *zero = {{4, 40}}; return true;                             // set_engine_rules: version
    default: return false;
  }
}

// Money kinds (50-65): the payload byte ranges that must be zero, [from, to), a flags byte that must be at most 3,
// and for the two list kinds, the count byte's range and the size of one entry (entries past the count are zero).
struct MoneyLayout {
  std::vector<std::pair<size_t, size_t>> zero;
  size_t flag_byte = 40;
  size_t list_entry = 0;  // bytes; 0 = not a list
  size_t count_byte = 0;
};

bool money_layout(const Command& command, MoneyLayout* out) {
  switch (command.kind) {
    case 50: out->zero = {{1, 8}}; return true;                       // kyc | 4 limits
    case 51: out->zero = {{34, 40}}; out->flag_byte = 29; return true;  // owner, account, link, class, kind, flags, mcc, region
    case 52: out->zero = {{32, 40}}; out->flag_byte = 31; return true;  // 3 x u64, cap, action, rule, kinds, flags
    case 53: out->zero = {{32, 40}}; return true;                      // 4 limits
    case 54: {                                                         // list, count | entries
      const uint8_t list = command.payload[0];
      out->list_entry = list == 1 || list == 2 ? 8 : list == 3 || list == 4 ? 2 : list == 5 ? 4 : 0;
      out->count_byte = 1;
      out->zero = {{2, 8}};
      return true;
    }
    case 55: out->zero = {}; return true;                             // code (NUL-padded), issuer, escrow
    case 56: case 57: out->zero = {{16, 40}}; return true;            // bank wallet, amount
    case 58: out->list_entry = 8; out->count_byte = 0; out->zero = {{1, 8}}; return true;  // count | amounts
    case 59: out->zero = {{4, 8}, {24, 40}}; return true;             // program | holder, amount
    case 60: out->zero = {{32, 40}}; return true;                     // payer, payee, amount, exchange account
    case 61: case 62: case 63: out->zero = {{8, 40}}; return true;    // release
    case 64: out->zero = {{5, 40}}; return true;                      // program, status
    case 65: out->zero = {{16, 40}}; return true;                     // venue wallet, tenge account
    default: return false;
  }
}

Result reference_validate(const Command& command) {
  std::vector<std::pair<size_t, size_t>> zero;
  size_t flag_byte = 40;
  if (MoneyLayout money; money_layout(command, &money)) {
    if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
    for (const auto& [from, to] : money.zero) {
      for (size_t i = from; i < to; i++) {
        if (command.payload[i] != 0) return Result::reserved_field_not_zero;
      }
    }
    if (money.flag_byte < 40 && command.payload[money.flag_byte] > 3) return Result::reserved_field_not_zero;
    if (command.kind == 54 && money.list_entry == 0) return Result::reserved_field_not_zero;
    if (money.list_entry != 0) {
      const size_t count = command.payload[money.count_byte];
      const size_t room = 32 / money.list_entry;
      if (count == 0 || count > room) return Result::reserved_field_not_zero;
      for (size_t i = 8 + count * money.list_entry; i < 40; i++) {
        if (command.payload[i] != 0) return Result::reserved_field_not_zero;
      }
    }
    if (command.kind == 55) {  // the code: nothing after its first NUL
      bool ended = false;
      for (size_t i = 0; i < 24; i++) {
        if (ended && command.payload[i] != 0) return Result::reserved_field_not_zero;
        ended = ended || command.payload[i] == 0;
      }
    }
    if (command.role > kMaxRole) return Result::actor_not_permitted;
    return Result::ok;
  }
  if (client_zero_ranges(command.kind, &zero, &flag_byte)) {
    if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
    for (const auto& [from, to] : zero) {
      for (size_t i = from; i < to; i++) {
        if (command.payload[i] != 0) return Result::reserved_field_not_zero;
      }
    }
    if (flag_byte < 40 && command.payload[flag_byte] > 1) return Result::reserved_field_not_zero;
    if (command.role > kMaxRole) return Result::actor_not_permitted;
    return Result::ok;
  }
  if (market_zero_ranges(command.kind, &zero)) {
    if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
    for (const auto& [from, to] : zero) {
      for (size_t i = from; i < to; i++) {
        if (command.payload[i] != 0) return Result::reserved_field_not_zero;
      }
    }
    if (command.kind == 20) {
      const uint8_t side = command.payload[4], type = command.payload[5], tif = command.payload[6],
                    stp = command.payload[7];
      if (side < 1 || side > 2 || type < 1 || type > 6 || tif > 4 || stp > 3) return Result::order_field_invalid;
    }
    if (command.role > kMaxRole) return Result::actor_not_permitted;
    return Result::ok;
  }
  if (command.kind == 24) {  // tag_order: length, the text up to it, zero padding; then 1-36 of A-Z a-z 0-9 _ -
    if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
    const size_t length = command.payload[0];
    for (size_t i = 1 + std::min<size_t>(length, 36); i < sizeof command.payload; i++) {
      if (command.payload[i] != 0) return Result::reserved_field_not_zero;
    }
    if (length == 0 || length > 36) return Result::client_order_id_invalid;
    for (size_t i = 1; i <= length; i++) {
      const uint8_t c = command.payload[i];
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return Result::client_order_id_invalid;
    }
    if (command.role > kMaxRole) return Result::actor_not_permitted;
    return Result::ok;
  }
  size_t used = 0;  // payload bytes the kind uses, from the front
  switch (command.kind) {
    case 1: used = kAssetCodeSize + 1; break;  // code, scale
    case 2: used = 8 + 4 + 1; break;           // owner, asset, kind
    case 3: used = 8 * 4; break;               // debit, credit, amount, reference
    case 4: used = 8 * 5; break;               // account, credit, amount, timeout, reference
    case 5: used = 8 * 3; break;               // hold, credit, amount
    case 6: used = 8 * 2; break;               // hold, amount
    default: return Result::unknown_command_kind;
  }
  if ((command.flags & ~kFlagLinked) != 0 || command.reserved != 0) return Result::reserved_field_not_zero;
  for (size_t i = used; i < sizeof command.payload; i++) {
    if (command.payload[i] != 0) return Result::reserved_field_not_zero;
  }
  if (command.kind == 1) {
    // Choice: the code is NUL-padded, so every byte after its first NUL is padding and must be zero, like any
    // other byte the kind does not use.
    bool after_nul = false;
    for (size_t i = 0; i < kAssetCodeSize; i++) {
      if (after_nul && command.create_asset.code[i] != 0) return Result::reserved_field_not_zero;
      after_nul = after_nul || command.create_asset.code[i] == 0;
    }
  }
  if (command.role > kMaxRole) return Result::actor_not_permitted;
  return Result::ok;
}

Result ReferenceLedger::apply_one(State& s, const Command& c, uint64_t time_ns, Event* event,
                                  uint64_t* object_id) const {
  const Result structural = reference_validate(c);
  if (structural != Result::ok) return structural;
  const bool is_operator = c.role == static_cast<uint8_t>(Role::operator_);

  switch (c.kind) {
    case 1: {  // create_asset
      const auto& p = c.create_asset;
      if (!is_operator) return Result::actor_not_permitted;
      std::string code;
      for (size_t i = 0; i < kAssetCodeSize && p.code[i] != 0; i++) code.push_back(p.code[i]);
      if (!code_valid(code)) return Result::asset_code_invalid;
      if (p.scale > 18) return Result::asset_scale_invalid;
      for (const auto& [id, asset] : s.assets) {
        if (asset.code == code) return Result::asset_exists;
      }
      if (s.assets.size() >= limits_.max_assets) return Result::asset_limit_reached;
      const auto id = static_cast<uint32_t>(s.assets.size() + 1);
      s.assets[id] = AssetState{.code = code, .scale = p.scale};
      *event = blank(EventKind::asset_created, 0, Result::ok);
      event->asset_created.asset = id;
      event->asset_created.scale = p.scale;
      std::memcpy(event->asset_created.code, code.data(), code.size());
      *object_id = id;
      return Result::ok;
    }
    case 2: {  // open_account
      const auto& p = c.open_account;
      if (!is_operator) return Result::actor_not_permitted;
      if (p.kind < 1 || p.kind > 5) return Result::account_kind_invalid;
      if (s.assets.count(p.asset) == 0) return Result::asset_not_found;
      if (s.accounts.size() >= limits_.max_accounts) return Result::account_limit_reached;
      const uint64_t id = s.accounts.size() + 1;
      s.accounts[id] = AccountState{.owner = p.owner, .asset = p.asset, .kind = p.kind};
      *event = blank(EventKind::account_opened, 0, Result::ok);
      event->account_opened.account = id;
      event->account_opened.owner = p.owner;
      event->account_opened.asset = p.asset;
      event->account_opened.kind = p.kind;
      *object_id = id;
      return Result::ok;
    }
    case 3: {  // transfer
      const auto& p = c.transfer;
      if (p.amount_minor <= 0) return Result::amount_must_be_positive;
      if (p.debit == p.credit) return Result::accounts_must_differ;
      auto debit = s.accounts.find(p.debit);
      if (debit == s.accounts.end()) return Result::debit_account_not_found;
      auto credit = s.accounts.find(p.credit);
      if (credit == s.accounts.end()) return Result::credit_account_not_found;
      if (debit->second.asset != credit->second.asset) return Result::asset_mismatch;
      if (!may_debit(c, debit->second)) return Result::debit_not_permitted;
      const bool issuance = debit->second.kind == static_cast<uint8_t>(AccountKind::issuance);
      if (!issuance && debit->second.total_minor - debit->second.held_minor < p.amount_minor) {
        return Result::insufficient_funds;
      }
      int64_t debit_after = 0;
      int64_t credit_after = 0;
      if (!fits_sum(debit->second.total_minor, -p.amount_minor, &debit_after)) return Result::balance_overflow;
      if (!fits_sum(credit->second.total_minor, p.amount_minor, &credit_after)) return Result::balance_overflow;
      debit->second.total_minor = debit_after;
      credit->second.total_minor = credit_after;
      const uint64_t id = s.next_transfer_id++;
      *event = blank(EventKind::transfer_posted, 0, Result::ok);
      event->transfer_posted = TransferPostedPayload{.transfer = id,
                                                     .debit = p.debit,
                                                     .credit = p.credit,
                                                     .amount_minor = p.amount_minor,
                                                     .debit_balance_after = debit_after,
                                                     .credit_balance_after = credit_after};
      *object_id = id;
      return Result::ok;
    }
    case 4: {  // hold
      const auto& p = c.hold;
      if (p.amount_minor <= 0) return Result::amount_must_be_positive;
      if (p.credit != 0 && p.credit == p.account) return Result::accounts_must_differ;
      auto account = s.accounts.find(p.account);
      if (account == s.accounts.end()) return Result::debit_account_not_found;
      if (p.credit != 0) {
        auto credit = s.accounts.find(p.credit);
        if (credit == s.accounts.end()) return Result::credit_account_not_found;
        if (credit->second.asset != account->second.asset) return Result::asset_mismatch;
      }
      if (!may_debit(c, account->second)) return Result::debit_not_permitted;
      uint64_t expires_at_ns = 0;
      if (p.timeout_ns != 0) {
        if (p.timeout_ns > UINT64_MAX - time_ns) return Result::hold_timeout_invalid;
        expires_at_ns = time_ns + p.timeout_ns;
      }
      const bool issuance = account->second.kind == static_cast<uint8_t>(AccountKind::issuance);
      if (!issuance && account->second.total_minor - account->second.held_minor < p.amount_minor) {
        return Result::insufficient_funds;
      }
      // Choice (not listed in ledger.h): held that would overflow (possible only on issuance accounts) is
      // balance_overflow, checked after insufficient_funds.
      int64_t held_after = 0;
      if (!fits_sum(account->second.held_minor, p.amount_minor, &held_after)) return Result::balance_overflow;
      if (s.holds.size() >= limits_.max_live_holds) return Result::hold_limit_reached;
      account->second.held_minor = held_after;
      const uint64_t id = s.next_hold_id++;
      s.holds[id] = HoldState{.account = p.account, .credit = p.credit, .remaining_minor = p.amount_minor,
                              .expires_at_ns = expires_at_ns};
      *event = blank(EventKind::hold_placed, 0, Result::ok);
      event->hold_placed = HoldPlacedPayload{.hold = id,
                                             .account = p.account,
                                             .credit = p.credit,
                                             .amount_minor = p.amount_minor,
                                             .expires_at_ns = expires_at_ns,
                                             .account_held_after = held_after};
      *object_id = id;
      return Result::ok;
    }
    case 5: {  // post_hold
      const auto& p = c.post_hold;
      if (p.amount_minor < 0) return Result::amount_must_be_positive;
      auto hold = s.holds.find(p.hold);
      if (hold == s.holds.end()) {
        // Hold ids are dense from 1; an id that was handed out but is not live was closed.
        return (p.hold >= 1 && p.hold < s.next_hold_id) ? Result::hold_already_closed : Result::hold_not_found;
      }
      AccountState& debit = s.accounts.at(hold->second.account);
      if (!may_debit(c, debit)) return Result::debit_not_permitted;
      uint64_t credit_id = p.credit;
      if (credit_id == 0) {
        if (hold->second.credit == 0) return Result::hold_credit_required;
        credit_id = hold->second.credit;
      } else if (hold->second.credit != 0 && hold->second.credit != credit_id) {
        return Result::hold_credit_mismatch;
      }
      // Choice (not listed for post_hold in ledger.h): a post into the hold's own account is
      // accounts_must_differ, checked before the credit account is looked up.
      if (credit_id == hold->second.account) return Result::accounts_must_differ;
      auto credit = s.accounts.find(credit_id);
      if (credit == s.accounts.end()) return Result::credit_account_not_found;
      if (credit->second.asset != debit.asset) return Result::asset_mismatch;
      const int64_t amount = p.amount_minor == 0 ? hold->second.remaining_minor : p.amount_minor;
      if (amount > hold->second.remaining_minor) return Result::hold_amount_exceeded;
      int64_t debit_after = 0;
      int64_t credit_after = 0;
      if (!fits_sum(debit.total_minor, -amount, &debit_after)) return Result::balance_overflow;
      if (!fits_sum(credit->second.total_minor, amount, &credit_after)) return Result::balance_overflow;
      debit.total_minor = debit_after;
      debit.held_minor -= amount;
      credit->second.total_minor = credit_after;
      hold->second.remaining_minor -= amount;
      const uint64_t hold_id = p.hold;
      const uint64_t debit_id = hold->second.account;
      const int64_t remaining = hold->second.remaining_minor;
      if (remaining == 0) s.holds.erase(hold);
      const uint64_t transfer_id = s.next_transfer_id++;
      *event = blank(EventKind::hold_posted, 0, Result::ok);
      event->hold_posted = HoldPostedPayload{.hold = hold_id,
                                             .transfer = transfer_id,
                                             .debit = debit_id,
                                             .credit = credit_id,
                                             .amount_minor = amount,
                                             .remaining_minor = remaining};
      *object_id = transfer_id;
      return Result::ok;
    }
    case 6: {  // void_hold
      const auto& p = c.void_hold;
      if (p.amount_minor < 0) return Result::amount_must_be_positive;
      const uint64_t hold_id = p.hold;
      auto hold = s.holds.find(hold_id);
      if (hold == s.holds.end()) {
        return (hold_id >= 1 && hold_id < s.next_hold_id) ? Result::hold_already_closed : Result::hold_not_found;
      }
      AccountState& account = s.accounts.at(hold->second.account);
      if (!may_debit(c, account)) return Result::debit_not_permitted;
      const int64_t amount = p.amount_minor == 0 ? hold->second.remaining_minor : p.amount_minor;
      if (amount > hold->second.remaining_minor) return Result::hold_amount_exceeded;
      account.held_minor -= amount;
      hold->second.remaining_minor -= amount;
      *event = blank(EventKind::hold_voided, 0, Result::ok);
      event->hold_released.hold = hold_id;
      event->hold_released.account = hold->second.account;
      event->hold_released.amount_minor = amount;
      event->hold_released.account_held_after = account.held_minor;
      event->hold_released.remaining_minor = hold->second.remaining_minor;
      if (hold->second.remaining_minor == 0) s.holds.erase(hold);
      *object_id = hold_id;
      return Result::ok;
    }
    default: return Result::unknown_command_kind;  // unreachable: reference_validate refused it
  }
}

void ReferenceLedger::remember(const Command& command, Result result, uint64_t object_id) {
  if (command.request_id == 0) return;
  Answer answer;
  std::memcpy(answer.command.data(), &command, kCommandSize);
  answer.result = static_cast<uint32_t>(result);
  answer.object_id = object_id;
  const bool fresh = answers_.emplace(AnswerKey{command.actor, command.request_id}, answer).second;
  if (!fresh) std::abort();  // the reference itself is wrong
}

void ReferenceLedger::apply_group(std::span<const Command> group, uint32_t first_index, bool open,
                                  uint64_t time_ns, std::vector<Event>* events) {
  // Request ids first. A group any of whose members repeats an answered (actor, id), or shares one with an
  // earlier member, runs no command. Choice (engine.h is silent on groups): repeats of an answered request get
  // duplicate with the original answer (same 64 bytes) or request_id_reused (different bytes); a member
  // repeating an earlier member's id is request_id_reused; everyone else linked_event_failed; nothing of it is
  // remembered. An open group is screened the same way before it fails as linked_group_open.
  bool screened = false;
  for (size_t i = 0; i < group.size(); i++) {
    if (group[i].request_id == 0) continue;
    if (answers_.count({group[i].actor, group[i].request_id}) != 0) screened = true;
    for (size_t k = 0; k < i; k++) {
      if (group[k].actor == group[i].actor && group[k].request_id == group[i].request_id) screened = true;
    }
  }
  if (screened) {
    for (size_t i = 0; i < group.size(); i++) {
      const Command& c = group[i];
      const auto index = static_cast<uint32_t>(first_index + i);
      auto answered = c.request_id == 0 ? answers_.end() : answers_.find({c.actor, c.request_id});
      if (answered != answers_.end()) {
        if (std::memcmp(answered->second.command.data(), &c, kCommandSize) == 0) {
          Event event = blank(EventKind::duplicate, index, static_cast<Result>(answered->second.result));
          event.duplicate.actor = c.actor;
          event.duplicate.request_id = c.request_id;
          event.duplicate.object_id = answered->second.object_id;
          event.duplicate.command_kind = c.kind;
          events->push_back(event);
        } else {
          events->push_back(rejected(c, index, Result::request_id_reused));
        }
        continue;
      }
      bool repeats_member = false;
      for (size_t k = 0; k < i; k++) {
        repeats_member |= c.request_id != 0 && group[k].actor == c.actor && group[k].request_id == c.request_id;
      }
      events->push_back(rejected(c, index, repeats_member ? Result::request_id_reused : Result::linked_event_failed));
    }
    return;
  }

  if (open) {
    for (size_t i = 0; i < group.size(); i++) {
      events->push_back(rejected(group[i], static_cast<uint32_t>(first_index + i), Result::linked_group_open));
      remember(group[i], Result::linked_group_open, 0);
    }
    return;
  }

  // All or nothing: a group of several commands runs on a copy of the state. A lone command runs on the state
  // itself, because apply_one checks every rule before it changes anything.
  State scratch;
  State* target = &state_;
  if (group.size() > 1) {
    scratch = state_;
    target = &scratch;
  }
  std::vector<Event> done;
  std::vector<uint64_t> objects;
  for (size_t i = 0; i < group.size(); i++) {
    Event event;
    uint64_t object_id = 0;
    const Result result = apply_one(*target, group[i], time_ns, &event, &object_id);
    if (result != Result::ok) {
      for (size_t k = 0; k < group.size(); k++) {
        const Result answer = k == i ? result : Result::linked_event_failed;
        events->push_back(rejected(group[k], static_cast<uint32_t>(first_index + k), answer));
        remember(group[k], answer, 0);
      }
      return;
    }
    event.command_index = static_cast<uint32_t>(first_index + i);
    done.push_back(event);
    objects.push_back(object_id);
  }
  if (target == &scratch) state_ = std::move(scratch);
  for (size_t i = 0; i < group.size(); i++) {
    events->push_back(done[i]);
    remember(group[i], Result::ok, objects[i]);
  }
}

void ReferenceLedger::apply(uint64_t time_ns, std::span<const Command> commands, std::vector<Event>* events) {
  // 1. Expiries, in (expires_at_ns, hold id) order.
  std::vector<std::pair<uint64_t, uint64_t>> due;
  for (const auto& [id, hold] : state_.holds) {
    if (hold.expires_at_ns != 0 && hold.expires_at_ns <= time_ns) due.emplace_back(hold.expires_at_ns, id);
  }
  std::sort(due.begin(), due.end());
  for (const auto& [expires_at_ns, id] : due) {
    const HoldState hold = state_.holds.at(id);
    AccountState& account = state_.accounts.at(hold.account);
    account.held_minor -= hold.remaining_minor;
    Event event = blank(EventKind::hold_expired, kNoCommand, Result::ok);
    event.hold_released.hold = id;
    event.hold_released.account = hold.account;
    event.hold_released.amount_minor = hold.remaining_minor;
    event.hold_released.account_held_after = account.held_minor;
    events->push_back(event);
    state_.holds.erase(id);
  }
  // 2. Groups: a run of linked commands plus the first unlinked one after it.
  size_t begin = 0;
  while (begin < commands.size()) {
    size_t end = begin;
    while (end < commands.size() && (commands[end].flags & kFlagLinked) != 0) end++;
    const bool open = end == commands.size();
    const size_t count = open ? end - begin : end - begin + 1;
    apply_group(commands.subspan(begin, count), static_cast<uint32_t>(begin), open, time_ns, events);
    begin += count;
  }
}

std::map<uint32_t, int128> ReferenceLedger::asset_sums() const {
  std::map<uint32_t, int128> sums;
  for (const auto& [id, asset] : state_.assets) sums[id] = 0;
  for (const auto& [id, account] : state_.accounts) sums[account.asset] += account.total_minor;
  return sums;
}

// ---------------------------------------------------------------------------------------------------------------

std::string hex(const void* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  const auto* bytes = static_cast<const uint8_t*>(data);
  std::string text;
  for (size_t i = 0; i < size; i++) {
    text.push_back(digits[bytes[i] >> 4]);
    text.push_back(digits[bytes[i] & 15]);
  }
  return text;
}

bool same_events(const std::vector<Event>& a, const std::vector<Event>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::memcmp(&a[i], &b[i], sizeof(Event)) != 0) return false;
  }
  return true;
}

std::string describe(const Event& e) {
  std::ostringstream out;
  out << event_kind_name(e.event_kind()) << " " << result_name(e.result_code()) << " #";
  if (e.command_index == kNoCommand) {
    out << "-";
  } else {
    out << e.command_index;
  }
  out << " {";
  switch (e.event_kind()) {
    case EventKind::rejected:
      out << "actor=" << e.rejected.actor << " request=" << e.rejected.request_id
          << " kind=" << e.rejected.command_kind;
      break;
    case EventKind::duplicate:
      out << "actor=" << e.duplicate.actor << " request=" << e.duplicate.request_id
          << " object=" << e.duplicate.object_id << " kind=" << e.duplicate.command_kind;
      break;
    case EventKind::asset_created:
      out << "asset=" << e.asset_created.asset << " scale=" << int{e.asset_created.scale}
          << " code=" << std::string(e.asset_created.code, strnlen(e.asset_created.code, kAssetCodeSize));
      break;
    case EventKind::account_opened:
      out << "account=" << e.account_opened.account << " owner=" << e.account_opened.owner
          << " asset=" << e.account_opened.asset << " kind=" << int{e.account_opened.kind};
      break;
    case EventKind::transfer_posted:
      out << "transfer=" << e.transfer_posted.transfer << " debit=" << e.transfer_posted.debit
          << " credit=" << e.transfer_posted.credit << " amount=" << e.transfer_posted.amount_minor
          << " debit_after=" << e.transfer_posted.debit_balance_after
          << " credit_after=" << e.transfer_posted.credit_balance_after;
      break;
    case EventKind::hold_placed:
      out << "hold=" << e.hold_placed.hold << " account=" << e.hold_placed.account
          << " credit=" << e.hold_placed.credit << " amount=" << e.hold_placed.amount_minor
          << " expires=" << e.hold_placed.expires_at_ns << " held_after=" << e.hold_placed.account_held_after;
      break;
    case EventKind::hold_posted:
      out << "hold=" << e.hold_posted.hold << " transfer=" << e.hold_posted.transfer
          << " debit=" << e.hold_posted.debit << " credit=" << e.hold_posted.credit
          << " amount=" << e.hold_posted.amount_minor << " remaining=" << e.hold_posted.remaining_minor;
      break;
    case EventKind::hold_voided:
    case EventKind::hold_expired:
      out << "hold=" << e.hold_released.hold << " account=" << e.hold_released.account
          << " amount=" << e.hold_released.amount_minor << " held_after=" << e.hold_released.account_held_after
          << " remaining=" << e.hold_released.remaining_minor;
      break;
    default:  // market events: the reference exchange test describes them
      out << "...";
      break;
  }
  out << "} " << hex(&e, sizeof e);
  return out.str();
}

std::string describe(const Command& c) {
  std::ostringstream out;
  out << command_kind_name(c.command_kind()) << " flags=" << int{c.flags} << " role=" << int{c.role}
      << " actor=" << c.actor << " request=" << c.request_id << " " << hex(&c, sizeof c);
  return out.str();
}

}  // namespace qz::testing
