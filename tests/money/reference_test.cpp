// A seeded random stream of issuance, funding, grants, payments and block time, driven side by side through the
// book (with the ledger) and a small reference model written from docs/money.md with std::map and plain loops.
// After every step: the same result code, the same free balances and lots, escrow = lots, supply = issued -
// redeemed, and the book's and the ledger's own invariants. A failure prints the seed and the step.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "base/prng.h"
#include "money_world.h"

namespace qz::money_test {
namespace {

struct RefProgram {
  uint32_t id = 0;
  uint64_t expires_at_ns = 0;
  bool return_to_issuer = true;
  std::set<uint16_t> categories;
  bool p2p = false;
  uint32_t eligible_class = 0;  // the one eligible class (the stream's programs each name one)
  uint8_t terminal_kinds = 0;
  int64_t per_payment = 0;
  int64_t period_limit = 0;
  uint64_t period_ns = 0;
  uint32_t share_cap_bps = 0;
  bool live = true;
};

struct RefWallet {
  WalletKind kind = WalletKind::individual;
  uint32_t wallet_class = 0;
  uint16_t mcc = 0;
  bool waterfall = false;
  bool reverse = false;
};

struct RefLot {
  int64_t balance = 0;
  int64_t received = 0;
  uint64_t period = 0;
  int64_t period_spent = 0;
  std::map<uint16_t, int64_t> by_category;
};

// The reference: the rules of docs/money.md for the stream's subset (no releases, no revocation, no regions).
class Reference {
 public:
  std::map<uint64_t, RefWallet> wallets;
  std::map<uint32_t, RefProgram> programs;
  std::map<uint64_t, int64_t> free;                        // wallet -> ordinary balance
  std::map<std::pair<uint64_t, uint32_t>, RefLot> lots;    // (holder, program)
  std::map<uint64_t, std::pair<uint64_t, int64_t>> usage;  // wallet -> (day, spent that day)
  int64_t link = 0;                                        // the bank deposits account
  int64_t issued = 0;
  int64_t redeemed = 0;
  uint64_t now = kStart;
  int64_t cap = 0;
  int64_t per_payment = 0;
  int64_t daily = 0;
  uint32_t capped_class = 0;

  Result issue(uint64_t bank, int64_t amount) {
    free[bank] += amount;
    issued += amount;
    return Result::ok;
  }

  Result grant(uint32_t program_id, uint64_t holder, int64_t amount) {
    RefProgram& p = programs[program_id];
    if (!p.live) return Result::program_expired;
    const RefWallet& w = wallets[holder];
    if (w.kind == WalletKind::bank || w.wallet_class != p.eligible_class) return Result::program_class_not_eligible;
    issued += amount;  // the central bank's programs: granting is issuing
    RefLot& l = lots[{holder, program_id}];
    l.balance += amount;
    l.received += amount;
    return Result::ok;
  }

  Result condition(const RefProgram& p, uint64_t payee) {
    const RefWallet& to = wallets[payee];
    const bool has_category = to.kind == WalletKind::merchant || to.kind == WalletKind::contractor;
    if (has_category && !p.categories.empty() && p.categories.count(to.mcc) == 0) {
      return Result::program_category_not_allowed;
    }
    if (to.kind == WalletKind::individual && !p.p2p) return Result::program_p2p_not_allowed;
    if (to.kind == WalletKind::bank) return Result::program_cash_out_not_allowed;
    const bool terminal = (p.terminal_kinds & wallet_kind_bit(to.kind)) != 0;
    if (!terminal && to.wallet_class != p.eligible_class) return Result::program_recipient_not_eligible;
    return Result::ok;
  }

