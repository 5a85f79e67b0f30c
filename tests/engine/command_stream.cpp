#include "command_stream.h"

#include <string_view>

#include <algorithm>
#include <cstring>

namespace qz::testing {

namespace {

constexpr uint8_t kOperator = static_cast<uint8_t>(Role::operator_);
constexpr uint64_t kUsers = 8;  // customer ids 1..8; the venue is 0
constexpr size_t kHistory = 512;

const char* const kCodes[] = {"KZT", "BTC", "USDT", "ETH", "A", "Z9", "ABCDEFGHIJKL", "TENGE", "SOL",
                              "ab",  "",    "BTC-", "ABCDEFGHIJKLM"};

// total - held, clamped into int64 (an issuance account can be far below zero and hold a lot).
int64_t available_of(const ReferenceLedger::AccountState& account) {
  const int128 available = static_cast<int128>(account.total_minor) - account.held_minor;
  return static_cast<int64_t>(std::clamp<int128>(available, INT64_MIN, INT64_MAX));
}

}  // namespace

CommandStream::CommandStream(uint64_t seed, const ReferenceLedger* model, const StreamOptions& options)
    : prng_(seed), model_(model), options_(options) {}

void CommandStream::setup_block(std::vector<Command>* commands) {
  // Three assets, an issuance account each, customers 1..6 in each asset, and the venue's own accounts.
  const struct {
    const char* code;
    uint8_t scale;
  } assets[] = {{"KZT", 2}, {"BTC", 8}, {"USDT", 6}};
  for (const auto& a : assets) commands->push_back(make_create_asset(a.code, a.scale));
  uint64_t account = 0;
  for (uint32_t asset = 1; asset <= 3; asset++) {
    commands->push_back(make_open_account(0, asset, AccountKind::issuance));
    const uint64_t issuance = ++account;
    for (uint64_t user = 1; user <= 6; user++) {
      commands->push_back(make_open_account(user, asset, AccountKind::customer));
      ++account;
      commands->push_back(make_transfer(issuance, account, static_cast<int64_t>(prng_.range(1, 1'000'000'000))));
    }
    commands->push_back(make_open_account(0, asset, AccountKind::custody));
    commands->push_back(make_open_account(0, asset, AccountKind::fee_income));
    commands->push_back(make_open_account(7, asset, AccountKind::escrow));
    account += 3;
  }
}

void CommandStream::refresh_view() {
  const auto& state = model_->state();
  accounts_by_asset_.assign(state.assets.size() + 1, {});
  for (const auto& [id, account] : state.accounts) {
    if (account.asset < accounts_by_asset_.size()) accounts_by_asset_[account.asset].push_back(id);
  }
  live_holds_.clear();
  for (const auto& [id, hold] : state.holds) live_holds_.push_back(id);
}

void CommandStream::next_block(uint64_t* time_ns, std::vector<Command>* commands) {
  commands->clear();
  if (blocks_ == 0) {
    blocks_++;
    *time_ns = time_ns_;
    setup_block(commands);
    return;
  }
  blocks_++;
  switch (prng_.below(4)) {
    case 0: time_ns_ += 1; break;
    case 1: time_ns_ += prng_.below(100) + 1; break;
    case 2: time_ns_ += prng_.below(3000) + 1; break;
    default: time_ns_ += prng_.below(20000) + 1; break;
  }
  *time_ns = time_ns_;
  refresh_view();

  uint64_t size = prng_.below(options_.max_block_commands + 1);
  if (prng_.chance(5)) size = 0;
  if (prng_.chance(2)) size = options_.max_block_commands * 4;
  while (commands->size() < size) {
    if (prng_.chance(15)) {
      const uint64_t group = 2 + prng_.below(4);  // 2..5
      in_group_ = true;
      for (uint64_t i = 0; i < group; i++) {
        Command command = random_command();
        if (i + 1 < group) {
          command.flags |= kFlagLinked;
        } else {
          command.flags &= static_cast<uint8_t>(~kFlagLinked);
        }
        commands->push_back(command);
      }
      in_group_ = false;
    } else {
      commands->push_back(random_command());
    }
  }
  // Now and then the block ends inside a group.
  if (!commands->empty() && prng_.chance(10)) commands->back().flags |= kFlagLinked;
  if (!options_.request_ids_in_open_groups) {
    for (size_t i = commands->size(); i > 0 && ((*commands)[i - 1].flags & kFlagLinked) != 0; i--) {
      (*commands)[i - 1].request_id = 0;
    }
  }
}

Command CommandStream::random_command() {
  const uint64_t roll = prng_.below(100);
  Command command;
  if (roll < 4 && !history_.empty()) {
    // An exact repeat of a recent command: a retry.
    command = history_[prng_.below(history_.size())];
    return command;
  }
  if (roll < 6 && !history_.empty()) {
    // The same (actor, request id) for another command.
    const Command& old = history_[prng_.below(history_.size())];
    command = fresh_command();
    command.actor = old.actor;
    command.request_id = old.request_id;
    return command;
  }
  if (roll < 8 && !history_.empty()) {
    // Another actor's request id: scoped per actor, so usually new for this one.
    const Command& old = history_[prng_.below(history_.size())];
    command = fresh_command();
    command.request_id = old.request_id;
    if (command.actor == old.actor) command.actor = (command.actor + 1) % (kUsers + 1);
    return command;
  }
  // Most commands are meant to succeed (so that state builds up and groups sometimes apply whole); the rest aim
  // at the edges.
  sane_ = !in_group_ ? prng_.chance(60) : prng_.chance(92);
  command = fresh_command();
  sane_ = false;
  if (roll < 11) corrupt(&command);
  assign_request_id(&command);
  return command;
}

void CommandStream::assign_request_id(Command* command) {
  if (prng_.chance(50)) return;
  command->request_id = next_request_id_++;
  if (history_.size() < kHistory) {
    history_.push_back(*command);
  } else {
    history_[history_next_] = *command;
    history_next_ = (history_next_ + 1) % kHistory;
  }
}

void CommandStream::corrupt(Command* command) {
  switch (prng_.below(7)) {
    case 0: {
      // A kind no command has (the ledger model knows only the ledger's kinds).
      uint16_t kind = static_cast<uint16_t>(prng_.chance(50) ? 0 : 7 + prng_.below(0xFFF9));
      while (command_kind_name(static_cast<CommandKind>(kind)) != std::string_view("unknown")) kind++;
      command->kind = kind;
      break;
    }
    case 1: command->flags |= static_cast<uint8_t>(2u << prng_.below(7)); break;
    case 2: command->reserved = static_cast<uint32_t>(1u << prng_.below(32)); break;
    case 3: command->role = static_cast<uint8_t>(kMaxRole + 1 + prng_.below(255 - kMaxRole)); break;
    case 4: command->payload[prng_.below(40)] ^= static_cast<uint8_t>(1u << prng_.below(8)); break;
    case 5: {
      // An asset code with bytes after its NUL.
      *command = make_create_asset("AB", 2);
      command->create_asset.code[3 + prng_.below(9)] = 'X';
      break;
    }
    default: command->payload[32 + prng_.below(8)] = 1; break;  // the tail: unused by most kinds
  }
}

uint64_t CommandStream::pick_account() {
  const uint64_t count = model_->state().accounts.size();
  const uint64_t roll = prng_.below(100);
  if ((sane_ || roll < 90) && count > 0) return 1 + prng_.below(count);
  if (roll < 93) return 0;
  if (roll < 98) return count + 1 + prng_.below(3);
  return UINT64_MAX - prng_.below(2);
}

uint64_t CommandStream::pick_account_of_asset(uint32_t asset) {
  if (asset < accounts_by_asset_.size() && !accounts_by_asset_[asset].empty() && (sane_ || prng_.chance(85))) {
    const auto& ids = accounts_by_asset_[asset];
    return ids[prng_.below(ids.size())];
  }
  return pick_account();
}

uint64_t CommandStream::pick_hold() {
  const uint64_t next = model_->state().next_hold_id;
  const uint64_t roll = prng_.below(100);
  if ((sane_ || roll < 65) && !live_holds_.empty()) return live_holds_[prng_.below(live_holds_.size())];
  if (roll < 82 && next > 1) return 1 + prng_.below(next - 1);  // often closed
  if (roll < 94) return next + prng_.below(3);                 // placed earlier in this block, or missing
  return prng_.chance(50) ? 0 : UINT64_MAX;
}

CommandStream::Actor CommandStream::actor_for_account(uint64_t account_id) {
  const uint64_t roll = prng_.below(100);
  const auto& accounts = model_->state().accounts;
  auto it = accounts.find(account_id);
  if (sane_) {
    const bool venue = it == accounts.end() || it->second.owner == 0 ||
                       it->second.kind == static_cast<uint8_t>(AccountKind::issuance);
    if (venue || roll < 40) return Actor{prng_.below(2), kOperator};
    return Actor{it->second.owner, static_cast<uint8_t>(Role::customer)};
  }
  if (roll < 45) return Actor{prng_.below(2), kOperator};  // the operator, under two ids
  const uint64_t owner = it != accounts.end() ? it->second.owner : prng_.below(kUsers + 1);
  const uint8_t roles[] = {2, 2, 2, 3, 4, 5, 6, 7, 0};
  const uint8_t role = roles[prng_.below(sizeof roles)];
  if (roll < 90) return Actor{owner, role};
  return Actor{prng_.below(kUsers + 1), role};
}

int64_t CommandStream::amount_near(int64_t available, int64_t credit_total) {
  const uint64_t roll = sane_ ? prng_.below(40) : prng_.below(100);
  if (roll < 35) return available > 1 ? prng_.range(1, available) : prng_.range(1, 1000);
  if (roll < 45) return available > 0 ? available : 1;
  if (roll < 50) return available < INT64_MAX ? available + 1 : INT64_MAX;
  if (roll < 54) return 0;
  if (roll < 57) {
    const int64_t negatives[] = {-1, INT64_MIN, -prng_.range(1, 1'000'000)};
    return negatives[prng_.below(3)];
  }
  if (roll < 62) return INT64_MAX - prng_.range(0, 2);
  if (roll < 70) {
    // Just enough to overflow the credit side (or just not).
    if (credit_total >= 0) {
      const int128 amount = static_cast<int128>(INT64_MAX) - credit_total + prng_.range(-1, 1);
      return static_cast<int64_t>(std::clamp<int128>(amount, 1, INT64_MAX));
    }
    return INT64_MAX / 2;
  }
  if (roll < 80) return prng_.range(1, INT64_MAX / 3);
  return prng_.range(1, 1'000'000);
}

Command CommandStream::fresh_command() {
  const auto& state = model_->state();
  const uint64_t roll = prng_.below(1000);
  const bool many_accounts = state.accounts.size() >= options_.account_target;

  if (roll < 15) {
    // create_asset
    const uint64_t scale = prng_.chance(90) ? prng_.below(19) : 19 + prng_.below(237);
    Command command = make_create_asset(kCodes[prng_.below(std::size(kCodes))], static_cast<uint8_t>(scale));
    if (prng_.chance(10)) command.role = static_cast<uint8_t>(2 + prng_.below(6));
    return command;
  }
  if (roll < (many_accounts ? 18u : 60u)) {
    const uint32_t asset_count = static_cast<uint32_t>(state.assets.size());
    const uint32_t asset = prng_.chance(92) && asset_count > 0 ? 1 + static_cast<uint32_t>(prng_.below(asset_count))
                                                              : static_cast<uint32_t>(prng_.below(asset_count + 3));
    const auto kind = static_cast<AccountKind>(prng_.chance(95) ? 1 + prng_.below(5) : 6 * prng_.below(2));
    Command command = make_open_account(prng_.below(kUsers + 1), asset, kind);
    if (prng_.chance(8)) {
      command.role = static_cast<uint8_t>(prng_.chance(50) ? 2 : prng_.below(8));
      command.actor = prng_.below(kUsers + 1);
    }
    return command;
  }
  if (roll < 500) {
    const uint64_t debit = pick_account();
    auto debit_it = state.accounts.find(debit);
    int64_t available = 0;
    uint32_t asset = 0;
    if (debit_it != state.accounts.end()) {
      available = available_of(debit_it->second);
      asset = debit_it->second.asset;
      if (debit_it->second.kind == static_cast<uint8_t>(AccountKind::issuance)) {
        available = sane_ || prng_.chance(70) ? prng_.range(1, 1'000'000'000'000) : INT64_MAX / 2;
      }
    }
    uint64_t credit = !sane_ && prng_.chance(4) ? debit : pick_account_of_asset(asset);
    if (sane_ && credit == debit) credit = pick_account_of_asset(asset);
    auto credit_it = state.accounts.find(credit);
    const int64_t credit_total = credit_it != state.accounts.end() ? credit_it->second.total_minor : 0;
    Command command = make_transfer(debit, credit, amount_near(available, credit_total));
    if (prng_.chance(30)) command.transfer.reference = prng_.next();
    const Actor actor = actor_for_account(debit);
    command.actor = actor.id;
    command.role = actor.role;
    return command;
  }
  if (roll < 700) {
    const uint64_t account = pick_account();
    auto it = state.accounts.find(account);
    int64_t available = 1000;
    uint32_t asset = 0;
    if (it != state.accounts.end()) {
      available = available_of(it->second);
      asset = it->second.asset;
      if (it->second.kind == static_cast<uint8_t>(AccountKind::issuance)) available = prng_.range(1, INT64_MAX);
    }
    uint64_t credit = 0;
    if (prng_.chance(55)) credit = !sane_ && prng_.chance(5) ? account : pick_account_of_asset(asset);
    if (sane_ && credit == account) credit = 0;
    uint64_t timeout_ns = 0;
    const uint64_t t = sane_ ? (prng_.chance(40) ? 99 : prng_.below(55)) : prng_.below(100);
    if (t < 50) {
      timeout_ns = 1 + prng_.below(prng_.chance(50) ? 6000 : 200000);
    } else if (t < 55) {
      timeout_ns = 1;
    } else if (t < 58) {
      timeout_ns = UINT64_MAX - time_ns_ + 1 - prng_.below(3);  // expiry just past, at or just below UINT64_MAX
    } else if (t < 60) {
      timeout_ns = UINT64_MAX;
    }
    Command command = make_hold(account, credit, amount_near(available, 0), timeout_ns);
    if (prng_.chance(30)) command.hold.reference = prng_.next();
    const Actor actor = actor_for_account(account);
    command.actor = actor.id;
    command.role = actor.role;
    return command;
  }
  if (roll < 850) {
    const uint64_t hold_id = pick_hold();
    auto it = state.holds.find(hold_id);
    int64_t remaining = 1000;
    uint64_t account = pick_account();
    uint64_t hold_credit = 0;
    if (it != state.holds.end()) {
      remaining = it->second.remaining_minor;
      account = it->second.account;
      hold_credit = it->second.credit;
    }
    uint64_t credit = 0;
    const uint64_t c = prng_.below(100);
    if (sane_ && hold_credit != 0) {
      credit = c < 50 ? 0 : hold_credit;
    } else if (sane_) {
      auto acc = state.accounts.find(account);
      credit = pick_account_of_asset(acc != state.accounts.end() ? acc->second.asset : 0);
    } else if (c < 45) {
      credit = 0;
    } else if (c < 60) {
      credit = hold_credit;
    } else if (c < 65) {
      credit = account;
    } else {
      auto acc = state.accounts.find(account);
      credit = pick_account_of_asset(acc != state.accounts.end() ? acc->second.asset : 0);
    }
    int64_t amount = 0;
    const uint64_t a = sane_ ? prng_.below(75) : prng_.below(100);
    if (a < 30) {
      amount = 0;
    } else if (a < 65) {
      amount = prng_.range(1, std::max<int64_t>(1, remaining));
    } else if (a < 75) {
      amount = remaining;
    } else if (a < 83) {
      amount = remaining < INT64_MAX ? remaining + 1 : INT64_MAX;
    } else if (a < 87) {
      amount = -prng_.range(1, 3);
    } else if (a < 90) {
      amount = INT64_MAX;
    } else {
      amount = prng_.range(1, 1'000'000);
    }
    if (sane_ && (amount == 0 || amount == remaining)) std::erase(live_holds_, hold_id);
    Command command = make_post_hold(hold_id, credit, amount);
    const Actor actor = actor_for_account(account);
    command.actor = actor.id;
    command.role = actor.role;
    return command;
  }
  // void_hold: everything (amount 0), part, exactly the rest, more than the rest, or a negative amount.
  const uint64_t hold_id = pick_hold();
  auto it = state.holds.find(hold_id);
  const int64_t remaining = it != state.holds.end() ? it->second.remaining_minor : 1000;
  int64_t amount = 0;
  const uint64_t a = sane_ ? prng_.below(70) : prng_.below(100);
  if (a < 35) {
    amount = 0;
  } else if (a < 60) {
    amount = prng_.range(1, std::max<int64_t>(1, remaining));
  } else if (a < 70) {
    amount = remaining;
  } else if (a < 80) {
    amount = remaining < INT64_MAX ? remaining + 1 : INT64_MAX;
  } else if (a < 85) {
    amount = -prng_.range(1, 3);
  } else if (a < 88) {
    amount = prng_.chance(50) ? INT64_MIN : INT64_MAX;
  } else {
    amount = prng_.range(1, 1'000'000);
  }
  // Aim later commands of the block at holds still open.
  if (sane_ && (amount == 0 || amount == remaining)) std::erase(live_holds_, hold_id);
  Command command = make_void_hold(hold_id, amount);
  const Actor actor = actor_for_account(it != state.holds.end() ? it->second.account : pick_account());
  command.actor = actor.id;
  command.role = actor.role;
  return command;
}

}  // namespace qz::testing