  Result pay(uint64_t payer, uint64_t payee, int64_t amount) {
    if (payer == payee) return Result::accounts_must_differ;
    const RefWallet& from = wallets[payer];
    const RefWallet& to = wallets[payee];
    const uint64_t day = now / kDay;
    auto& used = usage[payer];
    const int64_t today = used.first == day ? used.second : 0;
    if (from.wallet_class == capped_class) {
      if (amount > per_payment) return Result::money_payment_limit;
      if (today + amount > daily) return Result::money_daily_limit;
    }
    // The payer's lots with money, earliest expiry first (never last), then program id.
    std::vector<std::tuple<uint64_t, uint32_t>> order;
    for (const auto& [key, l] : lots) {
      if (key.first != payer || l.balance == 0) continue;
      const RefProgram& p = programs[key.second];
      order.emplace_back(p.expires_at_ns == 0 ? UINT64_MAX : p.expires_at_ns, key.second);
    }
    std::sort(order.begin(), order.end());
    Result blocked = Result::ok;
    int64_t remaining = amount;
    std::vector<std::pair<uint32_t, int64_t>> takes;
    for (const auto& [expiry, program_id] : order) {
      if (remaining == 0) break;
      const RefProgram& p = programs[program_id];
      const RefLot& l = lots[{payer, program_id}];
      const Result c = condition(p, payee);
      if (c != Result::ok) {
        if (blocked == Result::ok) blocked = c;
        continue;
      }
      int64_t take = std::min(l.balance, remaining);
      Result limited = Result::ok;
      if (p.per_payment != 0 && take > p.per_payment) {
        take = p.per_payment;
        limited = Result::program_payment_limit;
      }
      if (p.period_limit != 0) {
        const int64_t spent = l.period == now / p.period_ns ? l.period_spent : 0;
        if (take > p.period_limit - spent) {
          take = std::max<int64_t>(0, p.period_limit - spent);
          limited = Result::program_period_limit;
        }
      }
      if (p.share_cap_bps != 0 && (to.kind == WalletKind::merchant || to.kind == WalletKind::contractor)) {
        const int64_t allowed = l.received * p.share_cap_bps / 10'000;
        const auto found = l.by_category.find(to.mcc);
        const int64_t spent = found == l.by_category.end() ? 0 : found->second;
        if (take > allowed - spent) {
          take = std::max<int64_t>(0, allowed - spent);
          limited = Result::program_category_share_cap;
        }
      }
      if (limited != Result::ok && blocked == Result::ok) blocked = limited;
      if (take <= 0) continue;
      takes.emplace_back(program_id, take);
      remaining -= take;
    }
    const int64_t from_free = std::min(free[payer], remaining);
    remaining -= from_free;
    const int64_t pulled = from.reverse ? std::min(link, remaining) : 0;
    remaining -= pulled;
    if (remaining > 0) return blocked != Result::ok ? blocked : Result::money_insufficient_funds;
    int64_t incoming = from_free + pulled;
    for (const auto& [program_id, take] : takes) {
      if ((programs[program_id].terminal_kinds & wallet_kind_bit(to.kind)) != 0) incoming += take;
    }
    int64_t swept = 0;
    if (to.wallet_class == capped_class && free[payee] + incoming > cap) {
      if (!to.waterfall) return Result::money_balance_cap;
      swept = free[payee] + incoming - cap;
    }
    // Apply.
    link -= pulled;
    free[payer] -= from_free;
    free[payee] += incoming - swept;
    link += swept;
    for (const auto& [program_id, take] : takes) {
      const RefProgram& p = programs[program_id];
      RefLot& l = lots[{payer, program_id}];
      l.balance -= take;
      if (p.period_limit != 0) {
        const uint64_t period = now / p.period_ns;
        if (l.period != period) {
          l.period = period;
          l.period_spent = 0;
        }
        l.period_spent += take;
      }
      if (p.share_cap_bps != 0 && (to.kind == WalletKind::merchant || to.kind == WalletKind::contractor)) {
        l.by_category[to.mcc] += take;
      }
      if ((p.terminal_kinds & wallet_kind_bit(to.kind)) == 0) {
        RefLot& received = lots[{payee, program_id}];
        received.balance += take;
        received.received += take;
      }
    }
    used = {day, today + amount};
    return Result::ok;
  }

  void advance(uint64_t block_time_ns) {
    now = block_time_ns;
    std::vector<std::pair<uint64_t, uint32_t>> due;
    for (const auto& [id, p] : programs) {
      if (p.live && p.expires_at_ns != 0 && p.expires_at_ns <= now) due.emplace_back(p.expires_at_ns, id);
    }
    std::sort(due.begin(), due.end());
    for (const auto& [expiry, id] : due) {
      RefProgram& p = programs[id];
      for (auto it = lots.begin(); it != lots.end();) {
        if (it->first.second != id) {
          ++it;
          continue;
        }
        if (p.return_to_issuer) {
          redeemed += it->second.balance;
        } else {
          free[it->first.first] += it->second.balance;
        }
        it = lots.erase(it);
      }
      p.live = false;
    }
  }

  int64_t lot(uint64_t holder, uint32_t program_id) const {
    const auto found = lots.find({holder, program_id});
    return found == lots.end() ? 0 : found->second.balance;
  }
};

void run_stream(uint64_t seed, int steps, std::map<std::string, int>* all_codes) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Prng prng(seed);
  MoneyWorld w;
  Reference ref;
  uint32_t capped = 0;
  const WalletClass capped_limits{.kyc_level = 1, .balance_cap_minor = 5'000'00, .per_payment_limit_minor = 1'000'00,
                                  .daily_limit_minor = 3'000'00};
  ASSERT_EQ(w.book->define_wallet_class(kCentralBank, capped_limits, &capped), Result::ok);
  ref.capped_class = capped;
  ref.cap = capped_limits.balance_cap_minor;
  ref.per_payment = capped_limits.per_payment_limit_minor;
  ref.daily = capped_limits.daily_limit_minor;

  std::vector<uint64_t> people;
  std::vector<uint64_t> all;
  auto add = [&](uint64_t id, WalletKind kind, uint32_t wallet_class, uint16_t mcc, bool waterfall, bool reverse) {
    ref.wallets[id] = RefWallet{.kind = kind, .wallet_class = wallet_class, .mcc = mcc, .waterfall = waterfall,
                                .reverse = reverse};
    all.push_back(id);
    if (kind == WalletKind::individual) people.push_back(id);
  };
  add(w.bank_wallet, WalletKind::bank, 0, 0, false, false);
  for (int i = 0; i < 6; i++) {
    const bool waterfall = i == 0;
    const bool reverse = i <= 1;
    const uint64_t id = w.open(WalletKind::individual, 3000 + static_cast<uint64_t>(i), capped, 0, 0,
                               reverse ? w.bank_deposits : 0, AccountKind::customer, waterfall, reverse);
    add(id, WalletKind::individual, capped, 0, waterfall, reverse);
  }
  for (const uint16_t mcc : {uint16_t{5411}, uint16_t{5812}, uint16_t{5912}, kMccQuasiCash}) add(w.merchant(mcc), WalletKind::merchant, 0, mcc, false, false);
  for (const uint16_t mcc : {1520, 5211, 1771}) {
    add(w.contractor(mcc, 75, w.business_class), WalletKind::contractor, w.business_class, mcc, false, false);
  }

  ProgramSpec food;
  food.code = "FOOD";
  food.expires_at_ns = kStart + 20 * kDay;
  food.categories = {5411, 5912};
  food.eligible_classes = {capped};
  ProgramSpec budget;
  budget.code = "BUDGET";
  budget.expires_at_ns = kStart + 35 * kDay;
  budget.expiry_action = ExpiryAction::release_to_holder;
  budget.categories = {1520, 5211, 1771, 5812};
  budget.eligible_classes = {w.business_class};
  budget.terminal_kinds = wallet_kind_bit(WalletKind::merchant);
  budget.per_payment_limit_minor = 300'00;
  ProgramSpec transport;
  transport.code = "TRANSPORT";
  transport.p2p_allowed = true;
  transport.eligible_classes = {capped};
  transport.period_limit_minor = 200'00;
  transport.period_ns = kDay;
  transport.category_share_cap_bps = 6'000;
  std::vector<uint32_t> program_ids;
  for (const ProgramSpec* spec : {&food, &budget, &transport}) {
    const uint32_t id = w.publish(*spec);
    program_ids.push_back(id);
    std::set<uint16_t> categories(spec->categories.begin(), spec->categories.end());
    ref.programs[id] = RefProgram{.id = id, .expires_at_ns = spec->expires_at_ns,
                                  .return_to_issuer = spec->expiry_action == ExpiryAction::return_to_issuer,
                                  .categories = categories, .p2p = spec->p2p_allowed,
                                  .eligible_class = spec->eligible_classes[0], .terminal_kinds = spec->terminal_kinds,
                                  .per_payment = spec->per_payment_limit_minor,
                                  .period_limit = spec->period_limit_minor, .period_ns = spec->period_ns,
                                  .share_cap_bps = spec->category_share_cap_bps};
  }

  uint64_t now = kStart;
  int64_t accepted = 0;
  std::map<std::string, int> codes;
  for (int step = 0; step < steps; step++) {
    SCOPED_TRACE("step " + std::to_string(step));
    const uint64_t roll = prng.below(100);
    Result got = Result::ok;
    Result want = Result::ok;
    if (roll < 5) {
      const int64_t amount = prng.range(1, 50'000'00);
      got = w.issue(w.bank_wallet, amount);
      want = ref.issue(w.bank_wallet, amount);
    } else if (roll < 20) {
      const uint64_t to = all[1 + prng.below(all.size() - 1)];
      const int64_t amount = prng.range(1, 2'000'00);
      got = w.pay(w.bank_wallet, to, amount);
      want = ref.pay(w.bank_wallet, to, amount);
    } else if (roll < 33) {
      const uint32_t program_id = program_ids[prng.below(program_ids.size())];
      const uint64_t holder = all[prng.below(all.size())];
      const int64_t amount = prng.range(1, 1'500'00);
      got = w.grant(program_id, holder, amount);
      want = ref.grant(program_id, holder, amount);
    } else if (roll < 96) {
      const uint64_t payer = all[1 + prng.below(all.size() - 1)];
      const uint64_t payee = all[prng.below(all.size())];
      const int64_t amount = prng.range(1, 1'200'00);
      got = w.pay(payer, payee, amount);
      want = ref.pay(payer, payee, amount);
    } else {
      now += prng.below(3 * kDay);
      w.block(now);
      ref.advance(now);
    }
    ASSERT_EQ(got, want) << result_name(got) << " vs reference " << result_name(want);
    accepted += got == Result::ok ? 1 : 0;
    codes[result_name(got)]++;

    for (const uint64_t id : all) {
      ASSERT_EQ(w.free(id), ref.free[id]) << "free balance of wallet " << id;
      for (const uint32_t program_id : program_ids) {
        ASSERT_EQ(w.lot(id, program_id), ref.lot(id, program_id)) << "lot of wallet " << id << " in " << program_id;
      }
    }
    for (const uint32_t program_id : program_ids) {
      int64_t lots = 0;
      for (const uint64_t id : all) lots += ref.lot(id, program_id);
      ASSERT_EQ(w.escrow(program_id), lots) << "escrow of program " << program_id;
    }
    ASSERT_EQ(w.balance(w.bank_deposits), ref.link);
    ASSERT_EQ(w.book->issued_minor(), ref.issued);
    ASSERT_EQ(w.book->redeemed_minor(), ref.redeemed);
    ASSERT_EQ(w.supply(), ref.issued - ref.redeemed);
    ASSERT_EQ(w.book->check_invariants(w.ledger), "");
    ASSERT_EQ(w.ledger.check_invariants(), "");
  }
  EXPECT_GT(accepted, steps / 4) << "the stream should mostly do things";
  std::printf("seed %llu: %d steps, %lld accepted, supply %s, state %s\n", static_cast<unsigned long long>(seed),
              steps, static_cast<long long>(accepted), format_tenge(w.supply()).c_str(),
              w.book->state_hash().hex().substr(0, 16).c_str());
  std::string seen;
  for (const auto& [name, count] : codes) seen += " " + name + "=" + std::to_string(count);
  std::printf("  results:%s\n", seen.c_str());
  for (const auto& [name, count] : codes) (*all_codes)[name] += count;
}

TEST(MoneyReference, SeededStreamsMatchTheReferenceModel) {
  std::map<std::string, int> codes;
  for (const uint64_t seed : {1ULL, 2ULL, 3ULL, 4ULL, 20270115ULL}) run_stream(seed, 4000, &codes);
  // The stream reaches every rule the reference models.
  for (const char* expected :
       {"ok", "accounts_must_differ", "money_payment_limit", "money_daily_limit", "money_balance_cap",
        "money_insufficient_funds", "program_class_not_eligible", "program_expired", "program_category_not_allowed",
        "program_p2p_not_allowed", "program_cash_out_not_allowed", "program_recipient_not_eligible",
        "program_payment_limit", "program_period_limit", "program_category_share_cap"}) {
    EXPECT_GT(codes[expected], 0) << expected << " never came up";
  }
}

}  // namespace
}  // namespace qz::money_test
